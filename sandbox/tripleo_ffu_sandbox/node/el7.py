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

"""What exists only on an EL7 Queens overcloud node, for a sandbox node.

Copied into each node container and installed there as `yum`, `rpm`,
`hiera`, `os-apply-config`, `os-collect-config`, `systemctl`, `httpd`,
`keystone-manage`, `tripleo-ffu-repos` (the custom repo script's tool);
`el7.py boot` starts the node's services at each node start. State lives
in the node (/var/lib/tripleo-ffu-node/state.json); every call is
recorded (/var/log/tripleo-ffu-node/calls.log). What is real: the files
the tasks write, the node's MariaDB (`mysql_db` and the DB syncs act on
real schemas: a migrations table per service), the workload's HTTP
server. What is simulated: package versions per release (from
node_tool.VERSIONS), repositories, unit states (except MariaDB's, which
starts and stops the real server), hieradata.

Anything out of order fails as it would on a real node: a package from a
release the repos do not carry, a release skipped, a DB sync before its
code or with the database stopped. A line in /etc/tripleo-ffu-node/fail-on
makes the call whose words start with it fail (to inject a failure);
ending it with `when-repo=<release>` limits that to the release's repos.
"""

import datetime
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import time

from tripleo_ffu_sandbox.node import node_tool
from tripleo_ffu_sandbox.node.node_tool import NodeError

# The directory that holds this package on the node (NODE_LIB).
LIB = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
STATE = '/var/lib/tripleo-ffu-node/state.json'
CALLS = '/var/log/tripleo-ffu-node/calls.log'
FAIL_ON = '/etc/tripleo-ffu-node/fail-on'
WHEN_REPO = 'when-repo='
HIERADATA = '/etc/puppet/hieradata/tripleo-ffu-node.json'
MYSQL_SOCKET = '/var/lib/mysql/mysql.sock'
PY2COMPAT = os.path.join(LIB, 'py2compat')
OS_NET_CONFIG_TEMPLATE = ('/usr/libexec/os-apply-config/templates/etc/'
                          'os-net-config/config.json')
MYSQL_PID = '/run/mysqld/mysqld.pid'
TOOLS = ('yum', 'rpm', 'hiera', 'os-apply-config', 'os-collect-config',
         'systemctl', 'httpd', 'keystone-manage', 'tripleo-ffu-repos')
RELEASES = node_tool.RELEASES
# EL7 package name -> its row in node_tool.VERSIONS.
PACKAGES = {
    'openstack-keystone': 'keystone', 'openstack-nova-compute': 'nova',
    'rpm-python': 'rpm-python', 'jq': 'jq',
    'mariadb': 'mariadb', 'rabbitmq-server': 'rabbitmq-server',
    'haproxy': 'haproxy', 'keepalived': 'keepalived', 'docker': 'docker',
    'openstack-tripleo-common': 'openstack-tripleo-common',
    'openstack-heat-agents': 'openstack-heat-agents',
    'os-collect-config': 'os-collect-config', 'httpd': 'httpd',
}
OS_RELEASE = """\
NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
PRETTY_NAME="CentOS Linux 7 (Core)"
"""


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def load():
    with open(STATE) as f:
        return json.load(f)


def save(state):
    tmp = STATE + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(state, f, indent=2, sort_keys=True)
    os.replace(tmp, STATE)


def record(argv, rc):
    os.makedirs(os.path.dirname(CALLS), exist_ok=True)
    with open(CALLS, 'a') as f:
        f.write('%s rc=%s %s\n' % (_now(), rc, ' '.join(argv)))


def history(state, text):
    state.setdefault('history', []).append('%s %s' % (_now(), text))


def note(text):
    """One line of history, in the state as it is now on the node."""
    state = load()
    history(state, text)
    save(state)


def check_injected_failure(argv):
    try:
        with open(FAIL_ON) as f:
            wanted = f.read().split()
    except OSError:
        return
    # `... when-repo=pike`: only while the node's repos are that release's.
    if wanted and wanted[-1].startswith(WHEN_REPO):
        if load().get('repo') != wanted.pop()[len(WHEN_REPO):]:
            return
    if wanted and wanted == argv[:len(wanted)]:
        raise NodeError('injected failure: %s (remove %s on the node)'
                        % (' '.join(argv), FAIL_ON))


def version_for(package, release):
    return node_tool.VERSIONS[PACKAGES[package]][RELEASES.index(release)]


def release_of(package, version):
    return RELEASES[node_tool._release_index(PACKAGES[package], version)]


# -- boot -----------------------------------------------------------------
def boot(spec):
    """At every node start: first-boot state, then the node's services."""
    if not os.path.exists(STATE):
        os.makedirs(os.path.dirname(STATE), exist_ok=True)
        release = spec.get('release', 'newton')
        state = {'repo': release,
                 'packages': {p: version_for(p, release)
                              for p in spec['packages']},
                 'units': {u: {'active': True, 'enabled': True}
                           for u in spec['units']},
                 'vhosts': list(spec.get('vhosts', [])),
                 'databases': list(spec.get('databases', []))}
        history(state, 'deployed at %s' % release)
        save(state)
        _first_boot_files(spec)
    os.makedirs('/run/systemd/system', exist_ok=True)
    state = load()
    if state['units'].get('mariadb', {}).get('active'):
        start_mariadb(spec['address'])
        if not state.get('databases_created'):
            _create_databases(state, spec.get('db_users', ()))
            save(state)
    if spec.get('workload_port'):
        _start_workload(spec['address'], spec['workload_port'])


def node_command(module, tool):
    """The shell line that runs `tool` of this package's `module`."""
    return ('PYTHONPATH=%s exec /usr/bin/python3 -m tripleo_ffu_sandbox.node.'
            '%s %s "$@"' % (LIB, module, tool))


def _first_boot_files(spec):
    os.makedirs(os.path.dirname(FAIL_ON), exist_ok=True)
    with open('/etc/os-release', 'w') as f:
        f.write(OS_RELEASE)
    with open('/etc/redhat-release', 'w') as f:
        f.write('CentOS Linux release 7.9.2009 (Core)\n')
    from tripleo_ffu_sandbox.node import el7_deploy
    wrappers = {'/usr/bin/%s' % tool: node_command('el7', tool)
                for tool in TOOLS}
    for tool in el7_deploy.TOOLS:
        path = el7_deploy.PATHS.get(tool, '/usr/bin/%s' % tool)
        wrappers[path] = node_command('el7_deploy', tool)
    # EL7's python is Python 2: THT's docker-puppet.py (Python 2 and
    # docker) goes to a stand-in; `python -c` code only Python 2 parses
    # (Newton's `print x`) to a real 2.7 (el7_deploy.python); the rest
    # (THT's scripts use Python 2 names, and EL7's python-ipaddress) to
    # python3 with those names defined.
    os.makedirs(PY2COMPAT, exist_ok=True)
    with open(os.path.join(PY2COMPAT, 'sitecustomize.py'), 'w') as f:
        f.write('import builtins\nbuiltins.unicode = str\n'
                'builtins.basestring = str\nbuiltins.long = int\n')
    # EL7's python-ipaddr (Newton's validation script imports it).
    with open(os.path.join(PY2COMPAT, 'ipaddr.py'), 'w') as f:
        f.write('import ipaddress\n'
                'def IPNetwork(text):\n'
                '    return ipaddress.ip_network(text, strict=False)\n'
                'IPAddress = ipaddress.ip_address\n')
    wrappers['/usr/bin/python'] = (
        'case "$1" in */docker-puppet.py|-c) %s;; esac\n'
        'PYTHONPATH=%s${PYTHONPATH:+:$PYTHONPATH} exec /usr/bin/python3 "$@"'
        % (wrappers['/usr/bin/python'], PY2COMPAT))
    for path, command in wrappers.items():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # This machine's own tools of that name (a docker CLI in
        # /usr/local/bin...) would come first on the node's PATH.
        shadows = [os.path.join(d, os.path.basename(path))
                   for d in ('/usr/local/sbin', '/usr/local/bin')]
        for stale in [path] + shadows:
            if os.path.lexists(stale):
                os.unlink(stale)
        with open(path, 'w') as f:
            f.write('#!/bin/sh\n%s\n' % command)
        os.chmod(path, 0o755)
    os.makedirs(os.path.dirname(HIERADATA), exist_ok=True)
    with open(HIERADATA, 'w') as f:
        json.dump(spec.get('hieradata', {}), f, indent=2, sort_keys=True)
    with open('/etc/puppet/hiera.yaml', 'w') as f:
        f.write(':backends: [json]\n:json: {:datadir: /etc/puppet/'
                'hieradata}\n:hierarchy: [tripleo-ffu-node]\n')
    # The os-apply-config template of os-net-config's config that Newton's
    # image carries and upstream's FFU prepare script removes (LP
    # #1758161).
    os.makedirs(os.path.dirname(OS_NET_CONFIG_TEMPLATE), exist_ok=True)
    with open(OS_NET_CONFIG_TEMPLATE, 'w') as f:
        f.write('{{#os_net_config}}{{.}}{{/os_net_config}}\n')
    deployments = '/var/lib/os-collect-config'
    os.makedirs(deployments, exist_ok=True)
    with open(os.path.join(deployments, '%sDeployment.json'
                           % spec['deployment_name']), 'w') as f:
        json.dump({'deployments': []}, f)
    _free_el7_ids(spec.get('el7_ids', {}))
    for user in spec.get('users', []):
        subprocess.run(['useradd', '-r', '-U', '-d', '/var/lib/%s' % user,
                        '-m', user], check=False)
    if 'mariadb' in spec['units']:
        with open('/root/.my.cnf', 'w') as f:
            # THT's FFU tasks strip the leading blanks of this file.
            f.write('[client]\n  user=root\n  socket=%s\n' % MYSQL_SOCKET)


def _free_el7_ids(el7_ids):
    """Free the ids EL7 gives to fixed accounts (qemu is 107).

    THT creates them with those ids; the node's copy of this machine may
    have another account there, which moves to a free id (in the node).
    """
    import grp
    import pwd
    for name, wanted in el7_ids.items():
        for lookup, mod, flag in ((grp.getgrgid, 'groupmod', '-g'),
                                  (pwd.getpwuid, 'usermod', '-u')):
            try:
                holder = lookup(wanted)[0]
            except KeyError:
                continue
            if holder != name:
                subprocess.run([mod, flag, str(60000 + wanted), holder],
                               check=True)


# The root client settings TripleO leaves on a controller (the node's
# mysql and mysqldump log in with them); the socket is EL7's, where this
# machine's client would look elsewhere.
ROOT_MY_CNF = '/root/.my.cnf'


def start_mariadb(address):
    if not os.path.exists(ROOT_MY_CNF):
        with open(ROOT_MY_CNF, 'w') as f:
            f.write('[client]\nuser=root\nsocket=%s\n' % MYSQL_SOCKET)
        os.chmod(ROOT_MY_CNF, 0o600)
    if _mariadb_alive():
        return
    if not os.path.isdir('/var/lib/mysql/mysql'):
        shutil.rmtree('/var/lib/mysql', ignore_errors=True)
        subprocess.run(['mysql_install_db', '--user=mysql',
                        '--datadir=/var/lib/mysql', '--auth-root-'
                        'authentication-method=socket',
                        '--skip-test-db'], check=True,
                       stdout=subprocess.DEVNULL)
    os.makedirs('/run/mysqld', exist_ok=True)
    shutil.chown('/run/mysqld', 'mysql', 'mysql')
    subprocess.Popen(
        ['/usr/sbin/mariadbd', '--user=mysql', '--datadir=/var/lib/mysql',
         '--socket=%s' % MYSQL_SOCKET, '--pid-file=%s' % MYSQL_PID,
         '--bind-address=%s' % address, '--port=3306',
         '--innodb-log-file-size=8M', '--innodb-buffer-pool-size=16M',
         '--performance-schema=off', '--skip-name-resolve'],
        stdout=open('/var/log/mariadb.log', 'ab'), stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True)
    import pymysql
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if os.path.exists(MYSQL_SOCKET):
            try:
                _db().close()
                return
            except pymysql.MySQLError:
                pass
        time.sleep(0.2)
    raise NodeError('MariaDB did not start; see /var/log/mariadb.log')


def _mariadb_alive():
    try:
        with open(MYSQL_PID) as f:
            os.kill(int(f.read().strip()), 0)
        return True
    except (OSError, ValueError):
        return False


def stop_mariadb():
    try:
        with open(MYSQL_PID) as f:
            pid = int(f.read().strip())
        os.kill(pid, 15)
    except (OSError, ValueError):
        return
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _mariadb_alive():
        time.sleep(0.2)


def _db(database=None):
    import pymysql
    return pymysql.connect(unix_socket=MYSQL_SOCKET, user='root',
                           database=database, autocommit=True)


def _create_databases(state, users=()):
    """The databases and users as the deployment left them."""
    conn = _db()
    with conn.cursor() as cur:
        for user in users:
            cur.execute("CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY "
                        "'%s'" % (user, os.urandom(12).hex()))
        for service in state['databases']:
            cur.execute('CREATE DATABASE IF NOT EXISTS %s' % service)
            cur.execute(
                'CREATE TABLE IF NOT EXISTS %s.tripleo_ffu_migrations (seq '
                'INT AUTO_INCREMENT PRIMARY KEY, releasename VARCHAR(16), '
                'name VARCHAR(128) UNIQUE, applied_at VARCHAR(64))'
                % service)
            index = RELEASES.index(state['repo'])
            for release in RELEASES[:index + 1]:
                for name in node_tool.MIGRATIONS[service][release]:
                    cur.execute(
                        'INSERT IGNORE INTO %s.tripleo_ffu_migrations '
                        '(releasename, name, applied_at) VALUES (%%s, %%s, '
                        '%%s)' % service, (release, name, 'deployment'))
    conn.close()
    state['databases_created'] = True


def _start_workload(address, port):
    root = '/var/lib/tripleo-ffu-node/workload'
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, 'index.html'), 'w') as f:
        f.write('instance on %s\n' % address)
    subprocess.Popen(
        ['/usr/bin/python3', '-m', 'http.server', '--bind', address,
         str(port), '--directory', root], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        start_new_session=True)


# -- the EL7 commands ---------------------------------------------------
def yum(args):
    words = [a for a in args if not a.startswith('-')]
    if not words:
        raise NodeError('usage: yum [-y] update|install|remove|list ...')
    command, patterns = words[0], words[1:]
    state = load()
    installed = state['packages']
    if command in ('update', 'upgrade'):
        names = [n for n in sorted(installed)
                 if not patterns or any(fnmatch.fnmatch(n, p)
                                        for p in patterns)]
        changed = [_update(state, n) for n in names]
        save(state)
        print('\n'.join(c for c in changed if c) or 'No packages marked '
              'for update')
    elif command == 'install':
        for name in patterns:
            if name not in PACKAGES:
                raise NodeError('No package %s available.' % name)
            if name not in installed:
                installed[name] = version_for(name, state['repo'])
                history(state, 'package %s installed %s'
                        % (name, installed[name]))
                print('Installed: %s-%s' % (name, installed[name]))
        save(state)
    elif command in ('remove', 'erase'):
        for name in patterns:
            if installed.pop(name, None):
                history(state, 'package %s removed' % name)
                print('Removed: %s' % name)
        save(state)
    elif command == 'list':
        for name, version in sorted(installed.items()):
            print('%s.noarch %s @%s' % (name, version, state['repo']))
    elif command in ('makecache', 'clean', 'repolist'):
        print('repo: %s' % state['repo'])
    else:
        raise NodeError('yum %s is not simulated' % command)


def _update(state, name):
    """Update `name` to the repos' version; never downgrade (as yum)."""
    current = state['packages'][name]
    if RELEASES.index(release_of(name, current)) >= RELEASES.index(
            state['repo']):
        return None
    new = version_for(name, state['repo'])
    if new == current:
        return None
    state['packages'][name] = new
    history(state, 'package %s %s -> %s' % (name, current, new))
    return 'Updated: %s %s -> %s' % (name, current, new)


def rpm(args):
    installed = load()['packages']
    if '-qa' in args:
        for name, version in sorted(installed.items()):
            print('%s-%s' % (name, version))
        return 0
    rc = 0
    for name in [a for a in args if not a.startswith('-')]:
        if name in installed:
            print('%s-%s' % (name, installed[name]))
        else:
            print('package %s is not installed' % name)
            rc = 1
    return rc


def repos(args):
    """The custom repo script: point the repos at `release`.

    Only the bootstrap nodes walk every release; the others jump to the
    last one. Going back is refused, as the packages would not follow.
    """
    release = args[0] if args else None
    state = load()
    if release not in RELEASES:
        raise NodeError('unknown release %r' % release)
    current = RELEASES.index(state['repo'])
    wanted = RELEASES.index(release)
    if wanted < current:
        raise NodeError('repos are at %s; refusing to go back to %s'
                        % (state['repo'], release))
    if wanted > current:
        history(state, 'repo %s -> %s' % (state['repo'], release))
        state['repo'] = release
        save(state)
    print('repositories: %s' % release)


def hiera_value(key):
    """The node's hieradata first, then what the hiera hook wrote."""
    hieradata_dir = os.path.dirname(HIERADATA)
    others = sorted(n for n in os.listdir(hieradata_dir)
                    if n.endswith('.json') and
                    n != os.path.basename(HIERADATA))
    for name in [os.path.basename(HIERADATA)] + others:
        with open(os.path.join(hieradata_dir, name)) as f:
            data = json.load(f)
        if key in data:
            return data[key]
    return None


def hiera(args):
    key = [a for a in args if not a.startswith('-') and
           not a.endswith('.yaml')][-1]
    value = hiera_value(key)
    print('nil' if value is None else value)


def systemctl(args):
    flags = [a for a in args if a.startswith('-')]
    words = [a for a in args if not a.startswith('-')]
    command = words[0] if words else 'list-units'
    units = [w[:-len('.service')] if w.endswith('.service') else w
             for w in words[1:]]
    state = load()
    known = state['units']
    if command in ('daemon-reload', 'list-units', 'list-unit-files'):
        for name, unit in sorted(known.items()):
            active = 'active' if unit['active'] else 'inactive'
            print('%s.service %s' % (name, active))
        return 0
    if command in ('is-active', 'is-enabled', 'status'):
        unit = known.get(units[0]) if units else None
        ok = bool(unit) and unit['active' if command != 'is-enabled'
                                 else 'enabled']
        if '--quiet' not in flags and '-q' not in flags:
            print({'is-enabled': 'enabled' if ok else 'disabled'}.get(
                command, 'active' if ok else 'inactive'))
        return 0 if ok else (4 if not unit and command == 'status' else 3)
    if command == 'show':
        _show(units[0], known.get(units[0]))
        return 0
    for name in units:
        if name not in known:
            raise NodeError('Unit %s.service not found.' % name)
        unit = known[name]
        if command in ('start', 'restart', 'reload', 'try-restart'):
            if name == 'mariadb':
                start_mariadb(node_address())
            unit['active'] = True
        elif command == 'stop':
            if name == 'mariadb':
                stop_mariadb()
            unit['active'] = False
        elif command in ('enable', 'disable', 'mask', 'unmask'):
            unit['enabled'] = command in ('enable', 'unmask')
        else:
            raise NodeError('systemctl %s is not simulated' % command)
        history(state, 'unit %s %s' % (name, command))
    save(state)
    return 0


def _show(name, unit):
    """The properties Ansible's systemd module reads."""
    if unit is None:
        print('Id=%s.service\nLoadState=not-found\nActiveState=inactive\n'
              'SubState=dead\nUnitFileState=' % name)
        return
    print('\n'.join([
        'Id=%s.service' % name, 'Names=%s.service' % name,
        'Description=%s (EL7 node stand-in)' % name,
        'LoadState=loaded',
        'ActiveState=%s' % ('active' if unit['active'] else 'inactive'),
        'SubState=%s' % ('running' if unit['active'] else 'dead'),
        'UnitFileState=%s' % ('enabled' if unit['enabled'] else 'disabled'),
        'FragmentPath=/usr/lib/systemd/system/%s.service' % name]))


def httpd(args):
    state = load()
    if '-D' in args and 'DUMP_VHOSTS' in args:
        print('VirtualHost configuration:')
        for vhost in state['vhosts']:
            print('*:80 %s (/etc/httpd/conf.d/10-%s.conf:1)'
                  % (vhost, vhost))
        return 0
    print('Syntax OK')
    return 0


def keystone_manage(args):
    if args[:1] != ['db_sync']:
        raise NodeError('keystone-manage %s is not simulated' % ' '.join(
            args))
    state = load()
    code = release_of('openstack-keystone',
                      state['packages']['openstack-keystone'])
    migrate(state, 'keystone')
    # The node's own record of each DB sync, by the code's release.
    note('keystone-manage db_sync by %s code' % code)


def migrate(state, service, code=None):
    """A real DB sync: apply the release's migrations once, in order.

    `code`: the release of the code that syncs (default: the installed
    package's; a container brings its own).
    """
    if service not in state['databases']:
        raise NodeError('no %s database on this node' % service)
    if not _mariadb_alive():
        raise NodeError("Can't connect to local MySQL server through "
                        "socket '%s'" % MYSQL_SOCKET)
    if code is None:
        package = {'keystone': 'openstack-keystone'}[service]
        code = release_of(package, state['packages'][package])
    index = RELEASES.index(code)
    conn = _db(service)
    with conn.cursor() as cur:
        cur.execute('SELECT name FROM tripleo_ffu_migrations')
        applied = {row[0] for row in cur.fetchall()}
        for release in RELEASES[:index]:
            missing = set(node_tool.MIGRATIONS[service][release]) - applied
            if missing:
                raise NodeError('%s migrations of %s not applied yet: %s'
                                % (service, release, sorted(missing)))
        for name in node_tool.MIGRATIONS[service][code]:
            if name not in applied:
                cur.execute('INSERT INTO tripleo_ffu_migrations (releasename,'
                            ' name, applied_at) VALUES (%s, %s, %s)',
                            (code, name, _now()))
                print('Applied %s migration %s (%s)' % (service, name, code))
    conn.close()


def report():
    """The node's state as JSON, migrations read from its database."""
    state = load()
    state['hostname'] = open('/etc/hostname').read().strip()
    state['migrations'] = []
    if state['databases'] and _mariadb_alive():
        for service in state['databases']:
            conn = _db(service)
            with conn.cursor() as cur:
                cur.execute('SELECT releasename, name, applied_at FROM '
                            'tripleo_ffu_migrations ORDER BY seq')
                state['migrations'] += [
                    {'service': service, 'release': r, 'name': n,
                     'applied_at': a} for r, n, a in cur.fetchall()]
            conn.close()
    try:
        with open(CALLS) as f:
            state['calls'] = f.read().splitlines()
    except OSError:
        state['calls'] = []
    print(json.dumps(state, indent=2, sort_keys=True))


def node_address():
    with open(os.path.join(LIB, 'spec.json')) as f:
        return json.load(f)['address']


def run_tool(handlers, argv):
    """Run argv[0]'s handler: injected failures, errors and the record."""
    tool, args = argv[0], argv[1:]
    rc = 1
    try:
        check_injected_failure(argv)
        rc = handlers[tool](args) or 0
    except NodeError as e:
        sys.stderr.write('%s: %s\n' % (tool, e))
    finally:
        record(argv, rc)
    return rc


def spec():
    """What the sandbox made this node (node_containers writes it)."""
    with open(os.path.join(LIB, 'spec.json')) as f:
        return json.load(f)


def main(argv):
    tool = argv[0]
    if tool == 'boot':
        boot(spec())
        return 0
    if tool == 'report':
        report()
        return 0
    handlers = {'yum': yum, 'rpm': rpm, 'hiera': hiera,
                'systemctl': systemctl, 'httpd': httpd,
                'keystone-manage': keystone_manage,
                'tripleo-ffu-repos': repos,
                'os-apply-config': lambda a: 0,
                'os-collect-config': lambda a: 0}
    return run_tool(handlers, argv)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
