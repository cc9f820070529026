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

"""tripleo-ffu-sandbox: up | stack | fixture | down | status | env | nodes |
verify."""

import argparse
import json
import sys

from tripleo_ffu.sandbox import node_tool
from tripleo_ffu.sandbox import queens
from tripleo_ffu.sandbox import report
from tripleo_ffu.sandbox import sandbox as sandbox_mod
from tripleo_ffu.sandbox.processes import SandboxError


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='tripleo-ffu-sandbox',
        description='A local undercloud (PostgreSQL, Heat, Mistral) on '
                    'loopback with a demo Newton overcloud to upgrade.')
    parser.add_argument(
        '--state-dir',
        help='Where everything lives (default: $TRIPLEO_FFU_SANDBOX_DIR, '
             'else %s).' % sandbox_mod.default_state_dir())
    sub = parser.add_subparsers(dest='command', required=True)
    up = sub.add_parser('up', help='Start everything (no-op if running).')
    up.add_argument('--transport', default='fake',
                    choices=sandbox_mod.TRANSPORTS,
                    help='Mistral RPC transport: fake (default; API, '
                         'engine, executor, notifier in one process) or '
                         'rabbit (the stock multi-process mistral-server '
                         'over a private RabbitMQ).')
    up.add_argument('--overcloud', default='demo',
                    choices=sandbox_mod.OVERCLOUDS,
                    help='The overcloud stack "overcloud": demo (default; '
                         'hand-written Newton-era templates, fast) or '
                         'queens (the real tripleo-heat-templates %s, '
                         'keystone-only Controller + Compute).'
                         % queens.THT_VERSION)
    stack = sub.add_parser('stack', help='Create another overcloud stack.')
    stack.add_argument('kind', choices=sandbox_mod.OVERCLOUDS)
    stack.add_argument('--name', required=True, help='Stack name.')
    for command in (up, stack):
        command.add_argument(
            '--computes', type=int, default=1,
            help='Compute nodes of a queens overcloud (default 1; each a '
                 'container with its own sshd).')
    envs = sub.add_parser(
        'environments', help='The -e arguments of prepare or converge for '
                             'a demo or queens stack.')
    envs.add_argument('kind', choices=sandbox_mod.OVERCLOUDS)
    envs.add_argument('step', choices=('prepare', 'converge'))
    fixture = sub.add_parser(
        'fixture', help='Write the outputs of a stack as a test fixture '
                        '(JSON, generated secrets replaced).')
    fixture.add_argument('--stack', default=sandbox_mod.STACK)
    fixture.add_argument('output', help='File to write.')
    sub.add_parser('down', help='Stop what up started; keep the data.')
    sub.add_parser('status', help='Health of each server and the stack.')
    sub.add_parser('env', help='Print the OS_* variables for openstack.')
    sub.add_parser('reset-nodes', help='Put the demo nodes back at Newton.')
    nodes = sub.add_parser('nodes', help='Packages, services and migrations '
                                         'of the demo nodes.')
    nodes.add_argument('--json', action='store_true',
                       help='A JSON snapshot, for verify --before.')
    nodes.add_argument('--queens', action='store_true',
                       help='The Queens stack\'s node containers, read '
                            'over SSH.')
    verify = sub.add_parser(
        'verify', help='Check the demo overcloud reached a release; exit 1 '
                       'with what is wrong otherwise.')
    verify.add_argument('--release', default='queens',
                        choices=node_tool.RELEASES)
    verify.add_argument('--before', metavar='FILE',
                        help='A snapshot from "nodes --json": show before '
                             '-> after.')
    verify.add_argument('--queens', action='store_true',
                        help='Check the Queens stack\'s nodes (read over '
                             'SSH) after the whole procedure instead: the '
                             'FFU run and the final Queens step per role.')
    verify.add_argument('--walk-only', action='store_true',
                        help='With --queens: check what the FFU run alone '
                             'leaves (before the final Queens step).')
    args = parser.parse_args(argv)

    sandbox = sandbox_mod.Sandbox(args.state_dir)
    try:
        if args.command == 'up':
            sandbox.up(args.transport, args.overcloud, args.computes)
        elif args.command == 'stack':
            sandbox.create_stack(args.kind, args.name, args.computes)
        elif args.command == 'environments':
            print(' '.join('-e %s' % path for path in
                           sandbox.environments(args.kind, args.step)))
        elif args.command == 'fixture':
            sandbox.write_fixture(args.stack, args.output)
        elif args.command == 'down':
            sandbox.down()
        elif args.command == 'status':
            rows = sandbox.status()
            for row in rows:
                print('%-16s %-16s %s' % row)
            return 0 if all(r[1] != 'down' for r in rows) else 1
        elif args.command == 'env':
            print(sandbox.rc_text(), end='')
        elif args.command == 'reset-nodes':
            sandbox.reset_nodes()
        elif args.command == 'nodes' and args.queens:
            snapshot = report.queens_snapshot(sandbox)
            print(json.dumps(snapshot, indent=2) if args.json else
                  report.compare_table(snapshot, snapshot))
        elif args.command == 'verify' and args.queens:
            problems = (report.verify_queens_walk(sandbox) if args.walk_only
                        else report.verify_queens(sandbox))
            after = report.queens_snapshot(sandbox)
            before = after
            if args.before:
                with open(args.before) as f:
                    before = json.load(f)
            print(report.compare_table(before, after))
            if problems:
                print('NOT what the %s leaves:' % (
                    'fast-forward upgrade run' if args.walk_only else
                    'whole Queens procedure'))
                for problem in problems:
                    print('  - %s' % problem)
                return 1
            if args.walk_only:
                print('Verified on the nodes: repositories at queens; on '
                      'the bootstrap node the services walked ocata then '
                      'pike and each migration was applied once, in order; '
                      'no DB sync elsewhere; heat agents updated; the '
                      'workload answers.')
            else:
                print('Verified on the nodes: repositories and packages at '
                      'queens; on the bootstrap node every release\'s '
                      'migrations applied once, in order (queens\' by the '
                      'deploy steps); no DB sync elsewhere; each role\'s '
                      'containers running; the workload answers.')
        elif args.command == 'nodes':
            if args.json:
                print(json.dumps(report.snapshot(sandbox), indent=2))
            else:
                print(report.nodes_table(sandbox))
        elif args.command == 'verify':
            problems = report.verify(sandbox, args.release)
            if args.before:
                with open(args.before) as f:
                    print(report.compare_table(json.load(f),
                                               report.snapshot(sandbox)))
            else:
                print(report.nodes_table(sandbox))
            if problems:
                print('NOT at %s:' % args.release)
                for problem in problems:
                    print('  - %s' % problem)
                return 1
            print('Verified: every demo node is at %s, migrations applied '
                  'once and in order on the bootstrap node only, services '
                  'running, workload answering.' % args.release)
    except SandboxError as e:
        sys.stderr.write('tripleo-ffu-sandbox %s: %s\n' % (args.command, e))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
