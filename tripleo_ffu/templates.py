# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""A tripleo-heat-templates tree rendered as upstream's plan rendered it.

Upstream's prepare uploaded the new templates to the plan (Swift) and
tripleo-common rendered their j2 files for the roles there; the stack was
then updated from the plan. Here the executor renders the tree from a
directory on the undercloud into the stack's work dir, and the stack is
updated from that copy (doc/templates.rst).
"""

import collections
import io
import os
import shutil

import yaml

from tripleo_ffu import compat
from tripleo_ffu import errors

DEFAULT_TEMPLATES = '/usr/share/openstack-tripleo-heat-templates'
TOP_TEMPLATE = 'overcloud.yaml'
ROLES_FILE = 'roles_data.yaml'
NETWORKS_FILE = 'network_data.yaml'
EXCLUDES_FILE = 'j2_excludes.yaml'
PLAN_ENVIRONMENT = 'plan-environment.yaml'
# Before a plan-environment.yaml existed (Newton), the plan's only
# environment was the resource registry.
DEFAULT_PLAN_ENVIRONMENTS = ('overcloud-resource-registry-puppet.yaml',)
LIFECYCLE_ENVIRONMENTS = {
    'prepare': 'environments/lifecycle/ffwd-upgrade-prepare.yaml',
    'converge': 'environments/lifecycle/ffwd-upgrade-converge.yaml',
}
# The work dir's copy, under <work_dir>/<stack>/.
RENDERED_DIR = 'templates'


class TemplatesError(errors.FFUError):
    """The templates cannot be used; the message names the file."""


def load_yaml(path, what):
    try:
        with open(path) as f:
            return yaml.safe_load(f)
    except (IOError, OSError) as e:
        raise TemplatesError('Cannot read the %s %s: %s' % (
            what, path, e.strerror or e))
    except yaml.YAMLError as e:
        raise TemplatesError('The %s %s is not valid YAML: %s' % (
            what, path, e))


def check_templates_dir(templates):
    """The directory, or an error naming what is missing."""
    if not os.path.isdir(templates):
        raise TemplatesError(
            'Templates directory %s does not exist (--templates)'
            % templates)
    top = os.path.join(templates, TOP_TEMPLATE)
    if not (os.path.isfile(top) or os.path.isfile(j2_name(top))):
        raise TemplatesError(
            '%s holds no %s (nor its .j2.yaml): not a '
            'tripleo-heat-templates directory (--templates)'
            % (templates, TOP_TEMPLATE))
    return templates


def j2_name(path):
    return path[:-len('.yaml')] + '.j2.yaml'


def roles_data(templates, roles_file=None):
    path = roles_file or os.path.join(templates, ROLES_FILE)
    data = load_yaml(path, 'roles file')
    if not isinstance(data, list) or not all(
            isinstance(r, dict) and r.get('name') for r in data):
        raise TemplatesError('The roles file %s is not a list of roles '
                             'with a name each' % path)
    return data


def networks_data(templates, networks_file=None):
    path = networks_file or os.path.join(templates, NETWORKS_FILE)
    if not networks_file and not os.path.isfile(path):
        return []  # Before Pike the templates had none.
    data = load_yaml(path, 'networks file') or []
    if not isinstance(data, list):
        raise TemplatesError('The networks file %s is not a list of '
                             'networks' % path)
    return data


def enabled_networks(networks, legacy_internal_api=False):
    """{name: network} of the enabled networks, as tripleo-common did.

    legacy_internal_api: the stack's Networks have the pre-Pike
    InternalNetwork resource, kept by InternalApi's compat_name.
    """
    # In the networks file's order on every Python.
    enabled = collections.OrderedDict()
    for network in networks:
        if network.get('enabled') is False:
            continue
        network = dict(network)
        network.setdefault('name_lower', network['name'].lower())
        if (network['name'] == 'InternalApi' and legacy_internal_api and
                'compat_name' not in network):
            network['compat_name'] = 'Internal'
        enabled[network['name']] = network
    return enabled


def render_targets(relpath, roles, networks, excludes):
    """[(output relpath, jinja2 data)] for one template of the tree.

    The three passes of tripleo-common's plan: *.role.j2.yaml once per
    role, *.network.j2.yaml once per enabled network, any other *.j2.yaml
    once with all roles and networks.
    """
    directory, name = os.path.split(relpath)
    targets = []
    if name.endswith('.role.j2.yaml'):
        for role in roles:
            if 'network/config' in directory:
                out = role.get('deprecated_nic_config_name') or (
                    '%s.yaml' % role['name'].lower())
            else:
                out = '%s-%s' % (role['name'].lower(),
                                 name.replace('.role.j2.yaml', '.yaml'))
            targets.append((os.path.join(directory, out),
                            {'role': role, 'networks': list(
                                networks.values())}))
    elif name.endswith('.network.j2.yaml'):
        for network in networks.values():
            out = name.replace('.network.j2.yaml', '.yaml')
            out = out.replace('port' if directory.endswith('ports') else
                              'network', network['name_lower'])
            targets.append((os.path.join(directory, out),
                            {'network': network}))
    elif name.endswith('.j2.yaml'):
        targets.append((relpath.replace('.j2.yaml', '.yaml'),
                        {'roles': roles, 'networks': list(
                            networks.values())}))
    return [(out, data) for out, data in targets if out not in excludes]


def role_template_data(template_text, role, data):
    """Templates written for {{role}} (Newton, Ocata) get the role name."""
    if '{{role.name}}' in template_text:
        return data
    data = dict(data, role=role['name'])
    if role.get('disable_constraints'):
        data['disable_constraints'] = True
    return data


def render(templates, out_dir, roles_file=None, networks_file=None,
           legacy_internal_api=False):
    """Copy `templates` to `out_dir`, its j2 templates rendered.

    Written aside and moved in place, so `out_dir` is never half a tree.
    Returns the list of rendered files (relative paths).
    """
    # Imported here: only the stack update action renders.
    import jinja2

    check_templates_dir(templates)
    roles = roles_data(templates, roles_file)
    networks = enabled_networks(networks_data(templates, networks_file),
                                legacy_internal_api)
    excludes_path = os.path.join(templates, EXCLUDES_FILE)
    excludes = set()
    if os.path.isfile(excludes_path):
        excludes = set((load_yaml(excludes_path, 'j2 excludes file') or
                        {}).get('name') or [])
    staging = '%s.new' % out_dir.rstrip('/')
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(templates, staging, symlinks=False)
    # The roles and networks the tree is rendered for, where the operator
    # finds them next to what they produced.
    for name, given in ((ROLES_FILE, roles_file),
                        (NETWORKS_FILE, networks_file)):
        if given:
            shutil.copyfile(given, os.path.join(staging, name))
    rendered = []
    for relpath in sorted(j2_files(staging)):
        # As text on both Pythons: Jinja2 renders text.
        with io.open(os.path.join(staging, relpath), encoding='utf-8') as f:
            text = f.read()
        loader = jinja2.FileSystemLoader(
            [os.path.join(staging, os.path.dirname(relpath)), staging])
        env = jinja2.Environment(loader=loader)
        for out, data in render_targets(relpath, roles, networks, excludes):
            if 'role' in data:
                role = data['role']
                data = role_template_data(text, role, data)
            try:
                result = env.from_string(text).render(**data)
            except jinja2.TemplateError as e:
                raise TemplatesError('Cannot render %s: %s' % (
                    os.path.join(templates, relpath), e))
            with io.open(os.path.join(staging, out), 'w',
                         encoding='utf-8') as f:
                f.write(result)
            rendered.append(out)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.rename(staging, out_dir)
    return rendered


def j2_files(tree):
    for root, dirs, names in os.walk(tree):
        for name in names:
            if name.endswith('.j2.yaml'):
                yield os.path.relpath(os.path.join(root, name), tree)


def plan_environment(templates, plan=None):
    """(environment paths, parameter_defaults) of the plan environment.

    `plan`: the content of the operator's -p file; else the templates' own
    plan-environment.yaml; Newton templates have none, and their plan
    started from the resource registry alone.
    """
    if plan is None:
        path = os.path.join(templates, PLAN_ENVIRONMENT)
        if not os.path.isfile(path):
            return list(DEFAULT_PLAN_ENVIRONMENTS), {}
        plan = load_yaml(path, 'plan environment file') or {}
    paths = [e['path'] for e in plan.get('environments') or []
             if isinstance(e, dict) and e.get('path')]
    return paths, dict(plan.get('parameter_defaults') or {})


def rendered_dir(work_dir, stack):
    """Where the executor renders the templates for `stack`.

    Next to the stack's downloaded config, not in it (a download replaces
    that directory), and at one path for every step: the stack's resource
    registry then names the same files at prepare and at converge.
    """
    return os.path.join(work_dir, '%s-%s' % (stack, RENDERED_DIR))


def plan_items(rendered, plan=None):
    """The plan environment's part of the update, in merge order.

    Its environments (resource registry first), then its
    parameter_defaults; items as environment_list's.
    """
    paths, plan_parameters = plan_environment(rendered, plan)
    result = [{'path': p} for p in paths]
    if plan_parameters:
        result.append({'environment': {
            'parameter_defaults': plan_parameters}})
    return result


def step_items(step, environments=()):
    """The step's lifecycle environment, then the operator's, in order.

    The lifecycle environment is prepended to the operator's, as upstream's
    prepare and converge did; given again it changes nothing.
    """
    result = []
    if step in LIFECYCLE_ENVIRONMENTS:
        result.append({'path': LIFECYCLE_ENVIRONMENTS[step]})
    return result + list(environments or [])


def environment_list(rendered, step, environments=(), plan=None):
    """The environments of the update, in merge order, as upstream's plan.

    Items are {'path': relpath in the templates} or {'environment': dict}.
    """
    return plan_items(rendered, plan) + step_items(step, environments)


def merge_environments(rendered, items):
    """(environment, files) of `items` merged in order, later wins.

    Environment paths are read from the rendered tree (so a file rendered
    from a .j2.yaml is found); the operator's own environments come
    processed by the CLI.
    """
    # Imported here: heatclient is slow to import.
    from heatclient.common import template_utils

    files = {}
    environment = {}
    for item in items:
        if item.get('path'):
            path = os.path.join(rendered, item['path'])
            if not os.path.isfile(path):
                raise TemplatesError(
                    'Environment %s is not in the templates (nor rendered '
                    'from a .j2.yaml there)' % item['path'])
            try:
                env_files, env = (
                    template_utils.process_environment_and_files(
                        env_path=path))
            except Exception as e:
                raise TemplatesError('Environment %s of the templates is '
                                     'not usable: %s' % (item['path'], e))
            files.update(env_files)
        else:
            env = item.get('environment') or {}
        template_utils.deep_update(environment, env)
    return environment, files


def same_mapping(current, new, rendered):
    """Whether a registry value of the stack and a new one name the same.

    The stack's may come from other templates (Newton's, in a plan or
    another directory): a template path matches by its path in the tree.
    """
    if current == new:
        return True
    if '::' in current or '::' in new:
        return False
    relpath = shown_mapping(new, [rendered])
    current = current.split('://', 1)[-1]
    return current == relpath or current.endswith('/' + relpath)


# Where a tripleo-heat-templates tree starts in a registry value: the
# directory holding one of these.
TREE_DIRS = ('/puppet/', '/network/', '/docker/', '/extraconfig/',
             '/deployed-server/', '/firstboot/', '/common/',
             '/environments/')


def mapping_kind(value):
    """'none', 'native' or 'template': what a registry value maps to."""
    name = value.split('://', 1)[-1].rsplit('/', 1)[-1]
    if value == 'OS::Heat::None' or name == 'noop.yaml' or name.endswith(
            '-noop.yaml'):
        return 'none'
    return 'native' if '::' in value else 'template'


def tree_root(values):
    """The templates directory most of a registry's templates are in."""
    counts = {}
    for value in values:
        path = value.split('://', 1)[-1]
        starts = [path.find(d) for d in TREE_DIRS if d in path]
        if starts:
            root = path[:min(starts) + 1]
            counts[root] = counts.get(root, 0) + 1
    return max(sorted(counts), key=counts.get) if counts else None


def lost_mappings(current, plan_registry, step_registry, rendered,
                  lifecycle_registry=None):
    """[(type, now, after)] the update would put back to the defaults.

    A mapping of the stack's environment that no environment of the update
    sets, which the templates' resource registry would change in kind (a
    template for a native resource or for nothing, or back), or which
    names a template of the operator's own, outside the templates the
    stack was deployed from: what upstream's operators lost by leaving out
    an environment file of the original deploy (deployed servers, network
    isolation, nic configs, a disabled service). A template for another of
    the templates is a release's own move (Newton's puppet/services to
    Queens' docker/services). What a lifecycle environment mapped
    (prepare's, seen at converge) is the upgrade's own, meant to go.
    """
    lost = []
    current = dict((name, value) for name, value in (current or {}).items()
                   if isinstance(value, compat.string_types) and
                   name not in ('base_url', 'hooks'))
    old_root = tree_root(current.values())
    lifecycle_registry = lifecycle_registry or {}
    for name, value in sorted(current.items()):
        if name in (step_registry or {}):
            continue
        if isinstance(lifecycle_registry.get(name),
                      compat.string_types) and same_mapping(
                value, lifecycle_registry[name], rendered):
            continue
        default = (plan_registry or {}).get(name)
        if not isinstance(default, compat.string_types) or same_mapping(
                value, default, rendered):
            continue
        own_template = (mapping_kind(value) == 'template' and old_root and
                        not value.split('://', 1)[-1].startswith(old_root))
        if own_template or mapping_kind(value) != mapping_kind(default):
            lost.append((name, value, default))
    return lost


def shown_mapping(value, roots):
    """A registry value as the operator wrote it: relative to its tree."""
    value = value.split('://', 1)[-1]
    for root in roots:
        root = root.rstrip('/') + '/'
        if root != '/' and value.startswith(root):
            return value[len(root):]
    return value


def lost_mappings_message(stack, lost, rendered, old_root=None):
    roots = [rendered] + ([old_root] if old_root else [])
    shown = ', '.join('%s (%s -> %s)' % (
        name, shown_mapping(now, roots), shown_mapping(after, roots))
        for name, now, after in lost)
    return ('%d resource mapping(s) of the environment of stack %s would '
            'go back to the templates\' defaults, as when an environment '
            'file of the original deploy is left out: %s. Pass every '
            'environment file of the original deploy again (-e), or '
            '--allow-lost-mappings if these defaults are what you mean'
            % (len(lost), stack, shown))


def update_arguments(rendered, environments, files=None):
    """{template, files, environment} of a stack update from `rendered`."""
    # Imported here: heatclient is slow to import.
    from heatclient.common import template_utils

    environment, all_files = merge_environments(rendered, environments)
    all_files.update(files or {})
    top = os.path.join(rendered, TOP_TEMPLATE)
    try:
        template_files, template = template_utils.get_template_contents(
            template_file=top)
    except Exception as e:
        raise TemplatesError('The top-level template %s is not usable: %s'
                             % (top, e))
    all_files.update(template_files)
    return {'template': template, 'files': all_files,
            'environment': environment}
