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

"""Mistral with this checkout's workbook and actions registered.

By default API, engine, executor and notifier run in one process
(mistral_server.py, `fake:/` transport); with `--transport rabbit` the
stock multi-process `mistral-server` over the sandbox's RabbitMQ. No
Keystone: the actions get Heat's endpoint from the environment; on a
Queens undercloud, Keystone's token and catalog (components/keystone.py).
"""

import os
import sys

from tripleo_ffu import contract
from tripleo_ffu import mistral_api
from tripleo_ffu.workflows import registration

from tripleo_ffu_sandbox.components import node_containers
from tripleo_ffu_sandbox.components import postgres
from tripleo_ffu_sandbox.components import rabbitmq
from tripleo_ffu_sandbox import processes
from tripleo_ffu_sandbox.processes import SandboxError
from tripleo_ffu_sandbox import queens
from tripleo_ffu_sandbox import state

TRANSPORTS = ('fake', 'rabbit')

CONF = """\
[DEFAULT]
transport_url = {transport_url}
log_file = {log}
use_stderr = false
debug = false
default_log_levels = {log_levels}

[api]
host = 127.0.0.1
port = {port}

[database]
connection = {db}
max_pool_size = 20
max_overflow = 40

[pecan]
auth_enable = {auth_enable}

[cron_trigger]
enabled = False
# Lets the stock mistral-server master exit cleanly on SIGTERM.
run_in_api = False
"""
# A Queens undercloud: tokens checked by Keystone, whose catalog the
# actions get with the token (the executor's environment names no URL).
KEYSTONE_CONF = """
[keystone_authtoken]
auth_uri = {keystone}
www_authenticate_uri = {keystone}
auth_url = {keystone}
auth_type = password
username = {username}
password = {password}
project_name = {project_name}
user_domain_name = {user_domain_name}
project_domain_name = {project_domain_name}
"""


def log_levels():
    """oslo.log's levels, but workflow_trace at WARN.

    Mistral's workflow_trace logs each execution's input at INFO: the
    environments and extra vars the operator passed, passwords included.
    """
    from oslo_log import _options

    return ','.join(_options.DEFAULT_LOG_LEVELS + ['workflow_trace=WARN'])


class Mistral(state.Component):

    name = 'mistral'
    label = 'Mistral'
    pids = ('mistral',)

    def where(self):
        return self.state.mistral_url

    def healthy(self):
        if self.state.queens:
            # Behind Keystone: its version document is what answers
            # without a token.
            root = self.state.mistral_url.rsplit('/', 1)[0]
            return processes.http_ok(root + '/')
        return processes.http_ok(self.state.mistral_url +
                                 '/workflows?limit=1')

    def write_config(self):
        if self.state.transport == 'rabbit':
            transport_url = rabbitmq.RabbitMQ(self.state).url()
        else:
            transport_url = 'fake:/'
        text = CONF.format(
            log=self.log(), db=self.state.db_url('mistral'),
            port=self.state.info['mistral_port'],
            transport_url=transport_url, log_levels=log_levels(),
            auth_enable=self.state.queens)
        if self.state.queens:
            text += KEYSTONE_CONF.format(
                keystone=self.state.keystone_url,
                password=self.state.info['keystone_password'],
                **state.KEYSTONE_ADMIN)
        self.state.write_conf('mistral', text)

    def start(self):
        self.write_config()
        manage = self.state.server_bin('mistral-db-manage')
        conf = self.state.conf('mistral')
        postgres.sync_schema(self.state, [
            ([manage, '--config-file', conf, 'upgrade', 'head'],
             'mistral-db-manage upgrade')])
        # At every start, as an undercloud after a package update: the
        # actions of the checkout as it is now (a new one included).
        postgres.run_schema_command(
            self.state, [manage, '--config-file', conf, 'populate'],
            'mistral-db-manage populate')
        if not self.state.alive('mistral'):
            self._start_server()
        self.register_workbook()

    def environment(self):
        """The executor's environment: what an undercloud's has."""
        sandbox = self.state
        env = dict(os.environ)
        if not sandbox.queens:
            # No Keystone: the actions' endpoints (the lock action asks
            # Mistral which executions run).
            env.update(TRIPLEO_FFU_ORCHESTRATION_URL=sandbox.heat_url,
                       TRIPLEO_FFU_WORKFLOWV2_URL=sandbox.mistral_url)
        env.update(
            # Where a workflow started without a work_dir (a UI's
            # defaults) writes: inside the sandbox.
            TRIPLEO_FFU_WORK_DIR=sandbox.work_dir,
            # As the undercloud's mistral user has its SSH key: the key
            # the sandbox's node containers accept.
            ANSIBLE_PRIVATE_KEY_FILE=sandbox.ssh_key,
            # The yum module of the node containers (node/el7.py).
            ANSIBLE_LIBRARY=node_containers.ANSIBLE_LIBRARY,
            # tripleo-common's roles, where an undercloud has them in
            # /usr/share/ansible/roles (fetched with THT).
            ANSIBLE_ROLES_PATH=queens.common_roles_dir(
                os.path.join(sandbox.state_dir, 'tht')))
        return env

    def _start_server(self):
        port = self.state.info['mistral_port']
        self.state.check_port('Mistral', port)
        if self.state.queens:
            # Mistral 6 on Python 2.7, stock, over RabbitMQ (its server
            # forks the API, so the in-process fake transport cannot
            # work); its executor imports this checkout's actions from the
            # Queens venv and runs that venv's Ansible 2.9. Mistral 6 has
            # no notifier.
            what = 'Mistral 6 (stock mistral-server, Python 2.7, RabbitMQ)'
            argv = [self.state.server_bin('mistral-server'), '--server',
                    'api,engine,executor',
                    '--config-file', self.state.conf('mistral')]
        elif self.state.transport == 'rabbit':
            # The stock server: one process per component, over RabbitMQ,
            # as production runs it.
            what = 'Mistral (stock mistral-server, RabbitMQ transport)'
            argv = [processes.venv_bin('mistral-server'), '--server',
                    'api,engine,executor,notifier',
                    '--config-file', self.state.conf('mistral')]
        else:
            what = 'Mistral (API, engine, executor, notifier in one process)'
            argv = [sys.executable, '-m', 'tripleo_ffu_sandbox.mistral_server',
                    '--config-file', self.state.conf('mistral')]
        self.state.out('Starting %s on 127.0.0.1:%d' % (what, port))
        proc = processes.start(argv, self.state.log('mistral-stdout'),
                               self.state.pid_file('mistral'),
                               env=self.environment())
        processes.wait_until(self.healthy, state.START_TIMEOUT, 'Mistral',
                             self.log(), proc)

    def register_workbook(self):
        try:
            said = registration.ensure_registered(
                self.state.mistral_client())
        except mistral_api.FFUError as e:
            raise SandboxError('%s (Mistral runs with %s; its log: %s)' % (
                e, sys.executable, self.log()))
        self.state.out(said or 'Workbook %s is registered'
                       % contract.WORKBOOK_NAME)
