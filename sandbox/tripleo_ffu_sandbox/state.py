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

"""The state directory every component shares, and a component's shape.

One directory holds everything: `sandbox.json` (ports and keys chosen
once, what was created), configs, logs, pid files, the Mistral work dir
and the overcloud's nodes. Each component (a server, the demo nodes, the
node containers) is a `Component` over this state.
"""

import json
import os
import secrets

from tripleo_ffu import files

from tripleo_ffu_sandbox import processes
from tripleo_ffu_sandbox.processes import SandboxError

PORTS = ('pg_port', 'heat_port', 'mistral_port', 'workload_port',
         'rabbit_port', 'rabbit_dist_port', 'epmd_port', 'mariadb_port',
         'keystone_port')
STACK = 'overcloud'
# The undercloud the servers are of: this Python's (Mistral 23, Heat 27 on
# PostgreSQL) or a Queens one (Python 2.7: Mistral 6, Heat 10 on MariaDB,
# from the venv tools/setup-queens-env.sh makes).
UNDERCLOUDS = ('current', 'queens')
QUEENS_VENV_ENV = 'TRIPLEO_FFU_QUEENS_VENV'
# The services' database user on MariaDB.
DB_USER = 'tripleo_ffu'
# Who the CLI, the sandbox and Mistral are in a Queens undercloud's
# Keystone (the password is generated: info['keystone_password']).
KEYSTONE_ADMIN = {'username': 'admin', 'project_name': 'admin',
                  'user_domain_name': 'Default',
                  'project_domain_name': 'Default'}
START_TIMEOUT = 240


def default_state_dir():
    if os.environ.get('TRIPLEO_FFU_SANDBOX_DIR'):
        return os.environ['TRIPLEO_FFU_SANDBOX_DIR']
    if os.geteuid() == 0:
        # PostgreSQL runs as the postgres user, who cannot enter /root.
        return '/var/lib/tripleo-ffu/sandbox'
    base = os.environ.get('XDG_DATA_HOME') or os.path.expanduser(
        '~/.local/share')
    return os.path.join(base, 'tripleo-ffu', 'sandbox')


class State(object):
    """Paths, ports and records of one sandbox's state directory."""

    def __init__(self, state_dir=None, out=print):
        self.state_dir = os.path.abspath(state_dir or default_state_dir())
        self.out = out
        self.info_file = os.path.join(self.state_dir, 'sandbox.json')
        self.logs_dir = os.path.join(self.state_dir, 'logs')
        self.run_dir = os.path.join(self.state_dir, 'run')
        self.work_dir = os.path.join(self.state_dir, 'work')
        self.nodes_dir = os.path.join(self.state_dir, 'nodes')
        self.rc_file = os.path.join(self.state_dir, 'sandboxrc')
        self.info = self._load_info()
        # What `up` says at its end, after everything started.
        self.warnings = []

    def _load_info(self):
        try:
            with open(self.info_file) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def exists(self):
        return bool(self.info)

    def require(self):
        """Fail in one sentence when no sandbox was ever made here."""
        if not self.exists():
            raise SandboxError(
                'no sandbox in %s (start one with "tripleo-ffu-sandbox up", '
                'or name its state dir with --state-dir or '
                '$TRIPLEO_FFU_SANDBOX_DIR)' % self.state_dir)

    def save_info(self):
        # Private: it holds Heat's auth encryption key. Replaced in one
        # rename: the deployment agent and the tests read it while the
        # CLI writes it, and a reader that met a half-written file took
        # it for empty (a process that then saved its "empty" copy lost
        # the ports and keys of the whole sandbox).
        staging = '%s.%d' % (self.info_file, os.getpid())
        with files.open_private(staging) as f:
            json.dump(self.info, f, indent=2, sort_keys=True)
        os.replace(staging, self.info_file)

    def make_dirs(self):
        for directory in (self.state_dir, self.logs_dir, self.run_dir,
                          self.work_dir, self.nodes_dir):
            os.makedirs(directory, exist_ok=True)
        # PostgreSQL (user postgres) goes through the state dir; logs, pid
        # files and the executor's work dir can hold secrets: private.
        os.chmod(self.state_dir, 0o755)
        for directory in (self.logs_dir, self.run_dir, self.work_dir):
            os.chmod(directory, 0o700)
        # Logs a server created before its files were made private.
        for name in os.listdir(self.logs_dir):
            os.chmod(os.path.join(self.logs_dir, name), 0o600)

    def allocate_ports(self):
        for name in PORTS:
            if not self.info.get(name):
                self.info[name] = processes.free_port()
        if not self.info.get('heat_auth_key'):
            self.info['heat_auth_key'] = secrets.token_hex(16)
        for secret in ('db_password', 'keystone_password'):
            if not self.info.get(secret):
                self.info[secret] = secrets.token_hex(16)
        self.save_info()

    def check_port(self, name, port):
        if processes.port_busy(port):
            raise SandboxError(
                'port %d for %s is taken by another process; stop it or '
                'remove %s to pick new ports' % (port, name, self.info_file))

    def pid_file(self, name):
        return os.path.join(self.run_dir, '%s.pid' % name)

    def log(self, name):
        return os.path.join(self.logs_dir, '%s.log' % name)

    def conf(self, name):
        return os.path.join(self.state_dir, '%s.conf' % name)

    def write_conf(self, name, text):
        """A server's config file (private: it holds keys and URLs)."""
        with files.open_private(self.conf(name)) as f:
            f.write(text)

    def alive(self, name):
        pid = processes.read_pid(self.pid_file(name))
        return processes.pid_alive(pid, self.state_dir)

    def stop(self, name):
        """Stop the process of pid file `name`; True if it ran."""
        return processes.stop(self.pid_file(name), self.state_dir)

    @property
    def transport(self):
        return self.info.get('transport', 'fake')

    @property
    def heat_url(self):
        return 'http://127.0.0.1:%d/v1/admin' % self.info['heat_port']

    @property
    def mistral_url(self):
        return 'http://127.0.0.1:%d/v2' % self.info['mistral_port']

    @property
    def keystone_url(self):
        """Keystone's v3 API (a Queens undercloud only)."""
        return 'http://127.0.0.1:%d/v3' % self.info['keystone_port']

    @property
    def keystone_password_file(self):
        """The admin password, private, for the rc file to read."""
        return os.path.join(self.state_dir, 'keystone-admin-password')

    def keystone_session(self):
        """A keystoneauth session as the undercloud's admin."""
        from keystoneauth1.identity import v3
        from keystoneauth1 import session

        return session.Session(auth=v3.Password(
            auth_url=self.keystone_url,
            password=self.info['keystone_password'], **KEYSTONE_ADMIN))

    @property
    def workload_url(self):
        return 'http://127.0.0.1:%d/' % self.info['workload_port']

    @property
    def ssh_key(self):
        """The key of the overcloud user, as the undercloud's mistral has."""
        return os.path.join(self.state_dir, 'ssh', 'id_ed25519')

    @property
    def undercloud(self):
        return self.info.get('undercloud', 'current')

    @property
    def queens(self):
        """True for a Queens-era undercloud (Python 2.7 servers)."""
        return self.undercloud == 'queens'

    def server_bin(self, name):
        """A command of the undercloud's servers (mistral-server...)."""
        if not self.queens:
            return processes.venv_bin(name)
        path = os.path.join(self.info['queens_venv'], 'bin', name)
        if not os.access(path, os.X_OK):
            raise SandboxError('%s not found in the Queens venv %s: make it '
                               'with tools/setup-queens-env.sh'
                               % (name, self.info['queens_venv']))
        return path

    def db_url(self, name):
        if self.queens:
            return 'mysql+pymysql://%s:%s@127.0.0.1:%d/%s?charset=utf8' % (
                DB_USER, self.info['db_password'],
                self.info['mariadb_port'], name)
        return 'postgresql+psycopg2://postgres@127.0.0.1:%d/%s' % (
            self.info['pg_port'], name)

    def heat_client(self):
        from heatclient import client
        return client.Client('1', endpoint=self.heat_url, token='sandbox')

    def mistral_client(self):
        from mistralclient.api.v2 import client
        if self.queens:
            # Mistral checks tokens there, as on an undercloud.
            token = self.keystone_session().get_token()
            return client.Client(mistral_url=self.mistral_url,
                                 auth_token=token)
        return client.Client(mistral_url=self.mistral_url)


class Component(object):
    """One layer of the sandbox: start, stop, status and a health check.

    `pids` names the pid files of its processes (the first is its main
    one, whose log `status` points at when it is down); `wanted()` says
    whether this sandbox has the component at all.
    """

    name = None
    label = None
    pids = ()

    def __init__(self, state):
        self.state = state

    def wanted(self):
        return True

    def start(self):
        raise NotImplementedError

    def healthy(self):
        raise NotImplementedError

    def where(self):
        """Where a healthy component answers, as status shows it."""
        return ''

    def log(self):
        return self.state.log(self.pids[0])

    def stop(self):
        """Stop its processes by pid; the names of those that ran."""
        return [name for name in self.pids if self.state.stop(name)]

    def status(self):
        """[(label, 'up'/'down', detail)]."""
        ok = self.state.alive(self.pids[0]) and self.healthy()
        return [(self.label, 'up' if ok else 'down',
                 self.where() if ok else 'log: %s' % self.log())]
