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

"""A private MariaDB (Debian's server): the Queens undercloud's database.

Only a sandbox started with `--undercloud queens` has it: Heat Queens on
PostgreSQL 15 trips on SQLAlchemy 1.2.1 (it reads pg_constraint.consrc,
gone since PostgreSQL 12), and a real undercloud runs MariaDB anyway. The
data lives in the state dir; the server listens on loopback only.
"""

import os
import shutil
import subprocess

from tripleo_ffu_sandbox import processes
from tripleo_ffu_sandbox.processes import SandboxError
from tripleo_ffu_sandbox import state

SERVER = '/usr/sbin/mariadbd'
# One database per server that keeps its data here.
DATABASES = ('mistral', 'heat', 'keystone')


def _tool(*names):
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise SandboxError('MariaDB not found (%s). Install it: sudo apt-get '
                       'install -y mariadb-server' % ' nor '.join(names))


class MariaDB(state.Component):

    name = 'mariadb'
    label = 'MariaDB'
    pids = ('mariadb',)

    def __init__(self, sandbox_state):
        super(MariaDB, self).__init__(sandbox_state)
        self.dir = os.path.join(sandbox_state.state_dir, 'mariadb')
        self.data = os.path.join(self.dir, 'data')
        self.socket = os.path.join(self.dir, 'mysqld.sock')

    def wanted(self):
        return self.state.queens

    @property
    def port(self):
        return self.state.info['mariadb_port']

    def where(self):
        return '127.0.0.1:%s' % self.port

    def log(self):
        return self.state.log('mariadb')

    def healthy(self):
        return processes.tcp_open(self.port) and self._sql('SELECT 1') == ''

    def start(self):
        if not self.state.alive('mariadb'):
            self._start_server()
        self._create_databases()

    def _start_server(self):
        self.state.check_port('MariaDB', self.port)
        if not os.path.isdir(os.path.join(self.data, 'mysql')):
            self.state.out('Creating the MariaDB data dir %s' % self.data)
            os.makedirs(self.data, exist_ok=True)
            result = subprocess.run(
                [_tool('mariadb-install-db', 'mysql_install_db'),
                 '--no-defaults', '--datadir=%s' % self.data,
                 '--user=%s' % self._user(),
                 '--auth-root-authentication-method=normal',
                 '--skip-test-db'],
                capture_output=True, text=True)
            if result.returncode:
                raise SandboxError('mariadb-install-db failed: %s'
                                   % (result.stderr or result.stdout))
        # The databases hold the services' secrets and the tokens Mistral
        # keeps with each execution: private, as an undercloud's.
        os.chmod(self.dir, 0o700)
        self.state.out('Starting MariaDB on 127.0.0.1:%d' % self.port)
        proc = processes.start(
            [SERVER, '--no-defaults', '--datadir=%s' % self.data,
             '--user=%s' % self._user(), '--bind-address=127.0.0.1',
             '--port=%d' % self.port, '--socket=%s' % self.socket,
             '--pid-file=%s' % os.path.join(self.dir, 'mariadbd.pid'),
             '--log-error=%s' % self.log(), '--skip-name-resolve',
             '--max-connections=500', '--innodb-flush-log-at-trx-commit=0'],
            self.state.log('mariadb-stdout'), self.state.pid_file('mariadb'))
        processes.wait_until(self.healthy, state.START_TIMEOUT, 'MariaDB',
                             self.log(), proc)

    @staticmethod
    def _user():
        import getpass
        return getpass.getuser()

    def _sql(self, statement):
        """Run `statement` as MariaDB's root; its error text, '' if none."""
        result = subprocess.run(
            [_tool('mariadb', 'mysql'), '--no-defaults',
             '--socket=%s' % self.socket, '-uroot', '-e', statement],
            capture_output=True, text=True)
        return result.stderr.strip() if result.returncode else ''

    def _create_databases(self):
        statements = ['CREATE DATABASE IF NOT EXISTS %s' % name
                      for name in DATABASES]
        statements += [
            "CREATE USER IF NOT EXISTS '%s'@'127.0.0.1' IDENTIFIED BY '%s'"
            % (state.DB_USER, self.state.info['db_password'])]
        statements += ["GRANT ALL ON %s.* TO '%s'@'127.0.0.1'"
                       % (name, state.DB_USER) for name in DATABASES]
        error = self._sql('; '.join(statements))
        if error:
            raise SandboxError('creating the MariaDB databases failed: %s'
                               % error)
