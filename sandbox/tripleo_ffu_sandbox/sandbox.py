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

"""The embedded undercloud: its components in order, up, down and status.

Each component has its own module (components/); this one orders them:
`up` starts them in the order of COMPONENTS and creates the overcloud,
`down` stops them in reverse, by pid, and keeps the data, `status`
asks each for its health and Heat for the stacks.
"""

import importlib.util
import os
import subprocess
import sys
import time

from tripleo_ffu_sandbox.components import demo_nodes
from tripleo_ffu_sandbox.components import deployment_agent
from tripleo_ffu_sandbox.components import heat
from tripleo_ffu_sandbox.components import keystone
from tripleo_ffu_sandbox.components import mariadb
from tripleo_ffu_sandbox.components import mistral
from tripleo_ffu_sandbox.components import node_containers
from tripleo_ffu_sandbox.components import postgres
from tripleo_ffu_sandbox.components import rabbitmq
from tripleo_ffu_sandbox import overclouds
from tripleo_ffu_sandbox.processes import SandboxError
from tripleo_ffu_sandbox import state

# Start order; down stops in reverse.
COMPONENTS = (postgres.PostgreSQL, mariadb.MariaDB, keystone.Keystone,
              heat.Heat,
              rabbitmq.RabbitMQ, mistral.Mistral, demo_nodes.DemoNodes,
              node_containers.NodeContainers,
              deployment_agent.DeploymentAgent)
STACK = state.STACK
SERVER_MODULES = ('psycopg2', 'mistral', 'heat')

RC_HEADER = """\
# tripleo-ffu sandbox ({state_dir}): the openstack CLI without Keystone.
"""
# A Queens undercloud's stackrc: Keystone v3 as its admin; the password is
# read from a private file, never printed.
QUEENS_RC_HEADER = """\
# tripleo-ffu sandbox ({state_dir}), a Queens undercloud: its openstack
# CLI is {openstack}.
"""


def check_server_dependencies():
    """Fail at once, naming the module, when a server is not installed."""
    missing = [m for m in SERVER_MODULES
               if importlib.util.find_spec(m) is None]
    if missing:
        raise SandboxError(
            'the sandbox\'s servers are not installed in %s (no module %s): '
            'pip install ./sandbox (the tripleo-ffu-sandbox distribution)'
            % (sys.prefix, ', '.join(missing)))


class Sandbox(state.State):

    def __init__(self, state_dir=None, out=print):
        super(Sandbox, self).__init__(state_dir, out)
        self.overclouds = overclouds.Overclouds(self)
        self.demo = demo_nodes.DemoNodes(self)
        self.containers = node_containers.NodeContainers(self)

    def components(self):
        """The sandbox's layers in start order."""
        return [component(self) for component in COMPONENTS]

    def up(self, transport='fake', overcloud='demo', computes=1,
           undercloud='current', queens_venv=None):
        started = time.monotonic()
        check_server_dependencies()
        if transport not in mistral.TRANSPORTS:
            raise SandboxError('unknown transport %r (choose from %s)'
                               % (transport, ', '.join(mistral.TRANSPORTS)))
        if undercloud == 'queens':
            # Mistral 6's stock server is the only way there.
            transport = 'rabbit'
        for what, now, wanted in (('transport', self.transport, transport),
                                  ('undercloud', self.undercloud,
                                   undercloud)):
            if self.alive('mistral') and now != wanted:
                raise SandboxError(
                    'Mistral runs with the %s %s; run "tripleo-ffu-sandbox '
                    'down" before switching to %s' % (now, what, wanted))
        self.make_dirs()
        self.info['transport'] = transport
        self.info['undercloud'] = undercloud
        if undercloud == 'queens':
            self.info['queens_venv'] = self._queens_venv(queens_venv)
        self.allocate_ports()
        self.warnings = []
        for component in self.components():
            if component.wanted():
                component.start()
        self.create_stack(overcloud, STACK, computes)
        with open(self.rc_file, 'w') as f:
            f.write(self.rc_text())
        for message in self.warnings:
            self.out('WARNING: %s' % message)
        self.out('Sandbox up in %.1f s. Use it: source %s'
                 % (time.monotonic() - started, self.rc_file))

    @staticmethod
    def _queens_venv(given):
        venv = os.path.abspath(given or os.environ.get(
            state.QUEENS_VENV_ENV) or '.venv-queens')
        if not os.access(os.path.join(venv, 'bin', 'mistral-server'),
                         os.X_OK):
            raise SandboxError(
                'no Queens undercloud venv at %s (Mistral 6, Heat 10 on '
                'Python 2.7): make it with tools/setup-queens-env.sh, or '
                'name it with --queens-venv or $%s'
                % (venv, state.QUEENS_VENV_ENV))
        return venv

    def down(self):
        stopped = []
        for component in reversed(self.components()):
            stopped += component.stop()
        self.out('Stopped: %s (data kept in %s)' % (
            ', '.join(stopped) or 'nothing was running', self.state_dir))
        return stopped

    def status(self):
        """[(component, state, detail)]; state is 'up' or 'down'."""
        if not self.exists():
            return [('sandbox', 'down', 'no sandbox in %s' % self.state_dir)]
        rows = []
        for component in self.components():
            if component.wanted():
                rows += component.status()
        heat_server = heat.Heat(self)
        if not (self.alive('heat') and heat_server.healthy()):
            rows.append(('stack %s' % STACK, 'unknown', ''))
            return rows
        return rows + self._stack_rows(heat_server)

    def _stack_rows(self, heat_server):
        try:
            stuck = dict(heat_server.stuck_stacks())
        except Exception:
            stuck = {}
        rows = []
        for name in sorted(set(self.info.get('stacks') or ()) | {STACK}):
            try:
                status = self.heat_client().stacks.get(name).stack_status
            except Exception as e:
                status = 'missing (%s)' % type(e).__name__
            rows.append(('stack %s' % name,
                         'STUCK %s' % status if name in stuck else status,
                         stuck.get(name, '')))
        return rows

    def client_env(self):
        """[(name, value)]: the openstack CLI's environment here."""
        if self.queens:
            admin = state.KEYSTONE_ADMIN
            env = [('OS_AUTH_TYPE', 'password'),
                   ('OS_AUTH_URL', self.keystone_url),
                   ('OS_IDENTITY_API_VERSION', '3'),
                   ('OS_USERNAME', admin['username']),
                   ('OS_PASSWORD', self.info['keystone_password']),
                   ('OS_PROJECT_NAME', admin['project_name']),
                   ('OS_USER_DOMAIN_NAME', admin['user_domain_name']),
                   ('OS_PROJECT_DOMAIN_NAME', admin['project_domain_name'])]
        else:
            env = [('OS_AUTH_TYPE', 'none'),
                   ('OS_ENDPOINT', self.heat_url),
                   ('OS_WORKFLOWV2_ENDPOINT_OVERRIDE', self.mistral_url)]
        return env + [('TRIPLEO_FFU_WORK_DIR', self.work_dir),
                      ('OVERCLOUD_STACK_NAME', STACK)]

    def rc_text(self):
        header = QUEENS_RC_HEADER if self.queens else RC_HEADER
        lines = [header.format(state_dir=self.state_dir,
                               openstack=self.openstack_bin())]
        for name, value in self.client_env():
            if name == 'OS_PASSWORD':
                value = '$(cat %s)' % self.keystone_password_file
            lines.append('export %s=%s\n' % (name, value))
        return ''.join(lines)

    def versions(self):
        """[(what, version)] of the undercloud the sandbox runs."""
        python = self.server_bin('python')
        script = (
            'import sys, pkg_resources\n'
            'print("Python %d.%d.%d" % sys.version_info[:3])\n'
            'for name in ("python-openstackclient", "keystone", "mistral", '
            '"openstack-heat", "heat", "ansible-core", "ansible"):\n'
            '    try:\n'
            '        print("%s %s" % (name, pkg_resources.get_distribution('
            'name).version))\n'
            '    except pkg_resources.DistributionNotFound:\n'
            '        pass\n')
        out = subprocess.run([python, '-W', 'ignore', '-c', script],
                             capture_output=True, text=True).stdout
        labels = {'Python': 'Python (servers, CLI)',
                  'python-openstackclient': 'openstack CLI',
                  'keystone': 'Keystone', 'mistral': 'Mistral',
                  'openstack-heat': 'Heat',
                  'heat': 'Heat', 'ansible-core': 'Ansible (core)',
                  'ansible': 'Ansible'}
        rows = []
        for line in out.splitlines():
            name, version = line.split(' ', 1)
            rows.append((labels.get(name, name), version))
        return rows

    def openstack_bin(self):
        """The undercloud's openstack CLI (the Queens one on Queens)."""
        return self.server_bin('openstack')

    # -- what the CLI, the reports and the tests reach through here ----
    def create_stack(self, kind, name, computes=1):
        self.overclouds.create(kind, name, computes)

    def step_arguments(self, kind, step, name='queens'):
        return self.overclouds.step_arguments(kind, step, name)

    def node_containers(self):
        return self.containers.nodes()

    @property
    def containers_dir(self):
        return self.containers.dir

    def node_state(self, hostname):
        return demo_nodes.DemoNode(self.nodes_dir, hostname).report()

    def node_report(self, hostname):
        for node in self.containers.nodes():
            if node.hostname == hostname:
                return node.report()
        raise SandboxError('no node container %s' % hostname)

    def reset_nodes(self):
        """Every node back at Newton, and no step left to an executor gone.

        A step whose Mistral executor stopped (a sandbox restarted after an
        interrupted main job) stays RUNNING in Mistral and holds its stack:
        the product refuses the next step and tells the operator to mark it
        ERROR once the nodes are checked. The nodes are reset here, so it
        is marked here, saying so.
        """
        self.demo.reset()
        for name, kind in sorted(self.info.get('stacks', {}).items()):
            if kind == 'demo':
                self.forget_journal(name)
        if self.containers.nodes():
            self.reset_node_containers()
        for line in self.end_orphaned_steps():
            self.out(line)

    def forget_journal(self, stack):
        """Set aside the FFU journal of a stack whose nodes were reset.

        It says which steps the nodes finished: after a reset, none did,
        and a run that resumed from it would skip the whole walk.
        """
        from tripleo_ffu import journal

        path = journal.journal_file(self.work_dir, stack)
        if os.path.exists(path):
            aside = '%s.reset-%s' % (path, time.strftime('%Y%m%dT%H%M%S'))
            os.rename(path, aside)
            self.out('Nodes of stack %s reset: its FFU journal set aside '
                     'as %s' % (stack, aside))

    def end_orphaned_steps(self):
        from tripleo_ffu import locks

        directory = locks.locks_dir(self.work_dir)
        if not os.path.isdir(directory):
            return []
        said = []
        for name in sorted(os.listdir(directory)):
            if not name.endswith('.step'):
                continue
            holder = locks.read(os.path.join(directory, name))
            if not holder or not locks.executor_stopped(holder):
                continue
            mistral = self.mistral_client()
            execution_id = holder.get('execution_id')
            try:
                state = mistral.executions.get(execution_id).state
            except Exception:
                continue
            if state in ('RUNNING', 'IDLE', 'PAUSED'):
                # State alone: Mistral refuses a description with it.
                mistral.executions.update(execution_id, 'ERROR')
                said.append('Marked %s execution %s of stack %s ERROR: its '
                            'Mistral executor had stopped' % (
                                holder.get('step'), execution_id,
                                holder.get('stack')))
        return said

    def reset_node_containers(self):
        self.containers.reset()
        stack = self.info.get('queens_nodes_stack')
        if stack:
            self.forget_journal(stack)

    def stop_node_containers(self):
        return self.containers.stop()
