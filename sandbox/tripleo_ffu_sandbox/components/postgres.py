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

"""A private PostgreSQL cluster (Debian's server) with the services' DBs.

SQLite corrupts Heat's data after a few updates; a real undercloud has
MariaDB. The cluster lives in the state dir, listens on loopback only and
runs as the postgres user when the sandbox runs as root.
"""

import os
import shutil
import subprocess

from tripleo_ffu_sandbox import processes
from tripleo_ffu_sandbox.processes import SandboxError
from tripleo_ffu_sandbox import state

BIN_DIRS = ('/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin',
            '/usr/lib/postgresql/17/bin')
# One database per server that keeps its data here.
DATABASES = ('mistral', 'heat')


def server_bin(name):
    for directory in BIN_DIRS:
        path = os.path.join(directory, name)
        if os.access(path, os.X_OK):
            return path
    found = shutil.which(name)
    if found:
        return found
    raise SandboxError('PostgreSQL server not found (%s). Install it: '
                       'sudo apt-get install -y postgresql' % name)


class PostgreSQL(state.Component):

    name = 'postgres'
    label = 'PostgreSQL'
    pids = ('postgres',)

    def __init__(self, sandbox_state):
        super(PostgreSQL, self).__init__(sandbox_state)
        self.dir = os.path.join(sandbox_state.state_dir, 'postgresql')
        self.data = os.path.join(self.dir, 'data')

    def wanted(self):
        # A Queens undercloud's servers use MariaDB (components/mariadb.py).
        return not self.state.queens

    @property
    def port(self):
        return self.state.info['pg_port']

    def where(self):
        return '127.0.0.1:%s' % self.port

    def log(self):
        return self.state.log('postgresql')

    def user(self):
        return 'postgres' if os.geteuid() == 0 else None

    def start(self):
        if not self.state.alive('postgres'):
            self._start_server()
        self._create_databases()

    def _check_traversable(self):
        path = self.state.state_dir
        while path != '/':
            path = os.path.dirname(path)
            if not os.stat(path).st_mode & 0o001:
                raise SandboxError(
                    'PostgreSQL runs as user postgres, who cannot enter %s; '
                    'choose a state dir under a path others can traverse '
                    '(e.g. --state-dir /var/lib/tripleo-ffu/sandbox)' % path)

    def _init_cluster(self, user):
        self.state.out('Creating the PostgreSQL cluster in %s' % self.data)
        os.makedirs(self.data, exist_ok=True)
        if user:
            shutil.chown(self.dir, user)
            shutil.chown(self.data, user)
        result = subprocess.run(
            [server_bin('initdb'), '-D', self.data, '-U', 'postgres',
             '--auth=trust', '-E', 'UTF8', '--no-sync'],
            capture_output=True, text=True,
            preexec_fn=processes.as_user(user))
        if result.returncode:
            raise SandboxError('initdb failed: %s' % result.stderr)

    def _start_server(self):
        self.state.check_port('PostgreSQL', self.port)
        user = self.user()
        if user:
            self._check_traversable()
        if not os.path.exists(os.path.join(self.data, 'PG_VERSION')):
            self._init_cluster(user)
        run_dir = os.path.join(self.dir, 'run')
        os.makedirs(run_dir, exist_ok=True)
        if user:
            shutil.chown(run_dir, user)
        self.state.out('Starting PostgreSQL on 127.0.0.1:%d' % self.port)
        proc = processes.start(
            [server_bin('postgres'), '-D', self.data, '-p', str(self.port),
             '-c', 'listen_addresses=127.0.0.1',
             '-c', 'unix_socket_directories=%s' % run_dir,
             '-c', 'fsync=off', '-c', 'max_connections=200'],
            self.log(), self.state.pid_file('postgres'), user=user)
        processes.wait_until(self.healthy, state.START_TIMEOUT, 'PostgreSQL',
                             self.log(), proc)

    def connect(self, dbname='postgres'):
        import psycopg2
        return psycopg2.connect(host='127.0.0.1', port=self.port,
                                user='postgres', dbname=dbname,
                                connect_timeout=2)

    def healthy(self):
        try:
            self.connect().close()
            return True
        except Exception:
            return False

    def _create_databases(self):
        conn = self.connect()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute('SELECT datname FROM pg_database')
            existing = {row[0] for row in cur.fetchall()}
            for name in DATABASES:
                if name not in existing:
                    cur.execute('CREATE DATABASE %s' % name)
        conn.close()


def sync_schema(sandbox_state, steps):
    """Run a server's schema commands [(argv, what)] once per sandbox.

    They log to db-sync.log; the sandbox records that they ran.
    """
    done = sandbox_state.info.setdefault('schemas', [])
    for argv, what in steps:
        # Each undercloud has its own databases (PostgreSQL or MariaDB).
        key = what if not sandbox_state.queens else '%s (queens)' % what
        if key in done:
            continue
        sandbox_state.out('Running %s' % what)
        run_schema_command(sandbox_state, argv, what)
        done.append(key)
        sandbox_state.save_info()


def run_schema_command(sandbox_state, argv, what):
    """Run one schema command, logged to db-sync.log; raise if it fails."""
    log_path = sandbox_state.log('db-sync')
    with processes.open_log(log_path) as log:
        if subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL).returncode:
            raise SandboxError('%s failed; see %s' % (what, log_path))
