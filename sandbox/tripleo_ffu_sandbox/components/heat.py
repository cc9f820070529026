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

"""Heat: API and engine in one process (heat_server.py), noauth.

Its fixes for the sandbox are explained in heat_server.py and in HEAT_CONF
below. Right after it starts, IN_PROGRESS stacks that no engine works on
any more are reported (tripleo_ffu.stacks).
"""

import datetime
import json
import os
import sys

from tripleo_ffu import stacks

from tripleo_ffu_sandbox.components import postgres
from tripleo_ffu_sandbox import heat_plugins
from tripleo_ffu_sandbox import processes
from tripleo_ffu_sandbox.processes import SandboxError
from tripleo_ffu_sandbox import state

# Heat's own Keystone stand-in (Heat 10 and 27), for what the sandbox's
# stacks ask of Keystone: the stack-domain users of signalled deployments.
FAKE_KEYSTONE = ('heat.engine.clients.os.keystone.fake_keystoneclient.'
                 'FakeKeystoneClient')
CONF = """\
[DEFAULT]
transport_url = fake://
log_file = {log}
use_stderr = false
debug = false
host = tripleo-ffu-sandbox
num_engine_workers = 1
deferred_auth_method = password
auth_encryption_key = {key}
convergence_engine = true
max_resources_per_stack = -1
# Nested stacks are created by RPC calls from the engine to itself; with
# many nodes the default pool (64 threads) fills with callers waiting for
# replies that no free thread can give, and every call times out.
executor_thread_pool_size = 1024
rpc_response_timeout = 300
# A real Queens overcloud's create request is ~1.6 MB (Heat's default
# limit is 1 MiB); a real undercloud raises it too.
max_json_body_size = 4194304
# The sandbox's own plug-ins (heat_plugins/): no Nova or Glance here.
plugin_dirs = {plugins}
# The Newton stack's deployments signal through Heat's own software
# deployment API (newton.py): Heat's fake Keystone backend gives their
# stack-domain users, as on the containerized TripleO undercloud.
keystone_backend = {fake_keystone}
default_deployment_signal_transport = HEAT_SIGNAL

[paste_deploy]
flavor = noauth
api_paste_config = {paste}

[database]
connection = {db}
max_pool_size = 20
max_overflow = 40

[oslo_policy]
enforce_new_defaults = false
enforce_scope = false

[cache]
enabled = false

[noauth]
# A token whose catalog lists this Heat: noauth leaves the catalog empty,
# and Heat's own resources (SoftwareConfig...) then say "not available".
token_response = {token_file}
"""

PLUGINS_DIR = os.path.dirname(os.path.abspath(heat_plugins.__file__))

# Heat Queens: heat-all's services and where its API listens.
QUEENS_CONF = """
[heat_all]
enabled_services = api,engine

[heat_api]
bind_host = 127.0.0.1
bind_port = {port}
workers = 1
"""


def noauth_token(heat_url):
    """A Keystone v3 token body for Heat's noauth middleware."""
    endpoint = heat_url.rsplit('/', 1)[0] + '/%(tenant_id)s'
    return {'token': {
        'methods': ['token'],
        'expires_at': '2099-01-01T00:00:00.000000Z',
        'project': {'id': 'admin', 'name': 'admin',
                    'domain': {'id': 'default', 'name': 'Default'}},
        'user': {'id': 'admin', 'name': 'admin',
                 'domain': {'id': 'default', 'name': 'Default'}},
        'roles': [{'id': 'admin', 'name': 'admin'}],
        'catalog': [{
            'type': 'orchestration', 'name': 'heat', 'id': 'heat',
            'endpoints': [
                {'id': 'heat-%s' % interface, 'interface': interface,
                 'region': 'regionOne', 'region_id': 'regionOne',
                 'url': endpoint}
                for interface in ('public', 'internal', 'admin')]}]}}


class Heat(state.Component):

    name = 'heat'
    label = 'Heat'
    pids = ('heat',)

    def where(self):
        return self.state.heat_url

    def healthy(self, timeout=2):
        return processes.http_ok(self.state.heat_url + '/stacks', timeout)

    def write_config(self):
        prefix = (self.state.info['queens_venv'] if self.state.queens
                  else sys.prefix)
        paste = os.path.join(prefix, 'etc', 'heat', 'api-paste.ini')
        if not os.path.isfile(paste):
            raise SandboxError('Heat api-paste.ini not found at %s' % paste)
        token_file = os.path.join(self.state.state_dir, 'heat-token.json')
        with open(token_file, 'w') as f:
            json.dump(noauth_token(self.state.heat_url), f)
        text = CONF.format(
            log=self.log(), db=self.state.db_url('heat'),
            key=self.state.info['heat_auth_key'], paste=paste,
            token_file=token_file, plugins=PLUGINS_DIR,
            fake_keystone=FAKE_KEYSTONE)
        if self.state.queens:
            text += QUEENS_CONF.format(port=self.state.info['heat_port'])
        self.state.write_conf('heat', text)

    def start(self):
        self.write_config()
        postgres.sync_schema(self.state, [
            ([self.state.server_bin('heat-manage'), '--config-file',
              self.state.conf('heat'), 'db_sync'], 'heat-manage db_sync')])
        restarted = not self.state.alive('heat')
        if restarted:
            self._start_server()
        # Before anything else uses the stacks.
        self.state.warnings += [message for _, message in
                                self.stuck_stacks(restarted)]

    def _start_server(self):
        port = self.state.info['heat_port']
        self.state.check_port('Heat', port)
        if self.state.queens:
            # Heat Queens still ships heat-all (API and engine in one
            # process) and needs none of heat_server.py's fixes for 27.
            what = 'Heat Queens (heat-all: API + engine)'
            argv = [self.state.server_bin('heat-all'), '--config-file',
                    self.state.conf('heat')]
        else:
            what = 'Heat (API + engine)'
            argv = [sys.executable, '-m', 'tripleo_ffu_sandbox.heat_server',
                    '--config-file', self.state.conf('heat'),
                    '--bind-port', str(port)]
        self.state.out('Starting %s on 127.0.0.1:%d' % (what, port))
        proc = processes.start(argv, self.state.log('heat-stdout'),
                               self.state.pid_file('heat'))
        processes.wait_until(lambda: self.healthy(timeout=10),
                             state.START_TIMEOUT, 'Heat', self.log(), proc)

    def stuck_stacks(self, heat_restarted=False):
        """[(stack, message)]: IN_PROGRESS stacks no engine works on.

        Heat leaves a convergence stack IN_PROGRESS for ever when its
        engine dies. This sandbox runs one engine: an operation that began
        before it started (right after a restart, every IN_PROGRESS stack)
        has lost its engine. Heat's own engine list would tell only once
        the old engine's record is about 75 s old.
        """
        heat = self.state.heat_client()
        engine_started = self._engine_started()
        found = []
        for stack in heat.stacks.list():
            if not stack.stack_status.endswith('IN_PROGRESS'):
                continue
            # Heat stamps a create or an update when it begins.
            began = stacks.heat_time(stack.updated_time or
                                     stack.creation_time) if (
                stack.stack_status in ('CREATE_IN_PROGRESS',
                                       'UPDATE_IN_PROGRESS')) else None
            if heat_restarted or (engine_started and began and
                                  began < engine_started):
                message = stacks.stuck_message(
                    stack.stack_name, stack.stack_status,
                    stack.updated_time or stack.creation_time)
            else:
                message = stacks.stuck_reason(heat, stack, stack.stack_name)
            if message:
                found.append((stack.stack_name, message))
        return found

    def _engine_started(self):
        """When the sandbox started its Heat (naive UTC), or None."""
        try:
            started = os.path.getmtime(self.state.pid_file('heat'))
        except OSError:
            return None
        return datetime.datetime.utcfromtimestamp(started)
