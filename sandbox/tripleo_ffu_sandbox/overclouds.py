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

"""The overcloud stacks the sandbox creates in its Heat.

`demo`: the hand-written Newton-era templates (templates/), whose nodes
are directories (components/demo_nodes.py); fast, for task authors.
`queens`: the real tripleo-heat-templates 8.4.1 rendered for a
keystone-only Controller + Compute (queens.py), whose nodes are
containers reached over SSH (components/node_containers.py).
"""

import json
import os
import shutil
import sys
import time

import yaml

from tripleo_ffu.config import download
from tripleo_ffu import files

from tripleo_ffu_sandbox.components import node_containers
from tripleo_ffu_sandbox import newton
from tripleo_ffu_sandbox.processes import SandboxError
from tripleo_ffu_sandbox import queens

TEMPLATES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             'templates')
KINDS = ('demo', 'queens', 'newton')
STACK_TIMEOUT = 600


def demo_environments(step):
    """The -e files of the demo's prepare or converge, as the README has."""
    environments = os.path.join(TEMPLATES_DIR, 'environments')
    lifecycle = 'ffwd-upgrade-%s.yaml' % step
    return [os.path.join(environments, 'container-registry.yaml'),
            os.path.join(environments, 'lifecycle', lifecycle)]


def secret_values(params, name=None):
    """(parameter name, value) of the generated secrets (not the images)."""
    for key, value in params.items():
        if queens.IMAGE_NAME.match(key):
            continue
        if isinstance(value, dict):
            yield from secret_values(value, name or key)
        elif isinstance(value, str) and len(value) >= 16:
            yield name or key, value


class Overclouds(object):
    """Create the sandbox's stacks and say what prepare/converge take."""

    def __init__(self, sandbox_state):
        self.state = sandbox_state
        self.tht_dir = os.path.join(sandbox_state.state_dir, 'tht')
        self.node_containers = node_containers.NodeContainers(sandbox_state)

    @property
    def queens_templates_dir(self):
        return os.path.join(self.tht_dir, 'rendered')

    @property
    def queens_secrets_file(self):
        return os.path.join(self.state.state_dir, 'queens-secrets.yaml')

    def create(self, kind, name, computes=1):
        """Create the `kind` overcloud (demo or queens) as stack `name`."""
        if kind not in KINDS:
            raise SandboxError('unknown overcloud %r (choose from %s)'
                               % (kind, ', '.join(KINDS)))
        stacks = self.state.info.setdefault('stacks', {})
        if stacks.get(name, kind) != kind:
            raise SandboxError(
                'stack %s is the %s overcloud already; delete it ("openstack '
                'stack delete %s") or choose another name'
                % (name, stacks[name], name))
        if kind == 'queens':
            self._create_queens(name, computes)
        elif kind == 'newton':
            self._create_newton(name, computes)
        else:
            self._create_demo(name)
        stacks[name] = kind
        self.state.save_info()

    def step_arguments(self, kind, step, name='queens'):
        """The arguments of prepare or converge for the `kind` stack `name`.

        Queens: upstream's shape, the templates named by --templates and
        every environment file of the create given again (prepare moves
        the stack to the templates and their resource registry, as
        upstream's did).
        """
        if kind == 'demo':
            return [a for path in demo_environments(step)
                    for a in ('-e', path)]
        templates = self.queens_templates()
        source = queens.fetch_tht(self.tht_dir)
        arguments = ['--templates', source,
                     '-r', queens.roles_file(source),
                     '-p', self._queens_plan_environment()]
        if kind == 'newton':
            # What an operator adds for the Queens templates: their own
            # deployed-server files, the Queens parameters Newton's had
            # not (its own passwords stay).
            env_paths = self._newton_to_queens_env_files(name, templates)
        else:
            env_paths = self._queens_env_file_paths(name)
        # The resource registry comes with the plan environment.
        create = queens.environment_files(source)[1:]
        if kind == 'newton':
            # A Newton operator's deploy had no config-download
            # environment: the deployments stay ones the nodes signal (the
            # agent here), at prepare as at converge.
            create = [p for p in create if not p.endswith(
                'config-download-environment.yaml')]
        env_paths = create + env_paths
        return arguments + [a for path in env_paths for a in ('-e', path)]

    def _newton_to_queens_env_files(self, name, templates):
        # Queens' deployed servers, the sandbox's stand-in (no Swift, no
        # CloudFormation endpoint for their transports here): prepare
        # replaces Newton's with them; the prepare script ran on Newton's.
        env_file = self._write_queens_environment(
            name, self.state.info.get('queens_computes', 1))
        secrets_file = os.path.join(self.state.state_dir,
                                    'queens-%s-secrets.yaml' % name)
        if not os.path.exists(secrets_file):
            with open(os.path.join(self.state.state_dir,
                                   'newton-%s-secrets.yaml' % name)) as f:
                kept = yaml.safe_load(f)['parameter_defaults']
            params = dict((k, v) for k, v in queens.generated_parameters(
                templates, name).items() if k not in kept)
            with files.open_private(secrets_file) as f:
                yaml.safe_dump({'parameter_defaults': params}, f)
        return [env_file, secrets_file]

    def _queens_plan_environment(self):
        """Upstream's plan environment without docker.yaml.

        The sandbox creates its stack from the resource registry without
        environments/docker.yaml (which enables the Docker service):
        prepare gives the environments of the create again.
        """
        path = os.path.join(self.tht_dir, 'plan-environment-sandbox.yaml')
        with open(path, 'w') as f:
            yaml.safe_dump({'version': 1.0, 'name': 'overcloud',
                            'template': 'overcloud.yaml',
                            'environments': [{'path': p} for p in
                                             queens.PLAN_ENVIRONMENTS]},
                           f, default_flow_style=False)
        return path

    def _queens_env_file_paths(self, name):
        return [os.path.join(self.state.state_dir, 'queens-%s.yaml' % name),
                self.queens_secrets_file]

    def _create_demo(self, name):
        env_file = os.path.join(self.state.state_dir, 'demo-env.yaml')
        with open(env_file, 'w') as f:
            f.write('parameter_defaults:\n  DemoNodesDir: %s\n'
                    '  DemoNodePython: %s\n'
                    % (self.state.nodes_dir, sys.executable))
        self._create_stack(
            name, 'demo', os.path.join(TEMPLATES_DIR, 'overcloud.yaml'),
            [os.path.join(TEMPLATES_DIR, 'overcloud-resource-registry.yaml'),
             env_file])

    def queens_templates(self):
        """THT 8.4.1 rendered for the keystone-only layout (once).

        tripleo-common's roles come with them: the deploy steps use them.
        """
        queens.fetch_common_roles(self.tht_dir)
        rendered = self.queens_templates_dir
        if not os.path.isfile(os.path.join(rendered, 'overcloud.yaml')):
            self.state.out('Fetching and rendering tripleo-heat-templates %s'
                           % queens.THT_VERSION)
            tht = queens.fetch_tht(self.tht_dir)
            # Rendered aside, then moved in place: never half a tree.
            staging = '%s.%d' % (rendered, os.getpid())
            shutil.rmtree(staging, ignore_errors=True)
            queens.render(tht, staging)
            try:
                os.rename(staging, rendered)
            except OSError:
                # Another process rendered it meanwhile.
                shutil.rmtree(staging, ignore_errors=True)
        return rendered

    def _write_queens_environment(self, name, computes):
        """queens-<name>.yaml, with the deployed-server stand-in it maps."""
        deployed_server = os.path.join(self.state.state_dir,
                                       'queens-deployed-server.yaml')
        with open(deployed_server, 'w') as f:
            f.write(queens.DEPLOYED_SERVER_TEMPLATE)
        env = queens.sandbox_environment(name, deployed_server, computes,
                                         self.node_containers.net)
        env_file = self._queens_env_file_paths(name)[0]
        with open(env_file, 'w') as f:
            f.write('# The sandbox\'s own environment for the Queens stack '
                    '%s:\n# only what no upstream file provides (see '
                    'tripleo_ffu_sandbox/queens.py).\n' % name)
            yaml.safe_dump(env, f, default_flow_style=False)
        return env_file

    def _queens_env_files(self, name, templates, computes):
        """The sandbox's environment and the generated secrets (0600)."""
        secrets_file = self.queens_secrets_file
        if not os.path.exists(secrets_file):
            params = queens.generated_parameters(templates, name)
            with files.open_private(secrets_file) as f:
                yaml.safe_dump({'parameter_defaults': params}, f)
        env_file = self._write_queens_environment(name, computes)
        # What tripleo-common sets on a create, apart: prepare gives the
        # environments above again, and its update sets its own.
        create_file = os.path.join(self.state.state_dir,
                                   'queens-%s-create.yaml' % name)
        with open(create_file, 'w') as f:
            yaml.safe_dump(queens.deploy_parameters('CREATE'), f,
                           default_flow_style=False)
        return [env_file, secrets_file, create_file]

    def _create_queens(self, name, computes=1):
        self._claim_nodes(name, computes)
        self.node_containers.start()
        templates = self.queens_templates()
        self._create_stack(
            name, 'Queens (tripleo-heat-templates %s)' % queens.THT_VERSION,
            os.path.join(templates, 'overcloud.yaml'),
            queens.environment_files(templates) +
            self._queens_env_files(name, templates, computes))

    def _create_newton(self, name, computes=1):
        """Newton's templates, deployed as Newton's deploy did (newton.py).

        Each node's os-collect-config (node/occ.py) applies and signals
        its deployments from before the create on, as on a real
        overcloud, once the deployment agent (components/
        deployment_agent.py) has told it its servers.
        """
        from tripleo_ffu_sandbox.components import deployment_agent

        self._claim_nodes(name, computes)
        self.state.info['newton_stack'] = name
        self.state.save_info()
        self.node_containers.start()
        # A new stack: new servers (and perhaps another stack name).
        teller = deployment_agent.DeploymentAgent(self.state)
        teller.stop()
        teller.forget_servers()
        teller.start()
        rendered = os.path.join(self.tht_dir, 'newton-rendered')
        if not os.path.isfile(os.path.join(rendered, 'overcloud.yaml')):
            self.state.out('Fetching and rendering tripleo-heat-templates '
                           '%s' % newton.VERSION)
            newton.render(newton.fetch(self.tht_dir), rendered)
        net = self.node_containers.net
        env = newton.sandbox_environment(name, computes, net)
        env['parameter_defaults'].update(
            queens.deploy_parameters('CREATE')['parameter_defaults'])
        env_file = os.path.join(self.state.state_dir,
                                'newton-%s.yaml' % name)
        with open(env_file, 'w') as f:
            yaml.safe_dump(env, f, default_flow_style=False)
        secrets_file = os.path.join(self.state.state_dir,
                                    'newton-%s-secrets.yaml' % name)
        if not os.path.exists(secrets_file):
            with files.open_private(secrets_file) as f:
                yaml.safe_dump({'parameter_defaults': (
                    queens.generated_parameters(rendered, name))}, f)
        self._create_stack(
            name, 'Newton (tripleo-heat-templates %s)' % newton.VERSION,
            os.path.join(rendered, 'overcloud.yaml'),
            [os.path.join(rendered, p) for p in newton.CREATE_ENVIRONMENTS] +
            [env_file, secrets_file])

    def _claim_nodes(self, name, computes):
        """The node containers for stack `name` (one stack has them)."""
        info = self.state.info
        owner = info.get('queens_nodes_stack')
        if owner and owner != name:
            raise SandboxError(
                'the node containers belong to the Queens stack %s; one '
                'Queens stack with nodes per sandbox' % owner)
        if owner == name and info.get('queens_computes', 1) != computes:
            raise SandboxError(
                'stack %s has %d compute(s); delete it ("openstack stack '
                'delete %s", then "tripleo-ffu-sandbox down" and remove %s) '
                'to make it with %d' % (
                    name, info.get('queens_computes', 1), name,
                    self.node_containers.dir, computes))
        info.update(queens_nodes_stack=name, queens_computes=computes)
        self.state.save_info()

    def _create_stack(self, name, what, template_path, env_paths):
        from heatclient.common import template_utils
        from heatclient import exc

        heat = self.state.heat_client()
        try:
            stack = heat.stacks.get(name)
        except exc.HTTPNotFound:
            stack = None
        if stack is None:
            self.state.out('Creating the %s overcloud stack %s' % (what, name))
            tpl_files, template = template_utils.get_template_contents(
                template_path)
            env_files, env = (
                template_utils.process_multiple_environments_and_files(
                    env_paths=env_paths))
            heat.stacks.create(stack_name=name, template=template,
                               files=dict(tpl_files, **env_files),
                               environment=env, timeout_mins=30)
        elif not stack.stack_status.startswith('CREATE_'):
            if stack.stack_status.endswith('FAILED'):
                self.state.out('Stack %s is %s: %s' % (
                    name, stack.stack_status, stack.stack_status_reason))
            return
        stack = self._wait_created(heat, name)
        if stack.stack_status != 'CREATE_COMPLETE':
            raise SandboxError(
                'stack %s is %s: %s; see %s (delete it with "openstack '
                'stack delete %s" to create it again)' % (
                    name, stack.stack_status, stack.stack_status_reason,
                    self.state.log('heat'), name))

    def _wait_created(self, heat, name):
        from heatclient import exc

        deadline = time.monotonic() + STACK_TIMEOUT
        while True:
            try:
                stack = heat.stacks.get(name)
            except exc.HTTPException as e:
                # Under the load of a large create the API's call to the
                # engine can time out; the create goes on: poll again.
                if e.code < 500 or time.monotonic() >= deadline:
                    raise
                time.sleep(2)
                continue
            if (not stack.stack_status.endswith('IN_PROGRESS') or
                    time.monotonic() >= deadline):
                return stack
            time.sleep(1)

    def write_fixture(self, name, output):
        """The outputs of stack `name` as JSON, generated secrets masked.

        The unit tests' real Queens fixture comes from here: a queens
        stack after prepare (tests/unit/fixtures/README.rst).
        """
        stack = self.state.heat_client().stacks.get(name,
                                                    resolve_outputs=True)
        text = json.dumps(download.outputs_by_key(stack.outputs), indent=1,
                          sort_keys=True)
        try:
            with open(self.queens_secrets_file) as f:
                generated = yaml.safe_load(f)['parameter_defaults']
        except OSError:
            generated = {}
        for param, value in sorted(secret_values(generated)):
            text = text.replace(value, 'SECRET-%s' % param)
        with open(output, 'w') as f:
            f.write(text + '\n')
        self.state.out('Wrote the outputs of stack %s (%s) to %s'
                       % (name, stack.stack_status, output))
