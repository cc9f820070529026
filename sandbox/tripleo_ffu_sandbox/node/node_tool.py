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

"""State of one demo overcloud node, changed only by the FFU tasks.

Each demo node is a directory: its package versions, its repository
release, its services' states and, on nodes that host a database, a real
SQLite database of applied migrations. The tasks of the demo templates call
this tool; the sandbox and the tests read the same state to check the
upgrade. Anything out of order (a package for a release the repos do not
carry, a migration before its code, a release skipped) fails loudly, as
it would on a real node.

Usage: python -m tripleo_ffu_sandbox.node.node_tool --root DIR COMMAND ...
"""

import argparse
import datetime
import json
import os
import sqlite3
import sys
import time

RELEASES = ('newton', 'ocata', 'pike', 'queens')

# Real upstream versions per release (first stable point releases).
VERSIONS = {
    'keystone': ('10.0.3', '11.0.4', '12.0.3', '13.0.4'),
    'nova': ('14.1.0', '15.1.5', '16.1.8', '17.0.13'),
    'mariadb': ('10.1.20', '10.1.20', '10.1.20', '10.1.20'),
    'rabbitmq-server': ('3.6.3', '3.6.5', '3.6.5', '3.6.16'),
    'haproxy': ('1.5.18', '1.5.18', '1.5.18', '1.5.18'),
    'keepalived': ('1.2.13', '1.3.5', '1.3.5', '1.3.5'),
    'docker': ('1.12.6', '1.12.6', '1.13.1', '1.13.1'),
    'openstack-tripleo-common': ('5.4.1', '6.1.7', '7.6.13', '8.7.0'),
    'openstack-heat-agents': ('1.0.1', '1.0.1', '1.4.0', '1.5.4'),
    'os-collect-config': ('5.2.1', '6.1.0', '7.2.3', '8.3.1'),
    'httpd': ('2.4.6', '2.4.6', '2.4.6', '2.4.6'),
    'rpm-python': ('4.11.3', '4.11.3', '4.11.3', '4.11.3'),
    'jq': ('1.5', '1.5', '1.5', '1.5'),
}

# Schema migrations each release brings, applied by the DB sync of the
# bootstrap node, exactly once and in this order.
MIGRATIONS = {
    'keystone': {
        'newton': ['096_drop_role_domain_id_fk', '097_drop_user_name_fk'],
        'ocata': ['010_contract_add_local_user_foreign_keys',
                  '011_contract_user_id_unique'],
        'pike': ['022_contract_add_default_project_id_index',
                 '023_contract_add_second_password_column'],
        'queens': ['043_contract_add_application_credentials',
                   '044_contract_add_expiration_column'],
    },
}


class NodeError(Exception):
    pass


def _release_index(package, version):
    """The newest release whose version of `package` is `version`."""
    versions = VERSIONS[package]
    return len(versions) - 1 - versions[::-1].index(version)


class Node(object):
    def __init__(self, root):
        self.root = root
        self.state_file = os.path.join(root, 'state.json')
        self.db_path = os.path.join(root, 'var', 'lib', 'demo-db.sqlite')

    # -- state ---------------------------------------------------------
    def load(self):
        if not os.path.exists(self.state_file):
            raise NodeError('%s is not an initialised demo node' % self.root)
        with open(self.state_file) as f:
            return json.load(f)

    def save(self, state):
        tmp = self.state_file + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(state, f, indent=2, sort_keys=True)
        os.replace(tmp, self.state_file)

    def log(self, text):
        stamp = datetime.datetime.now(datetime.timezone.utc).isoformat()
        with open(os.path.join(self.root, 'history.log'), 'a') as f:
            f.write('%s %s\n' % (stamp, text))

    def _db(self):
        db = sqlite3.connect(self.db_path)
        db.execute('CREATE TABLE IF NOT EXISTS migrations (seq INTEGER '
                   'PRIMARY KEY AUTOINCREMENT, service TEXT, release TEXT, '
                   'name TEXT, applied_at TEXT, UNIQUE (service, name))')
        return db

    def _injected_delay(self, words):
        """Sleep as `slow-on` asks ("SECONDS WORD..."): a long step."""
        path = os.path.join(self.root, 'slow-on')
        if os.path.exists(path):
            with open(path) as f:
                seconds, *wanted = f.read().split()
            if wanted == words[:len(wanted)]:
                time.sleep(float(seconds))

    def _check_injected_failure(self, words):
        path = os.path.join(self.root, 'fail-on')
        if os.path.exists(path):
            with open(path) as f:
                wanted = f.read().split()
            if wanted and wanted == words[:len(wanted)]:
                raise NodeError('injected failure: %s (remove %s)'
                                % (' '.join(words), path))

    # -- commands ------------------------------------------------------
    def init(self, packages, services, databases, release='newton'):
        os.makedirs(os.path.join(self.root, 'var', 'lib'), exist_ok=True)
        index = RELEASES.index(release)
        state = {'repo': release,
                 'packages': {p: VERSIONS[p][index] for p in packages},
                 'services': {s: 'running' for s in services},
                 'databases': sorted(databases)}
        self.save(state)
        with self._db() as db:
            for service in databases:
                for rel in RELEASES[:index + 1]:
                    for name in MIGRATIONS[service][rel]:
                        db.execute('INSERT OR IGNORE INTO migrations '
                                   '(service, release, name, applied_at) '
                                   'VALUES (?, ?, ?, ?)',
                                   (service, rel, name, 'initial deploy'))
        self.log('initialised at %s' % release)

    def repo(self, release):
        state = self.load()
        previous, state['repo'] = state['repo'], release
        self.save(state)
        self.log('repo %s -> %s' % (previous, release))

    def service(self, name, action):
        state = self.load()
        if name not in state['services']:
            raise NodeError('no service %s on this node' % name)
        state['services'][name] = 'running' if action == 'start' else (
            'stopped')
        self.save(state)
        self.log('service %s %s' % (name, action))

    def package(self, name, release):
        """Update `name` to the repos' version; never downgrade (as yum)."""
        state = self.load()
        if name not in state['packages']:
            raise NodeError('package %s is not installed' % name)
        if state['repo'] != release:
            raise NodeError('%s for %s is not in the repos (they carry %s)'
                            % (name, release, state['repo']))
        index = RELEASES.index(release)
        current = state['packages'][name]
        if _release_index(name, current) >= index:
            print('%s %s is installed; nothing to update' % (name, current))
            return
        state['packages'][name] = VERSIONS[name][index]
        self.save(state)
        self.log('package %s %s -> %s' % (
            name, current, VERSIONS[name][index]))

    def migrate(self, service, release):
        state = self.load()
        if service not in state['databases']:
            raise NodeError('no %s database on this node' % service)
        if state['services'].get('mariadb', 'running') != 'running':
            raise NodeError('%s db sync needs the database server running'
                            % service)
        index = RELEASES.index(release)
        installed = state['packages'][service]
        if _release_index(service, installed) < index:
            raise NodeError('%s db sync to %s needs %s code, found %s' % (
                service, release, release, installed))
        with self._db() as db:
            applied = {r[0] for r in db.execute(
                'SELECT name FROM migrations WHERE service = ?', (service,))}
            for rel in RELEASES[:index]:
                missing = set(MIGRATIONS[service][rel]) - applied
                if missing:
                    raise NodeError('%s migrations of %s not applied yet: %s'
                                    % (service, rel, sorted(missing)))
            now = datetime.datetime.now(datetime.timezone.utc).isoformat()
            for name in MIGRATIONS[service][release]:
                if name not in applied:
                    db.execute('INSERT INTO migrations (service, release, '
                               'name, applied_at) VALUES (?, ?, ?, ?)',
                               (service, release, name, now))
                    self.log('migration %s %s' % (service, name))
        # The node's own record of each DB sync, applied or not.
        self.log('db sync %s to %s' % (service, release))

    def migrations(self):
        if not os.path.exists(self.db_path):
            return []
        with self._db() as db:
            return [{'service': s, 'release': r, 'name': n}
                    for s, r, n in db.execute(
                        'SELECT service, release, name FROM migrations '
                        'ORDER BY seq')]

    def show(self):
        state = self.load()
        state['migrations'] = self.migrations()
        return state


def main(argv=None):
    parser = argparse.ArgumentParser(prog='node_tool')
    parser.add_argument('--root', required=True)
    sub = parser.add_subparsers(dest='command', required=True)
    sub.add_parser('repo').add_argument('release', choices=RELEASES)
    service = sub.add_parser('service')
    service.add_argument('name')
    service.add_argument('action', choices=('start', 'stop'))
    package = sub.add_parser('package')
    package.add_argument('name')
    package.add_argument('release', choices=RELEASES)
    migrate = sub.add_parser('migrate')
    migrate.add_argument('service', choices=sorted(MIGRATIONS))
    migrate.add_argument('release', choices=RELEASES)
    sub.add_parser('show')
    args = parser.parse_args(argv)

    node = Node(args.root)
    words = [w for w in (argv if argv is not None else sys.argv[1:])]
    words = words[words.index(args.command):]
    try:
        node._injected_delay(words)
        node._check_injected_failure(words)
        if args.command == 'repo':
            node.repo(args.release)
        elif args.command == 'service':
            node.service(args.name, args.action)
        elif args.command == 'package':
            node.package(args.name, args.release)
        elif args.command == 'migrate':
            node.migrate(args.service, args.release)
        else:
            print(json.dumps(node.show(), indent=2, sort_keys=True))
    except NodeError as e:
        sys.stderr.write('node_tool: %s\n' % e)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
