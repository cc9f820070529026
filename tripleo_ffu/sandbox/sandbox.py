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

"""The embedded undercloud: PostgreSQL, Heat and Mistral on loopback.

Everything lives in one state directory: configs, databases, logs, pids,
the Mistral work dir and the demo overcloud's nodes. `up` is idempotent,
`down` stops what `up` started, by pid, and keeps the data.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import yaml

from tripleo_ffu.config import download
from tripleo_ffu import files
from tripleo_ffu import contract
from tripleo_ffu.sandbox import containers
from tripleo_ffu.sandbox import node_tool
from tripleo_ffu.sandbox import queens
from tripleo_ffu.sandbox import processes
from tripleo_ffu.sandbox.processes import SandboxError
from tripleo_ffu.workflows import follow
from tripleo_ffu.workflows import registration

PG_BIN_DIRS = ('/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin',
               '/usr/lib/postgresql/17/bin')
TEMPLATES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             'templates')
STACK = 'overcloud'
START_TIMEOUT = 240
TRANSPORTS = ('fake', 'rabbit')
# The overclouds the sandbox creates: its hand-written Newton-era demo, or
# the real tripleo-heat-templates 8.4.1 (Queens) keystone-only layout.
OVERCLOUDS = ('demo', 'queens')
STACK_TIMEOUT = 600

# The demo overcloud's nodes: role, packages, services, databases.
DEMO_NODES = {
    'overcloud-controller-0': {
        'role': 'Controller',
        'packages': ['keystone', 'mariadb', 'rabbitmq-server', 'haproxy',
                     'keepalived', 'docker', 'openstack-tripleo-common'],
        'services': ['keystone', 'mariadb', 'rabbitmq-server', 'haproxy',
                     'keepalived', 'docker'],
        'databases': ['keystone'],
    },
    'overcloud-novacompute-0': {
        'role': 'Compute',
        'packages': ['nova', 'docker', 'openstack-tripleo-common'],
        'services': ['nova', 'docker'],
        'databases': [],
    },
}
WORKLOAD_NODE = 'overcloud-novacompute-0'


SERVER_MODULES = ('psycopg2', 'mistral', 'heat')


class Component(object):
    """One layer of the sandbox, as up, down and status see it.

    `start()` brings it up (a no-op when it runs), `rows()` gives its
    status rows [(label, 'up'/'down'/..., detail)], `stop()` the names of
    what it stopped; `wanted()` says whether this sandbox has it.
    """

    def __init__(self, name, start, rows, stop, wanted=lambda: True):
        self.name = name
        self.start = start
        self.rows = rows
        self.stop = stop
        self.wanted = wanted


def check_server_dependencies():
    """Fail at once, naming the module, when the extra is missing."""
    import importlib.util
    missing = [m for m in SERVER_MODULES
               if importlib.util.find_spec(m) is None]
    if missing:
        raise SandboxError(
            'the sandbox\'s servers are not installed in %s (no module %s): '
            'pip install \'tripleo-ffu[sandbox]\'' % (
                sys.prefix, ', '.join(missing)))


def default_state_dir():
    if os.environ.get('TRIPLEO_FFU_SANDBOX_DIR'):
        return os.environ['TRIPLEO_FFU_SANDBOX_DIR']
    if os.geteuid() == 0:
        # PostgreSQL runs as the postgres user, who cannot enter /root.
        return '/var/lib/tripleo-ffu/sandbox'
    base = os.environ.get('XDG_DATA_HOME') or os.path.expanduser(
        '~/.local/share')
    return os.path.join(base, 'tripleo-ffu', 'sandbox')


def _bin(name):
    path = os.path.join(os.path.dirname(sys.executable), name)
    if not os.access(path, os.X_OK):
        raise SandboxError('%s not found beside %s: install tripleo-ffu '
                           'with its test requirements (mistral, '
                           'openstack-heat) in this environment'
                           % (name, sys.executable))
    return path


def tcp_open(port):
    import socket
    try:
        socket.create_connection(('127.0.0.1', port), timeout=1).close()
        return True
    except OSError:
        return False


def http_ok(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def demo_environments(step):
    """The -e files of the demo's prepare or converge, as the README has."""
    environments = os.path.join(TEMPLATES_DIR, 'environments')
    lifecycle = 'ffwd-upgrade-%s.yaml' % step
    return [os.path.join(environments, 'container-registry.yaml'),
            os.path.join(environments, 'lifecycle', lifecycle)]


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


def _secret_values(params, name=None):
    """(parameter name, value) of the generated secrets (not the images)."""
    for key, value in params.items():
        if queens.IMAGE_NAME.match(key):
            continue
        if isinstance(value, dict):
            yield from _secret_values(value, name or key)
        elif isinstance(value, str) and len(value) >= 16:
            yield name or key, value


class Sandbox(object):

    def __init__(self, state_dir=None, out=print):
        self.state_dir = os.path.abspath(state_dir or default_state_dir())
        self.out = out
        self.info_file = os.path.join(self.state_dir, 'sandbox.json')
        self.logs_dir = os.path.join(self.state_dir, 'logs')
        self.run_dir = os.path.join(self.state_dir, 'run')
        self.pg_dir = os.path.join(self.state_dir, 'postgresql')
        self.pg_data = os.path.join(self.pg_dir, 'data')
        self.work_dir = os.path.join(self.state_dir, 'work')
        self.nodes_dir = os.path.join(self.state_dir, 'nodes')
        self.rc_file = os.path.join(self.state_dir, 'sandboxrc')
        self.demo_env_file = os.path.join(self.state_dir, 'demo-env.yaml')
        self.info = self._load_info()

    # -- bookkeeping ---------------------------------------------------
    def _load_info(self):
        try:
            with open(self.info_file) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def _save_info(self):
        # Private: it holds Heat's auth encryption key.
        with files.open_private(self.info_file) as f:
            json.dump(self.info, f, indent=2, sort_keys=True)

    def _pid_file(self, name):
        return os.path.join(self.run_dir, '%s.pid' % name)

    def _log(self, name):
        return os.path.join(self.logs_dir, '%s.log' % name)

    def _alive(self, name):
        pid = processes.read_pid(self._pid_file(name))
        return processes.pid_alive(pid, self.state_dir)

    @property
    def heat_url(self):
        return 'http://127.0.0.1:%d/v1/admin' % self.info['heat_port']

    @property
    def mistral_url(self):
        return 'http://127.0.0.1:%d/v2' % self.info['mistral_port']

    @property
    def workload_url(self):
        return 'http://127.0.0.1:%d/' % self.info['workload_port']

    def _db_url(self, name):
        return 'postgresql+psycopg2://postgres@127.0.0.1:%d/%s' % (
            self.info['pg_port'], name)

    # -- up ------------------------------------------------------------
    def up(self, transport='fake', overcloud='demo', computes=1):
        started = time.monotonic()
        check_server_dependencies()
        if transport not in TRANSPORTS:
            raise SandboxError('unknown transport %r (choose from %s)'
                               % (transport, ', '.join(TRANSPORTS)))
        if (self._alive('mistral') and
                self.info.get('transport', 'fake') != transport):
            raise SandboxError(
                'Mistral runs with the %s transport; run "tripleo-ffu-'
                'sandbox down" before switching to %s'
                % (self.info.get('transport', 'fake'), transport))
        for directory in (self.state_dir, self.logs_dir, self.run_dir,
                          self.work_dir, self.nodes_dir):
            os.makedirs(directory, exist_ok=True)
        # PostgreSQL (user postgres) goes through the state dir; logs, pid
        # files and the executor's work dir can hold secrets: private.
        os.chmod(self.state_dir, 0o755)
        for directory in (self.logs_dir, self.run_dir, self.work_dir):
            os.chmod(directory, 0o700)
        self._allocate_ports()
        self.info['transport'] = transport
        self._save_info()
        self._warnings = []
        for component in self.components():
            if component.wanted():
                component.start()
        self.create_stack(overcloud, STACK, computes)
        self._write_rc()
        for message in self._warnings:
            self.out('WARNING: %s' % message)
        self.out('Sandbox up in %.1f s. Use it: source %s'
                 % (time.monotonic() - started, self.rc_file))

    def components(self):
        """The sandbox's layers in start order; down stops in reverse."""
        return [
            Component('postgres', self._start_database,
                      self._server_rows('postgres', 'PostgreSQL',
                                        self._pg_ready, 'pg_port'),
                      self._stopper('postgres')),
            Component('heat', self._start_heat_and_check_stacks,
                      self._server_rows('heat', 'Heat', lambda: http_ok(
                          self.heat_url + '/stacks'), url='heat_url'),
                      self._stopper('heat')),
            Component('rabbitmq', self._start_rabbit,
                      self._server_rows('rabbitmq', 'RabbitMQ', lambda:
                                        tcp_open(self.info['rabbit_port']),
                                        'rabbit_port'),
                      self._stopper('rabbitmq', 'epmd'),
                      wanted=lambda: self.info.get('transport') == 'rabbit'),
            Component('mistral', self._start_mistral_with_workbook,
                      self._server_rows('mistral', 'Mistral', lambda: http_ok(
                          self.mistral_url + '/workflows?limit=1'),
                          url='mistral_url'),
                      self._stopper('mistral')),
            Component('workload', self._start_demo_nodes,
                      self._server_rows('workload', 'demo workload', lambda:
                                        http_ok(self.workload_url),
                                        url='workload_url'),
                      self._stopper('workload')),
            Component('node containers', self._start_node_containers,
                      self._node_rows, self.stop_node_containers),
        ]

    def _server_rows(self, name, label, check, port_key=None, url=None):
        def rows():
            where = (getattr(self, url) if url else
                     '127.0.0.1:%s' % self.info.get(port_key))
            ok = self._alive(name) and check()
            return [(label, 'up' if ok else 'down',
                     where if ok else 'log: %s' % self._log(name))]
        return rows

    def _stopper(self, *names):
        def stop():
            return [name for name in names if processes.stop(
                self._pid_file(name), self.state_dir)]
        return stop

    def _node_rows(self):
        rows = []
        for node in self.node_containers():
            ok = node.alive() and containers.ssh_ready(node.address)
            rows.append(('node %s' % node.hostname, 'up' if ok else 'down',
                         'ssh %s@%s' % (containers.NODE_USER, node.address)
                         if ok else 'log: %s' % node.log))
        return rows

    def _start_database(self):
        self._start_postgres()
        self._write_configs()
        self._sync_databases()

    def _start_heat_and_check_stacks(self):
        heat_restarted = self._start_heat()
        # Before anything else uses the stacks.
        self._warnings += [message for _, message in
                           self.stuck_stacks(heat_restarted)]

    def _start_mistral_with_workbook(self):
        self._start_mistral()
        self._register_workbook()

    def _start_demo_nodes(self):
        containers.ssh_keypair(os.path.dirname(self.ssh_key))
        self._init_nodes()
        self._start_workload()

    def _allocate_ports(self):
        changed = False
        for name in ('pg_port', 'heat_port', 'mistral_port',
                     'workload_port', 'rabbit_port', 'rabbit_dist_port',
                     'epmd_port'):
            if not self.info.get(name):
                self.info[name] = processes.free_port()
                changed = True
        if not self.info.get('heat_auth_key'):
            self.info['heat_auth_key'] = secrets.token_hex(16)
            changed = True
        if changed:
            self._save_info()

    def _check_port(self, name, port):
        if processes.port_busy(port):
            raise SandboxError(
                'port %d for %s is taken by another process; stop it or '
                'remove %s to pick new ports' % (port, name, self.info_file))

    def _pg_bin(self, name):
        for directory in PG_BIN_DIRS:
            path = os.path.join(directory, name)
            if os.access(path, os.X_OK):
                return path
        found = shutil.which(name)
        if found:
            return found
        raise SandboxError('PostgreSQL server not found (%s). Install it: '
                           'sudo apt-get install -y postgresql' % name)

    def _pg_user(self):
        return 'postgres' if os.geteuid() == 0 else None

    def _check_traversable(self):
        path = self.state_dir
        while path != '/':
            path = os.path.dirname(path)
            if not os.stat(path).st_mode & 0o001:
                raise SandboxError(
                    'PostgreSQL runs as user postgres, who cannot enter %s; '
                    'choose a state dir under a path others can traverse '
                    '(e.g. --state-dir /var/lib/tripleo-ffu/sandbox)' % path)

    def _start_postgres(self):
        if self._alive('postgres'):
            return
        self._check_port('PostgreSQL', self.info['pg_port'])
        user = self._pg_user()
        if user:
            self._check_traversable()
        if not os.path.exists(os.path.join(self.pg_data, 'PG_VERSION')):
            self.out('Creating the PostgreSQL cluster in %s' % self.pg_data)
            os.makedirs(self.pg_data, exist_ok=True)
            if user:
                shutil.chown(self.pg_dir, user)
                shutil.chown(self.pg_data, user)
            result = subprocess.run(
                [self._pg_bin('initdb'), '-D', self.pg_data, '-U',
                 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'],
                capture_output=True, text=True,
                preexec_fn=processes.as_user(user))
            if result.returncode:
                raise SandboxError('initdb failed: %s' % result.stderr)
        run_dir = os.path.join(self.pg_dir, 'run')
        os.makedirs(run_dir, exist_ok=True)
        if user:
            shutil.chown(run_dir, user)
        self.out('Starting PostgreSQL on 127.0.0.1:%d' % self.info['pg_port'])
        proc = processes.start(
            [self._pg_bin('postgres'), '-D', self.pg_data,
             '-p', str(self.info['pg_port']),
             '-c', 'listen_addresses=127.0.0.1',
             '-c', 'unix_socket_directories=%s' % run_dir,
             '-c', 'fsync=off', '-c', 'max_connections=200'],
            self._log('postgresql'), self._pid_file('postgres'), user=user)
        processes.wait_until(self._pg_ready, START_TIMEOUT, 'PostgreSQL',
                             self._log('postgresql'), proc)

    def _pg_connect(self, dbname='postgres'):
        import psycopg2
        return psycopg2.connect(host='127.0.0.1', port=self.info['pg_port'],
                                user='postgres', dbname=dbname,
                                connect_timeout=2)

    def _pg_ready(self):
        try:
            self._pg_connect().close()
            return True
        except Exception:
            return False

    def _sync_databases(self):
        conn = self._pg_connect()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute('SELECT datname FROM pg_database')
            existing = {row[0] for row in cur.fetchall()}
            for name in ('mistral', 'heat'):
                if name not in existing:
                    cur.execute('CREATE DATABASE %s' % name)
        conn.close()
        if self.info.get('db_synced'):
            return
        self.out('Creating the Heat and Mistral schemas')
        steps = [
            ([_bin('heat-manage'), '--config-file', self._conf('heat'),
              'db_sync'], 'heat-manage db_sync'),
            ([_bin('mistral-db-manage'), '--config-file',
              self._conf('mistral'), 'upgrade', 'head'],
             'mistral-db-manage upgrade'),
            ([_bin('mistral-db-manage'), '--config-file',
              self._conf('mistral'), 'populate'],
             'mistral-db-manage populate'),
        ]
        for argv, what in steps:
            with open(self._log('db-sync'), 'ab') as log:
                if subprocess.run(argv, stdout=log,
                                  stderr=subprocess.STDOUT).returncode:
                    raise SandboxError('%s failed; see %s'
                                       % (what, self._log('db-sync')))
        self.info['db_synced'] = True
        self._save_info()

    def _conf(self, name):
        return os.path.join(self.state_dir, '%s.conf' % name)

    def _write_configs(self):
        paste = os.path.join(sys.prefix, 'etc', 'heat', 'api-paste.ini')
        if not os.path.isfile(paste):
            raise SandboxError('Heat api-paste.ini not found at %s' % paste)
        token_file = os.path.join(self.state_dir, 'heat-token.json')
        with open(token_file, 'w') as f:
            json.dump(noauth_token(self.heat_url), f)
        heat = HEAT_CONF.format(
            log=self._log('heat'), db=self._db_url('heat'),
            key=self.info['heat_auth_key'], paste=paste,
            token_file=token_file)
        if self.info.get('transport') == 'rabbit':
            transport_url = 'rabbit://guest:guest@127.0.0.1:%d/' % (
                self.info['rabbit_port'])
        else:
            transport_url = 'fake:/'
        mistral = MISTRAL_CONF.format(
            log=self._log('mistral'), db=self._db_url('mistral'),
            port=self.info['mistral_port'], transport_url=transport_url,
            log_levels=mistral_log_levels())
        for name, text in (('heat', heat), ('mistral', mistral)):
            with files.open_private(self._conf(name)) as f:
                f.write(text)

    def _start_heat(self):
        """Start Heat unless it runs; True when it was started."""
        if not self._alive('heat'):
            self._check_port('Heat', self.info['heat_port'])
            self.out('Starting Heat (API + engine) on 127.0.0.1:%d'
                     % self.info['heat_port'])
            proc = processes.start(
                [sys.executable, '-m', 'tripleo_ffu.sandbox.heat_server',
                 '--config-file', self._conf('heat'),
                 '--bind-port', str(self.info['heat_port'])],
                self._log('heat-stdout'), self._pid_file('heat'))
            processes.wait_until(
                lambda: http_ok(self.heat_url + '/stacks', timeout=10),
                START_TIMEOUT, 'Heat', self._log('heat'), proc)
            return True
        return False

    def stuck_stacks(self, heat_restarted=False):
        """[(stack, message)]: IN_PROGRESS stacks no engine works on.

        Heat leaves a convergence stack IN_PROGRESS for ever when its
        engine dies. Right after this sandbox started its one Heat, every
        IN_PROGRESS stack is such a stack; otherwise Heat's engine list
        tells (actions/stack.py).
        """
        from tripleo_ffu.actions import stack as stack_action

        heat = self.heat_client()
        found = []
        for stack in heat.stacks.list():
            if not stack.stack_status.endswith('IN_PROGRESS'):
                continue
            if heat_restarted:
                message = stack_action.stuck_message(
                    stack.stack_name, stack.stack_status,
                    stack.updated_time or stack.creation_time)
            else:
                message = stack_action.stuck_reason(heat, stack,
                                                    stack.stack_name)
            if message:
                found.append((stack.stack_name, message))
        return found

    def _start_mistral(self):
        if self._alive('mistral'):
            return
        self._check_port('Mistral', self.info['mistral_port'])
        env = dict(os.environ, TRIPLEO_FFU_ORCHESTRATION_URL=self.heat_url,
                   # The lock action asks Mistral which executions run.
                   TRIPLEO_FFU_WORKFLOWV2_URL=self.mistral_url,
                   # Where a workflow started without a work_dir (a UI's
                   # defaults) writes: inside the sandbox.
                   TRIPLEO_FFU_WORK_DIR=self.work_dir,
                   # As the undercloud's mistral user has its SSH key: the
                   # key the sandbox's node containers accept.
                   ANSIBLE_PRIVATE_KEY_FILE=self.ssh_key,
                   # The yum module of the node containers (el7.py).
                   ANSIBLE_LIBRARY=containers.ANSIBLE_LIBRARY,
                   # tripleo-common's roles, where an undercloud has them
                   # in /usr/share/ansible/roles (fetched with THT).
                   ANSIBLE_ROLES_PATH=self.queens_roles_dir)
        if self.info.get('transport') == 'rabbit':
            # The stock server: one process per component, over RabbitMQ,
            # as production runs it.
            what = 'Mistral (stock mistral-server, RabbitMQ transport)'
            argv = [_bin('mistral-server'), '--server',
                    'api,engine,executor,notifier',
                    '--config-file', self._conf('mistral')]
        else:
            what = 'Mistral (API, engine, executor, notifier in one process)'
            argv = [sys.executable, '-m', 'tripleo_ffu.sandbox.mistral_server',
                    '--config-file', self._conf('mistral')]
        self.out('Starting %s on 127.0.0.1:%d' % (
            what, self.info['mistral_port']))
        proc = processes.start(argv, self._log('mistral-stdout'),
                               self._pid_file('mistral'), env=env)
        processes.wait_until(
            lambda: http_ok(self.mistral_url + '/workflows?limit=1'),
            START_TIMEOUT, 'Mistral', self._log('mistral'), proc)

    def _start_rabbit(self):
        """A private RabbitMQ and epmd on loopback, data in the state dir."""
        server = '/usr/lib/rabbitmq/bin/rabbitmq-server'
        epmd = shutil.which('epmd') or '/usr/bin/epmd'
        if not os.access(server, os.X_OK):
            raise SandboxError('RabbitMQ not found (%s). Install it: sudo '
                               'apt-get install -y rabbitmq-server' % server)
        base = os.path.join(self.state_dir, 'rabbitmq')
        os.makedirs(base, exist_ok=True)
        if not self._alive('epmd'):
            self._check_port('epmd', self.info['epmd_port'])
            # Started through a link in the state dir, so that its command
            # line names the state dir (how `down` recognises it).
            link = os.path.join(base, 'epmd')
            if not os.path.islink(link):
                os.symlink(epmd, link)
            processes.start([link, '-address', '127.0.0.1', '-port',
                             str(self.info['epmd_port'])],
                            self._log('epmd'), self._pid_file('epmd'))
        if self._alive('rabbitmq'):
            return
        self._check_port('RabbitMQ', self.info['rabbit_port'])
        plugins = os.path.join(base, 'enabled_plugins')
        with open(plugins, 'w') as f:
            f.write('[].\n')
        env = dict(
            os.environ, HOME=base,
            RABBITMQ_NODENAME='tripleo-ffu@localhost',
            RABBITMQ_NODE_IP_ADDRESS='127.0.0.1',
            RABBITMQ_NODE_PORT=str(self.info['rabbit_port']),
            RABBITMQ_DIST_PORT=str(self.info['rabbit_dist_port']),
            ERL_EPMD_ADDRESS='127.0.0.1',
            ERL_EPMD_PORT=str(self.info['epmd_port']),
            RABBITMQ_MNESIA_BASE=os.path.join(base, 'mnesia'),
            RABBITMQ_LOG_BASE=self.logs_dir,
            RABBITMQ_ENABLED_PLUGINS_FILE=plugins,
            RABBITMQ_CONFIG_FILE=os.path.join(base, 'none'),
            RABBITMQ_PID_FILE=os.path.join(base, 'rabbitmq.pid'),
            # Erlang distribution on loopback too, not every interface.
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=(
                '-kernel inet_dist_use_interface {127,0,0,1}'))
        self.out('Starting RabbitMQ on 127.0.0.1:%d'
                 % self.info['rabbit_port'])
        # The trailing flag is ignored by Erlang; it puts the state dir in
        # the command line, which is how `down` recognises the process.
        proc = processes.start([server, '-tripleo_ffu_sandbox', base],
                               self._log('rabbitmq-stdout'),
                               self._pid_file('rabbitmq'), env=env)
        processes.wait_until(lambda: tcp_open(self.info['rabbit_port']),
                             START_TIMEOUT, 'RabbitMQ',
                             self._log('rabbitmq-stdout'), proc)

    def mistral_client(self):
        from mistralclient.api.v2 import client
        return client.Client(mistral_url=self.mistral_url)

    def heat_client(self):
        from heatclient import client
        return client.Client('1', endpoint=self.heat_url, token='sandbox')

    def _register_workbook(self):
        try:
            said = registration.ensure_registered(self.mistral_client())
        except follow.FFUError as e:
            raise SandboxError('%s (Mistral runs with %s; its log: %s)' % (
                e, sys.executable, self._log('mistral')))
        self.out(said or 'Workbook %s is registered' % contract.WORKBOOK_NAME)

    def _init_nodes(self, fresh=False):
        for hostname, spec in DEMO_NODES.items():
            root = os.path.join(self.nodes_dir, hostname)
            if fresh:
                shutil.rmtree(root, ignore_errors=True)
            node = node_tool.Node(root)
            if not os.path.exists(node.state_file):
                node.init(spec['packages'], spec['services'],
                          spec['databases'])

    def reset_nodes(self):
        """Put the nodes back at Newton (packages, repos, databases)."""
        self._init_nodes(fresh=True)
        self.out('Demo nodes reset to newton in %s' % self.nodes_dir)
        if self.node_containers():
            self.reset_node_containers()

    def _start_workload(self):
        if self._alive('workload'):
            return
        self._check_port('the demo workload', self.info['workload_port'])
        proc = processes.start(
            [sys.executable, '-m', 'tripleo_ffu.sandbox.workload',
             '--port', str(self.info['workload_port']),
             '--root', os.path.join(self.nodes_dir, WORKLOAD_NODE)],
            self._log('workload'), self._pid_file('workload'))
        processes.wait_until(lambda: http_ok(self.workload_url), 30,
                             'the demo workload', self._log('workload'),
                             proc)

    def _create_demo_stack(self, name=STACK):
        with open(self.demo_env_file, 'w') as f:
            f.write('parameter_defaults:\n  DemoNodesDir: %s\n'
                    % self.nodes_dir)
        self._create_stack(
            name, 'demo', os.path.join(TEMPLATES_DIR, 'overcloud.yaml'),
            [os.path.join(TEMPLATES_DIR, 'overcloud-resource-registry.yaml'),
             self.demo_env_file])

    @property
    def queens_templates_dir(self):
        return os.path.join(self.state_dir, 'tht', 'rendered')

    @property
    def queens_roles_dir(self):
        return os.path.join(self.state_dir, 'tht', '%s-%s' % (
            queens.COMMON_PROJECT, queens.COMMON_VERSION), 'roles')

    def queens_templates(self):
        """THT 8.4.1 rendered for the keystone-only layout (once).

        tripleo-common's roles come with them: the deploy steps use them.
        """
        queens.fetch_common_roles(os.path.join(self.state_dir, 'tht'))
        rendered = self.queens_templates_dir
        if not os.path.isfile(os.path.join(rendered, 'overcloud.yaml')):
            self.out('Fetching and rendering tripleo-heat-templates %s'
                     % queens.THT_VERSION)
            tht = queens.fetch_tht(os.path.join(self.state_dir, 'tht'))
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

    def _queens_env_files(self, name, templates, computes):
        """The sandbox's environment and the generated secrets (0600)."""
        deployed_server = os.path.join(self.state_dir,
                                       'queens-deployed-server.yaml')
        with open(deployed_server, 'w') as f:
            f.write(queens.DEPLOYED_SERVER_TEMPLATE)
        secrets_file = self.queens_secrets_file
        if not os.path.exists(secrets_file):
            params = queens.generated_parameters(templates, name)
            with files.open_private(secrets_file) as f:
                yaml.safe_dump({'parameter_defaults': params}, f)
        env = queens.sandbox_environment(name, deployed_server, computes,
                                         self.node_net)
        env['parameter_defaults'].update(
            queens.deploy_parameters('CREATE')['parameter_defaults'])
        env_file = os.path.join(self.state_dir, 'queens-%s.yaml' % name)
        with open(env_file, 'w') as f:
            f.write('# The sandbox\'s own environment for the Queens stack '
                    '%s:\n# only what no upstream file provides (see '
                    'tripleo_ffu/sandbox/queens.py).\n' % name)
            yaml.safe_dump(env, f, default_flow_style=False)
        return [env_file, secrets_file]

    @property
    def queens_secrets_file(self):
        return os.path.join(self.state_dir, 'queens-secrets.yaml')

    @property
    def ssh_key(self):
        return os.path.join(self.state_dir, 'ssh', 'id_ed25519')

    @property
    def node_net(self):
        """This sandbox's ctlplane network for node containers (127.N.0.x).

        Chosen once, at random, among networks on which nothing listens.
        """
        if not self.info.get('node_net'):
            import random
            candidates = list(range(11, 250))
            random.shuffle(candidates)
            self.info['node_net'] = next(
                n for n in candidates if not containers.ssh_ready(
                    queens.ctlplane_address(n, 11)))
            self._save_info()
        return self.info['node_net']

    @property
    def containers_dir(self):
        return os.path.join(self.state_dir, 'node-containers')

    def node_containers(self):
        """The node containers of the Queens stack that has nodes."""
        stack = self.info.get('queens_nodes_stack')
        if not stack:
            return []
        return [containers.NodeContainer(self.containers_dir, host, address,
                                         spec, self.state_dir)
                for host, address, spec in queens.nodes(
                    stack, self.info.get('queens_computes', 1),
                    self.node_net)]

    def _start_node_containers(self):
        nodes = self.node_containers()
        if not nodes:
            return
        containers.check_prerequisites()
        public_key = self.ssh_key + '.pub'
        procs = [(node, node.start(public_key)) for node in nodes]
        for node, proc in procs:
            processes.wait_until(
                lambda: containers.ssh_ready(node.address),
                containers.START_TIMEOUT,
                'node %s (sshd on %s)' % (node.hostname, node.address),
                node.log, proc)
        self.out('Nodes up (SSH as %s): %s' % (containers.NODE_USER, ', '.join(
            '%s %s' % (n.hostname, n.address) for n in nodes)))

    def stop_node_containers(self):
        nodes = [n for n in self.node_containers() if n.alive()]
        # SIGTERM to each node's unshare kills its PID 1 and everything in
        # it; the kernel's cleanup takes ~2 s a node, so all at once.
        for node in nodes:
            node.stop()
        for node in nodes:
            node.wait_gone()
        return [n.hostname for n in nodes]

    def reset_node_containers(self):
        """The Queens nodes back at Newton: fresh nodes, restarted."""
        self.stop_node_containers()
        for node in self.node_containers():
            node.reset()
        self._start_node_containers()

    def node_report(self, hostname):
        """A node's state as it reports it over SSH (el7.py report)."""
        for node in self.node_containers():
            if node.hostname == hostname:
                rc, out, err = containers.ssh_command(
                    self.ssh_key, node.address,
                    'sudo python3 %s/el7.py report' % containers.NODE_LIB)
                if rc:
                    raise SandboxError('node %s did not report: %s'
                                       % (hostname, err.strip() or out))
                return json.loads(out)
        raise SandboxError('no node container %s' % hostname)

    def _create_queens_stack(self, name=STACK, computes=1):
        owner = self.info.get('queens_nodes_stack')
        if owner and owner != name:
            raise SandboxError(
                'the node containers belong to the Queens stack %s; one '
                'Queens stack with nodes per sandbox' % owner)
        if owner == name and self.info.get('queens_computes', 1) != computes:
            raise SandboxError(
                'stack %s has %d compute(s); delete it ("openstack stack '
                'delete %s", then "tripleo-ffu-sandbox down" and remove %s) '
                'to make it with %d' % (
                    name, self.info.get('queens_computes', 1), name,
                    self.containers_dir, computes))
        self.info.update(queens_nodes_stack=name, queens_computes=computes)
        self._save_info()
        self._start_node_containers()
        templates = self.queens_templates()
        self._create_stack(
            name, 'Queens (tripleo-heat-templates %s)' % queens.THT_VERSION,
            os.path.join(templates, 'overcloud.yaml'),
            queens.environment_files(templates) +
            self._queens_env_files(name, templates, computes))

    def create_stack(self, kind, name, computes=1):
        """Create the `kind` overcloud (demo or queens) as stack `name`."""
        if kind not in OVERCLOUDS:
            raise SandboxError('unknown overcloud %r (choose from %s)'
                               % (kind, ', '.join(OVERCLOUDS)))
        stacks = self.info.setdefault('stacks', {})
        if stacks.get(name, kind) != kind:
            raise SandboxError(
                'stack %s is the %s overcloud already; delete it ("openstack '
                'stack delete %s") or choose another name'
                % (name, stacks[name], name))
        if kind == 'queens':
            self._create_queens_stack(name, computes)
        else:
            self._create_demo_stack(name)
        stacks[name] = kind
        self._save_info()

    def environments(self, kind, step):
        """The -e files of prepare or converge for a `kind` stack."""
        if kind == 'queens':
            return queens.environment_files(self.queens_templates(), step)
        return demo_environments(step)

    def _create_stack(self, name, what, template_path, env_paths):
        from heatclient.common import template_utils
        from heatclient import exc

        heat = self.heat_client()
        try:
            stack = heat.stacks.get(name)
        except exc.HTTPNotFound:
            stack = None
        if stack is None:
            self.out('Creating the %s overcloud stack %s' % (what, name))
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
                self.out('Stack %s is %s: %s' % (
                    name, stack.stack_status, stack.stack_status_reason))
            return
        deadline = time.monotonic() + STACK_TIMEOUT
        while time.monotonic() < deadline:
            try:
                stack = heat.stacks.get(name)
            except exc.HTTPException as e:
                # Under the load of a large create the API's call to the
                # engine can time out; the create goes on: poll again.
                if e.code < 500:
                    raise
                time.sleep(2)
                continue
            if not stack.stack_status.endswith('IN_PROGRESS'):
                break
            time.sleep(1)
        if stack.stack_status != 'CREATE_COMPLETE':
            raise SandboxError(
                'stack %s is %s: %s; see %s (delete it with "openstack '
                'stack delete %s" to create it again)' % (
                    name, stack.stack_status, stack.stack_status_reason,
                    self._log('heat'), name))

    def write_fixture(self, name, output):
        """The outputs of stack `name` as JSON, generated secrets masked.

        The unit tests' real Queens fixture comes from here: a queens
        stack after prepare (tests/unit/fixtures/README.rst).
        """
        stack = self.heat_client().stacks.get(name, resolve_outputs=True)
        text = json.dumps(download.outputs_by_key(stack.outputs), indent=1,
                          sort_keys=True)
        try:
            with open(self.queens_secrets_file) as f:
                generated = yaml.safe_load(f)['parameter_defaults']
        except OSError:
            generated = {}
        for param, value in sorted(_secret_values(generated)):
            text = text.replace(value, 'SECRET-%s' % param)
        with open(output, 'w') as f:
            f.write(text + '\n')
        self.out('Wrote the outputs of stack %s (%s) to %s'
                 % (name, stack.stack_status, output))

    def _write_rc(self):
        with open(self.rc_file, 'w') as f:
            f.write(self.rc_text())

    def rc_text(self):
        return RC_TEMPLATE.format(heat=self.heat_url,
                                  mistral=self.mistral_url,
                                  work_dir=self.work_dir,
                                  state_dir=self.state_dir)

    # -- down / status -------------------------------------------------
    def down(self):
        stopped = []
        for component in reversed(self.components()):
            stopped += component.stop()
        self.out('Stopped: %s (data kept in %s)' % (
            ', '.join(stopped) or 'nothing was running', self.state_dir))
        return stopped

    def status(self):
        """[(component, state, detail)]; state is 'up' or 'down'."""
        if not self.info:
            return [('sandbox', 'down', 'no sandbox in %s' % self.state_dir)]
        rows = []
        for component in self.components():
            if component.wanted():
                rows += component.rows()
        if rows[1][1] != 'up':
            rows.append(('stack %s' % STACK, 'unknown', ''))
            return rows
        try:
            stuck = dict(self.stuck_stacks())
        except Exception:
            stuck = {}
        for name in sorted(set(self.info.get('stacks') or ()) | {STACK}):
            try:
                state = self.heat_client().stacks.get(name).stack_status
            except Exception as e:
                state = 'missing (%s)' % type(e).__name__
            rows.append(('stack %s' % name,
                         'STUCK %s' % state if name in stuck else state,
                         stuck.get(name, '')))
        return rows

    def node_state(self, hostname):
        return node_tool.Node(os.path.join(self.nodes_dir, hostname)).show()


HEAT_CONF = """\
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


def mistral_log_levels():
    """oslo.log's levels, but workflow_trace at WARN.

    Mistral's workflow_trace logs each execution's input at INFO: the
    environments and extra vars the operator passed, passwords included.
    """
    from oslo_log import _options

    return ','.join(_options.DEFAULT_LOG_LEVELS + ['workflow_trace=WARN'])


MISTRAL_CONF = """\
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
auth_enable = False

[cron_trigger]
enabled = False
# Lets the stock mistral-server master exit cleanly on SIGTERM.
run_in_api = False
"""

RC_TEMPLATE = """\
# tripleo-ffu sandbox ({state_dir}): the openstack CLI without Keystone.
export OS_AUTH_TYPE=none
export OS_ENDPOINT={heat}
export OS_WORKFLOWV2_ENDPOINT_OVERRIDE={mistral}
export TRIPLEO_FFU_WORK_DIR={work_dir}
export OVERCLOUD_STACK_NAME=overcloud
"""
