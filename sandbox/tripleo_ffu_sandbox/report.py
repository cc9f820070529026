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

"""What the overcloud's nodes look like, and whether they reached a release.

The tables fit 80 columns: node and package names up to 24 characters,
versions up to 8.
"""

from tripleo_ffu_sandbox.components import demo_nodes
from tripleo_ffu_sandbox.node import el7
from tripleo_ffu_sandbox.node import node_tool
from tripleo_ffu_sandbox.processes import http_ok


def nodes_table(sandbox):
    """A plain-text table: one line per node and package."""
    row = '%-24s %-24s %-8s %-8s'
    lines = [row % ('NODE', 'PACKAGE', 'VERSION', 'SERVICE')]
    for hostname in sorted(demo_nodes.NODES):
        state = sandbox.node_state(hostname)
        for package, version in sorted(state['packages'].items()):
            service = state['services'].get(package, '-')
            lines.append(row % (hostname, package, version, service))
        lines.append('%-24s %-24s %s' % (hostname, 'repos', state['repo']))
        applied = ['%s/%s' % (m['release'], m['name'])
                   for m in state['migrations']
                   if m['release'] != 'newton']
        lines.append('%-24s %-24s %s' % (hostname, 'migrations since newton',
                                         ', '.join(applied) or 'none'))
    answering = http_ok(sandbox.workload_url)
    lines.append('workload on %s: %s' % (
        demo_nodes.WORKLOAD_NODE,
        'answering' if answering else 'NOT ANSWERING'))
    return '\n'.join(line.rstrip() for line in lines)


def snapshot(sandbox):
    """{node: {package: version, 'repos': release}}, for before/after."""
    result = {}
    for hostname in sorted(demo_nodes.NODES):
        state = sandbox.node_state(hostname)
        result[hostname] = dict(state['packages'], repos=state['repo'])
        result[hostname][MIGRATIONS_ROW] = migrations_since_newton(state)
    return result


# The same count as the "nodes" table lists.
MIGRATIONS_ROW = 'migrations since newton'


def migrations_since_newton(state):
    return str(sum(1 for m in state['migrations']
                   if m['release'] != 'newton'))


def compare_table(before, after):
    """Before -> after, a line per node and package, upgrades marked."""
    lines = ['%-24s %-24s %-8s    %-8s' % ('NODE', 'PACKAGE', 'BEFORE',
                                           'AFTER')]
    for hostname in sorted(after):
        old_node = before.get(hostname, {})
        for name in sorted(set(old_node) | set(after[hostname])):
            old = old_node.get(name, '-')
            new = after[hostname].get(name, '-')
            # A task can report "changed" (reinstalled, reconfigured)
            # without a new version: such rows say so.
            label = ('removed' if new == '-' else 'added' if old == '-'
                     else 'upgraded' if old != new else 'unchanged')
            lines.append('%-24s %-24s %-8s -> %-8s %s' % (
                hostname, name, old, new, label))
    return '\n'.join(line.rstrip() for line in lines)


def verify(sandbox, release):
    """[problem, ...]; empty when every node is fully at `release`."""
    problems = []
    index = node_tool.RELEASES.index(release)
    for hostname, spec in sorted(demo_nodes.NODES.items()):
        state = sandbox.node_state(hostname)
        if state['repo'] != release:
            problems.append('%s repos at %s' % (hostname, state['repo']))
        for package, version in sorted(state['packages'].items()):
            wanted = node_tool.VERSIONS[package][index]
            if version != wanted:
                problems.append('%s %s is %s, not %s' % (
                    hostname, package, version, wanted))
        for service, running in sorted(state['services'].items()):
            if running != 'running':
                problems.append('%s service %s is %s' % (
                    hostname, service, running))
        expected = [(s, r, n) for s in spec['databases']
                    for r in node_tool.RELEASES[:index + 1]
                    for n in node_tool.MIGRATIONS[s][r]]
        got = [(m['service'], m['release'], m['name'])
               for m in state['migrations']]
        if got != expected:
            problems.append('%s migrations are %s, expected %s' % (
                hostname, got, expected))
    if not http_ok(sandbox.workload_url):
        problems.append('the workload on %s does not answer'
                        % demo_nodes.WORKLOAD_NODE)
    return problems


# -- the Queens stack's node containers ----------------------------------
def queens_snapshot(sandbox):
    """{node: {package: version, repos, migrations}}, read over SSH."""
    result = {}
    for node in sandbox.node_containers():
        state = sandbox.node_report(node.hostname)
        result[node.hostname] = dict(state['packages'], repos=state['repo'])
        result[node.hostname][MIGRATIONS_ROW] = migrations_since_newton(
            state)
        result[node.hostname][CONTAINERS_ROW] = str(len(
            running_containers(state)))
    return result


CONTAINERS_ROW = 'containers running'
# The containers the final Queens step must leave running, per role.
QUEENS_CONTAINERS = {
    'Controller': ('mysql', 'keystone', 'rabbitmq', 'haproxy',
                   'keepalived'),
    'Compute': ('nova_compute', 'nova_libvirt'),
}


def running_containers(state):
    return sorted(name for name, c in state.get('containers', {}).items()
                  if c['status'] == 'running')


def verify_queens(sandbox):
    """[problem, ...] after the whole procedure on the Queens nodes.

    After the walk and the final Queens step: every node's repositories
    and packages at the last release; on the bootstrap node each
    database's migrations of every release, once and in order (the last
    by the deploy steps' DB sync container); no DB sync elsewhere; each
    role's containers running; the workload answering.
    """
    last = node_tool.RELEASES[-1]
    problems = []
    for node in sandbox.node_containers():
        state = sandbox.node_report(node.hostname)
        problems += _node_problems(node, state, last)
        for package, version in sorted(state['packages'].items()):
            if version != el7.version_for(package, last):
                problems.append('%s %s is %s, not %s' % (
                    node.hostname, package, version,
                    el7.version_for(package, last)))
        missing = sorted(set(QUEENS_CONTAINERS[node.spec['role']]) -
                         set(running_containers(state)))
        if missing:
            problems.append('%s containers not running: %s'
                            % (node.hostname, ', '.join(missing)))
    if not sandbox.node_containers():
        problems.append('the sandbox has no Queens node containers')
    return problems


def _node_problems(node, state, migrated_through):
    """What every check of a Queens node shares.

    Repositories at the last release; on the bootstrap node each
    database's migrations of every release through `migrated_through`,
    once and in order; no DB sync elsewhere; the workload answering.
    """
    releases = node_tool.RELEASES
    name, spec = node.hostname, node.spec
    problems = []
    if state['repo'] != releases[-1]:
        problems.append('%s repos at %s' % (name, state['repo']))
    expected = [(service, release, migration)
                for service in spec['databases']
                for release in releases[:releases.index(
                    migrated_through) + 1]
                for migration in node_tool.MIGRATIONS[service][release]]
    got = [(m['service'], m['release'], m['name'])
           for m in state['migrations']]
    if got != expected:
        problems.append('%s migrations are %s, expected %s'
                        % (name, got, expected))
    syncs = [c for c in state['calls'] if 'db_sync' in c]
    if spec['hieradata']['bootstrap_nodeid'] != name and syncs:
        problems.append('%s (not a bootstrap node) ran %s' % (name, syncs))
    if spec.get('workload_port') and not http_ok(
            'http://%s:%d/' % (node.address, spec['workload_port'])):
        problems.append('the workload on %s does not answer' % name)
    return problems


def verify_queens_walk(sandbox):
    """[problem, ...] after the FFU run on the Queens stack's nodes.

    The walk leaves: every node's repositories at the last release; on the
    bootstrap node each database's migrations of every release but the
    last, once and in order, and its services' packages at the release
    before the last (the last comes with the final Queens step); on the
    other nodes no DB sync and their services' packages untouched; the
    heat agents updated everywhere; the workload answering.
    """
    releases = node_tool.RELEASES
    last, walked = releases[-1], releases[-2]
    problems = []
    for node in sandbox.node_containers():
        state = sandbox.node_report(node.hostname)
        name = node.hostname
        problems += _node_problems(node, state, walked)
        for package in ('os-collect-config', 'openstack-heat-agents'):
            if state['packages'].get(package) != el7.version_for(package,
                                                                 last):
                problems.append('%s %s is %s' % (
                    name, package, state['packages'].get(package)))
        bootstrap = node.spec['hieradata']['bootstrap_nodeid'] == name
        release = walked if bootstrap else releases[0]
        for package in ('openstack-keystone', 'openstack-nova-compute'):
            if package in state['packages'] and state['packages'][
                    package] != el7.version_for(package, release):
                problems.append('%s %s is %s, expected %s (%s)' % (
                    name, package, state['packages'][package],
                    el7.version_for(package, release), release))
    if not sandbox.node_containers():
        problems.append('the sandbox has no Queens node containers')
    return problems
