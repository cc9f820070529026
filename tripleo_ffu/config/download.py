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

"""Stack outputs -> the files of a config directory, and writing it safely.

`render_config` is pure: it returns {relative path: text} and a report.
`write_config` puts those files in place so that a failure never leaves a
half-written config, and keeps the previous config beside it for diffing.
"""

import collections
import os
import shutil
import tempfile

import yaml

from tripleo_ffu import compat
from tripleo_ffu.config import deployments as deployments_mod
from tripleo_ffu.config import errors
from tripleo_ffu.config import inventory as inventory_mod
from tripleo_ffu.config import playbooks
from tripleo_ffu.config import tasks as tasks_mod
from tripleo_ffu import db_dumps
from tripleo_ffu import files as files_mod
from tripleo_ffu import paths

REQUIRED_OUTPUTS = ('RoleData', 'RoleConfig')
KEEP_PREVIOUS = 5


class _Dumper(getattr(yaml, 'CSafeDumper', yaml.SafeDumper)):
    """Block-style YAML with long Jinja strings kept on one line.

    libyaml's emitter when PyYAML has it: ~10x faster on large configs.
    """


def _str_presenter(dumper, data):
    style = '|' if '\n' in data else None
    return dumper.represent_scalar('tag:yaml.org,2002:str', data, style=style)


def _mapping_presenter(dumper, data):
    # Pairs, not the mapping: every PyYAML (3.12 has no sort_keys) keeps
    # them in the order given.
    return dumper.represent_mapping('tag:yaml.org,2002:map',
                                    list(data.items()))


for _type in set((str, compat.text_type)):
    _Dumper.add_representer(_type, _str_presenter)
for _type in (dict, collections.OrderedDict):
    _Dumper.add_representer(_type, _mapping_presenter)


def to_yaml(data):
    return yaml.dump(data, Dumper=_Dumper, default_flow_style=False,
                     width=10000)


def outputs_by_key(stack_outputs):
    """Heat's [{output_key, output_value}] list as a dict."""
    return {o['output_key']: o.get('output_value')
            for o in stack_outputs or [] if 'output_key' in o}


# RoleData keys ending in _tasks whose value is a mapping ({step_N: [...]}
# or {}), not a task list.
MAPPING_KINDS = ('workflow_tasks', 'docker_puppet_tasks')
# Collected for the whole overcloud, not per role (as upstream Queens).
SKIPPED_ROLE_KEYS = ('external_deploy_tasks',)


def _task_list(value, where):
    if value is None:
        return []
    if isinstance(value, compat.string_types):
        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError:
            value = None
    if not isinstance(value, list):
        raise errors.ConfigError('%s is not a list of tasks' % where)
    return value


def _task_files(role, kind, task_list, report):
    """Files of one task list: hygiene, order, and a playbook wrapper."""
    relpath = '%s/%s.yaml' % (role, kind)
    if kind in tasks_mod.STEPPED_KINDS:
        task_list, fixed, stepless = tasks_mod.put_step_first(task_list)
        report['fixed_step_order'] += [
            {'role': role, 'file': relpath, 'task': name} for name in fixed]
        report['no_step_condition'] += [
            {'role': role, 'file': relpath, 'task': name}
            for name in stepless]
    files = {}
    if tasks_mod.is_sorted_kind(kind):
        task_list = tasks_mod.order_by_step(task_list)
        files['%s/%s_playbook.yaml' % (role, kind)] = to_yaml(
            [{'name': '%s playbook' % role, 'hosts': role,
              'tasks': task_list}])
    files[relpath] = to_yaml(task_list)
    return files


def _role_files(role, role_data, report):
    """The files of RoleData[role], as upstream Queens writes them."""
    where = 'stack output RoleData[%s]' % role
    if not isinstance(role_data, dict):
        raise errors.ConfigError('%s is a %s, not a mapping' % (
            where, type(role_data).__name__))
    files = {}
    for key, value in sorted(role_data.items()):
        here = '%s[%s]' % (where, key)
        if key in SKIPPED_ROLE_KEYS:
            continue
        if key == 'step_config':
            if not isinstance(value, compat.string_types + (type(None),)):
                raise errors.ConfigError('%s is not a Puppet manifest (a '
                                         'string)' % here)
            files['%s/step_config.pp' % role] = value or ''
        elif key in MAPPING_KINDS:
            if not isinstance(value, (dict, type(None))):
                raise errors.ConfigError('%s is a %s, not a mapping of '
                                         'steps' % (here,
                                                    type(value).__name__))
            files['%s/%s.yaml' % (role, key)] = to_yaml(value or {})
        elif key.endswith('_tasks'):
            files.update(_task_files(role, key, _task_list(value, here),
                                     report))
        else:
            files['%s/%s.yaml' % (role, key)] = to_yaml(value)
    return files


def render_config(outputs, node_user, stack=None, deployments=(),
                  undercloud=None):
    """Return (files, report) for the config dir of one stack.

    `deployments`: the stack's software deployments (deployments.gather);
    `undercloud`: the Undercloud group's Keystone vars.
    """
    missing = [name for name in REQUIRED_OUTPUTS
               if not isinstance(outputs.get(name), dict)]
    if missing:
        raise errors.ConfigError(
            'stack output(s) %s missing or not a mapping: was the stack '
            'deployed from templates with fast-forward upgrade support?'
            % ', '.join(missing))

    files = {}
    report = {'fixed_step_order': [], 'no_step_condition': [],
              'converted': [], 'resume_points': [], 'db_dumps': []}
    for role, role_data in sorted(outputs['RoleData'].items()):
        files.update(_role_files(role, role_data, report))

    for name, value in sorted(outputs['RoleConfig'].items()):
        relpath = '%s.yaml' % name
        value, converted, resume = playbooks.convert(relpath, value)
        report['converted'] += converted
        report['resume_points'] += resume
        if relpath == db_dumps.BOOTSTRAP_TASKS:
            if isinstance(value, compat.string_types):
                value = yaml.safe_load(value)
            report['db_dumps'] += db_dumps.add_dump(relpath, value)
        files[relpath] = (value if isinstance(value, compat.string_types)
                          else to_yaml(value))

    deployment_files, deployment_report = deployments_mod.render_deployments(
        outputs, deployments)
    for relpath, value in deployment_files.items():
        files[relpath] = (value if isinstance(value, compat.string_types)
                          else to_yaml(value))
    report.update(deployment_report)

    inventory = inventory_mod.build_inventory(outputs, node_user, stack,
                                              undercloud)
    files[paths.INVENTORY_FILE] = to_yaml(inventory)
    files[paths.HYGIENE_REPORT] = to_yaml(report)
    return files, report


def _timestamp():
    return compat.utc_now().strftime(
        '%Y%m%dT%H%M%S%fZ')


def _prune_previous(work_dir, stack, keep):
    prefix = '%s.previous-' % stack
    olds = sorted(n for n in os.listdir(work_dir) if n.startswith(prefix))
    for name in olds[:-keep] if keep else olds:
        shutil.rmtree(os.path.join(work_dir, name), ignore_errors=True)


def write_config(files, work_dir, stack, keep_previous=KEEP_PREVIOUS):
    """Write `files` as <work_dir>/<stack>/ and return (path, previous).

    The files go to a new directory that replaces the old one only when
    complete; the old one is kept as <stack>.previous-<UTC timestamp>.
    """
    compat.makedirs(work_dir, 0o700)
    target = paths.config_dir(work_dir, stack)
    # mkdtemp makes the directory 0700; task lists can carry secrets.
    staging = tempfile.mkdtemp(prefix='.%s.new-' % stack, dir=work_dir)
    try:
        for relpath, text in files.items():
            path = os.path.join(staging, relpath)
            compat.makedirs(os.path.dirname(path), 0o700)
            with files_mod.open_private(path) as f:
                f.write(compat.native(text))
        previous = None
        if os.path.exists(target):
            previous = '%s.previous-%s' % (target, _timestamp())
            os.rename(target, previous)
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _prune_previous(work_dir, stack, keep_previous)
    return target, previous
