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

"""tripleo-ffu-sandbox: one function per subcommand, in one table.

Each entry of COMMANDS is (name, help, add_arguments, run); run(sandbox,
args) prints what it has to say and returns the exit status. Every
command but `up` needs a sandbox in the state dir and says so in one
sentence when there is none.
"""

import argparse
import functools
import json
import sys

from tripleo_ffu_sandbox.components import mistral
from tripleo_ffu_sandbox.node import node_tool
from tripleo_ffu_sandbox import overclouds
from tripleo_ffu_sandbox.processes import SandboxError
from tripleo_ffu_sandbox import queens
from tripleo_ffu_sandbox import report
from tripleo_ffu_sandbox import sandbox as sandbox_mod
from tripleo_ffu_sandbox import state


def _computes(parser):
    parser.add_argument(
        '--computes', type=int, default=1,
        help='Compute nodes of a queens overcloud (default 1; each a '
             'container with its own sshd).')


def _up_arguments(parser):
    parser.add_argument('--transport', default='fake',
                        choices=mistral.TRANSPORTS,
                        help='Mistral RPC transport: fake (default; API, '
                             'engine, executor, notifier in one process) or '
                             'rabbit (the stock multi-process mistral-server '
                             'over a private RabbitMQ).')
    parser.add_argument('--overcloud', default='demo',
                        choices=overclouds.KINDS,
                        help='The overcloud stack "overcloud": demo (default; '
                             'hand-written Newton-era templates, fast) or '
                             'queens (the real tripleo-heat-templates %s, '
                             'keystone-only Controller + Compute).'
                             % queens.THT_VERSION)
    parser.add_argument('--undercloud', default='current',
                        choices=state.UNDERCLOUDS,
                        help='The undercloud\'s servers: current (default; '
                             'Mistral and Heat of this Python, on '
                             'PostgreSQL) or queens (Mistral 6 and Heat 10 '
                             'on Python 2.7, MariaDB, RabbitMQ, Ansible 2.9: '
                             'a Queens undercloud).')
    parser.add_argument('--queens-venv',
                        help='The Python 2.7 venv of a queens undercloud '
                             '(default: $%s, else ./.venv-queens; '
                             'tools/setup-queens-env.sh makes it).'
                             % state.QUEENS_VENV_ENV)
    _computes(parser)


def _up(sandbox, args):
    sandbox.up(args.transport, args.overcloud, args.computes,
               args.undercloud, args.queens_venv)


def _stack_arguments(parser):
    parser.add_argument('kind', choices=overclouds.KINDS)
    parser.add_argument('--name', required=True, help='Stack name.')
    _computes(parser)


def _stack(sandbox, args):
    sandbox.create_stack(args.kind, args.name, args.computes)


def _environments_arguments(parser):
    parser.add_argument('kind', choices=overclouds.KINDS)
    parser.add_argument('step', choices=('prepare', 'converge'))
    parser.add_argument('--stack', default='queens',
                        help='The queens stack (default queens).')


def _environments(sandbox, args):
    # Only the arguments on stdout: they are read by $(...); what the
    # sandbox says meanwhile (rendering the templates once) goes to stderr.
    sandbox.out = functools.partial(print, file=sys.stderr)
    print(' '.join(sandbox.step_arguments(args.kind, args.step,
                                          args.stack)))


def _fixture_arguments(parser):
    parser.add_argument('--stack', default=state.STACK)
    parser.add_argument('output', help='File to write.')


def _fixture(sandbox, args):
    sandbox.overclouds.write_fixture(args.stack, args.output)


def _status(sandbox, args):
    rows = sandbox.status()
    for row in rows:
        print(('%-16s %-16s %s' % row).rstrip())
    return 0 if all(r[1] != 'down' for r in rows) else 1


def _nodes_arguments(parser):
    parser.add_argument('--json', action='store_true',
                        help='A JSON snapshot, for verify --before.')
    parser.add_argument('--queens', action='store_true',
                        help='The Queens stack\'s node containers, read '
                             'over SSH.')


def _nodes(sandbox, args):
    if args.queens:
        snapshot = report.queens_snapshot(sandbox)
        print(json.dumps(snapshot, indent=2) if args.json else
              report.compare_table(snapshot, snapshot))
    elif args.json:
        print(json.dumps(report.snapshot(sandbox), indent=2))
    else:
        print(report.nodes_table(sandbox))


def _verify_arguments(parser):
    parser.add_argument('--release', default='queens',
                        choices=node_tool.RELEASES)
    parser.add_argument('--before', metavar='FILE',
                        help='A snapshot from "nodes --json": show before '
                             '-> after.')
    parser.add_argument('--queens', action='store_true',
                        help='Check the Queens stack\'s nodes (read over '
                             'SSH) after the whole procedure instead: the '
                             'FFU run and the final Queens step per role.')
    parser.add_argument('--walk-only', action='store_true',
                        help='With --queens: check what the FFU run alone '
                             'leaves (before the final Queens step).')


def _read_snapshot(path, default):
    if not path:
        return default
    with open(path) as f:
        return json.load(f)


def _report_problems(problems, what):
    if not problems:
        return 0
    print('NOT %s:' % what)
    for problem in problems:
        print('  - %s' % problem)
    return 1


def _verify(sandbox, args):
    if args.queens:
        return _verify_queens(sandbox, args)
    problems = report.verify(sandbox, args.release)
    if args.before:
        print(report.compare_table(_read_snapshot(args.before, None),
                                   report.snapshot(sandbox)))
    else:
        print(report.nodes_table(sandbox))
    if _report_problems(problems, 'at %s' % args.release):
        return 1
    print('Verified: every demo node is at %s, migrations applied once and '
          'in order on the bootstrap node only, services running, workload '
          'answering.' % args.release)


def _verify_queens(sandbox, args):
    problems = (report.verify_queens_walk(sandbox) if args.walk_only
                else report.verify_queens(sandbox))
    after = report.queens_snapshot(sandbox)
    print(report.compare_table(_read_snapshot(args.before, after), after))
    if _report_problems(problems, 'what the %s leaves' % (
            'fast-forward upgrade run' if args.walk_only else
            'whole Queens procedure')):
        return 1
    if args.walk_only:
        print('Verified on the nodes: repositories at queens; on the '
              'bootstrap node the services walked ocata then pike and each '
              'migration was applied once, in order; no DB sync elsewhere; '
              'heat agents updated; the workload answers.')
    else:
        print('Verified on the nodes: repositories and packages at queens; '
              'on the bootstrap node every release\'s migrations applied '
              'once, in order (queens\' by the deploy steps); no DB sync '
              'elsewhere; each role\'s containers running; the workload '
              'answers.')


def _no_arguments(parser):
    pass


# (name, help, add_arguments, run): the subcommands, in --help's order.
COMMANDS = (
    ('up', 'Start everything (no-op if running).', _up_arguments, _up),
    ('stack', 'Create another overcloud stack.', _stack_arguments, _stack),
    ('environments', 'The arguments of prepare or converge for a demo or '
                     'queens stack (for queens, upstream\'s: --templates, '
                     '-r, -p, -e).', _environments_arguments,
     _environments),
    ('fixture', 'Write the outputs of a stack as a test fixture (JSON, '
                'generated secrets replaced).', _fixture_arguments, _fixture),
    ('down', 'Stop what up started; keep the data.', _no_arguments,
     lambda sandbox, args: sandbox.down() and None),
    ('status', 'Health of each server and the stack.', _no_arguments,
     _status),
    ('versions', 'The versions of the undercloud\'s Python, openstack '
                 'CLI, Mistral, Heat and Ansible.', _no_arguments,
     lambda sandbox, args: [print('%-24s %s' % row)
                            for row in sandbox.versions()] and None),
    ('env', 'Print the OS_* variables for openstack.', _no_arguments,
     lambda sandbox, args: print(sandbox.rc_text(), end='')),
    ('reset-nodes', 'Put the overcloud nodes back at Newton.',
     _no_arguments, lambda sandbox, args: sandbox.reset_nodes()),
    ('nodes', 'Packages, services and migrations of the demo nodes.',
     _nodes_arguments, _nodes),
    ('verify', 'Check the demo overcloud reached a release; exit 1 with '
               'what is wrong otherwise.', _verify_arguments, _verify),
)
# What makes sense without a sandbox in the state dir.
WITHOUT_SANDBOX = ('up', 'status')


def parser():
    main_parser = argparse.ArgumentParser(
        prog='tripleo-ffu-sandbox',
        description='A local undercloud (PostgreSQL, Heat, Mistral) on '
                    'loopback with a demo Newton overcloud to upgrade.')
    main_parser.add_argument(
        '--state-dir',
        help='Where everything lives (default: , '
             'else %s).' % state.default_state_dir())
    sub = main_parser.add_subparsers(dest='command', required=True)
    for name, help_text, add_arguments, run in COMMANDS:
        command = sub.add_parser(name, help=help_text)
        add_arguments(command)
        command.set_defaults(run=run)
    return main_parser


def main(argv=None):
    args = parser().parse_args(argv)
    sandbox = sandbox_mod.Sandbox(args.state_dir)
    try:
        if args.command not in WITHOUT_SANDBOX:
            sandbox.require()
        return args.run(sandbox, args) or 0
    except SandboxError as e:
        sys.stderr.write('tripleo-ffu-sandbox %s: %s\n' % (args.command, e))
        return 1


if __name__ == '__main__':
    sys.exit(main())
