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

"""Keystone Queens (13.0.x, Python 2.7): the Queens undercloud's identity.

Only a sandbox started with `--undercloud queens` has it, as an undercloud
does: the openstack CLI logs in with a password and takes every endpoint
from the service catalog, and Mistral 6 checks each request's token
(keystonemiddleware) and hands it, with the catalog, to this project's
actions in the executor, which reach Heat and Mistral through it.

It runs through keystone_server.py (see there why), on MariaDB.

Heat stays noauth (its own Keystone use, trusts and stack-domain users for
the deployed servers, is what the sandbox's templates replace): it takes
the token it is given and asks nobody. Fernet tokens; the admin password
lives only in sandbox.json and a private file (0600) the rc file reads.
"""

import os

from tripleo_ffu import files

from tripleo_ffu_sandbox.components import postgres
from tripleo_ffu_sandbox import processes
from tripleo_ffu_sandbox.processes import SandboxError
from tripleo_ffu_sandbox import state

CONF = """\
[DEFAULT]
log_file = {log}
use_stderr = false
debug = false

[database]
connection = {db}

[token]
provider = fernet
# As a TripleO undercloud sets it: an upgrade step outlives an hour.
expiration = 14400

[fernet_tokens]
key_repository = {keys}/fernet

[credential]
key_repository = {keys}/credential

[paste_deploy]
config_file = {paste}
"""
SERVER = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'keystone_server.py')
ADMIN = state.KEYSTONE_ADMIN
REGION = 'regionOne'


class Keystone(state.Component):

    name = 'keystone'
    label = 'Keystone'
    pids = ('keystone',)

    def wanted(self):
        return self.state.queens

    def where(self):
        return self.state.keystone_url

    def healthy(self):
        return processes.http_ok(self.state.keystone_url)

    def write_config(self):
        paste = os.path.join(self.state.info['queens_venv'], 'etc',
                             'keystone', 'keystone-paste.ini')
        if not os.path.isfile(paste):
            raise SandboxError('Keystone keystone-paste.ini not found at %s: '
                               'run tools/setup-queens-env.sh' % paste)
        keys = os.path.join(self.state.state_dir, 'keystone')
        for name in ('fernet', 'credential'):
            os.makedirs(os.path.join(keys, name), mode=0o700, exist_ok=True)
        os.chmod(keys, 0o700)
        self.state.write_conf('keystone', CONF.format(
            log=self.log(), keys=keys, db=self.state.db_url('keystone'),
            paste=paste))
        with files.open_private(self.state.keystone_password_file) as f:
            f.write(self.state.info['keystone_password'])

    def start(self):
        self.write_config()
        manage = [self.state.server_bin('python'), SERVER, 'manage']
        conf = ['--config-file', self.state.conf('keystone')]
        ids = ['--keystone-user', str(os.getuid()),
               '--keystone-group', str(os.getgid())]
        url = self.state.keystone_url.rsplit('/v3', 1)[0]
        postgres.sync_schema(self.state, [
            (manage + conf + ['db_sync'], 'keystone-manage db_sync'),
            (manage + conf + ['fernet_setup'] + ids,
             'keystone-manage fernet_setup'),
            (manage + conf + ['credential_setup'] + ids,
             'keystone-manage credential_setup'),
            (manage + conf + [
                'bootstrap', '--bootstrap-password',
                self.state.info['keystone_password'],
                '--bootstrap-username', ADMIN['username'],
                '--bootstrap-project-name', ADMIN['project_name'],
                '--bootstrap-role-name', 'admin',
                '--bootstrap-region-id', REGION,
                '--bootstrap-admin-url', url,
                '--bootstrap-internal-url', url,
                '--bootstrap-public-url', url],
             'keystone-manage bootstrap')])
        if not self.state.alive('keystone'):
            self._start_server()
        self.register_services()

    def _start_server(self):
        port = self.state.info['keystone_port']
        self.state.check_port('Keystone', port)
        self.state.out('Starting Keystone Queens on 127.0.0.1:%d' % port)
        argv = [self.state.server_bin('python'), SERVER, 'serve',
                '--port', str(port),
                '--config-file', self.state.conf('keystone')]
        proc = processes.start(argv, self.state.log('keystone-stdout'),
                               self.state.pid_file('keystone'))
        processes.wait_until(self.healthy, state.START_TIMEOUT, 'Keystone',
                             self.log(), proc)

    def register_services(self):
        """Heat and Mistral in the catalog, as the undercloud lists them."""
        from keystoneclient.v3 import client

        keystone = client.Client(session=self.state.keystone_session())
        wanted = (('heat', 'orchestration', self.state.heat_url),
                  ('mistral', 'workflowv2', self.state.mistral_url))
        for name, service_type, url in wanted:
            found = keystone.services.list(type=service_type)
            service = found[0] if found else keystone.services.create(
                name, type=service_type)
            have = dict((e.interface, e) for e in
                        keystone.endpoints.list(service=service))
            for interface in ('public', 'internal', 'admin'):
                if interface not in have:
                    keystone.endpoints.create(service, url,
                                              interface=interface,
                                              region=REGION)
                elif have[interface].url != url:
                    keystone.endpoints.update(have[interface], url=url)
