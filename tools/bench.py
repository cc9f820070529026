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

"""Benchmarks: what the tooling costs, as ratios against a baseline.

Run from the project venv (tools/setup-env.sh makes it):

    python tools/bench.py                 # everything, N=3
    python tools/bench.py --only cli,scale -n 5

Items: cli (start-up), scale (config download at 10/100/1000 nodes),
sandbox (up, cold and warm), prepare (breakdown; CLI vs workflow),
run (CLI vs the reproduce script), latency (Ansible event -> CLI line),
runner (our run layer and ansible-runner's against bare Ansible),
queens (THT 8.4.1's FFU run over SSH at 2, 10 and 20 nodes; not in the
default set: python tools/bench.py --only queens -n 1).
The sandbox items start their own sandbox in a temporary state dir and
stop it at the end. Prints one table.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
BIN = os.path.dirname(sys.executable)
from tripleo_ffu_sandbox.components import node_containers  # noqa: E402
from tripleo_ffu_sandbox import overclouds  # noqa: E402
from tripleo_ffu_sandbox import sandbox as sandbox_mod  # noqa: E402

PREPARE_ENVS = overclouds.demo_environments('prepare')
PREPARE_ARGS = [arg for path in PREPARE_ENVS for arg in ('-e', path)]
ROWS = []


def row(item, what, value, baseline=None, goal=''):
    ROWS.append((item, what, value, baseline, goal))
    print('  %-10s %-46s %s' % (item, what, _fmt(value, baseline)),
          flush=True)


def _fmt(value, baseline):
    if isinstance(value, str):
        return value
    text = '%.3f' % value
    if baseline:
        text += '  (ratio %.2f)' % (value / baseline)
    return text


def timed(argv, env=None, capture=True, cwd=None):
    started = time.monotonic()
    proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE if capture
                          else None, stderr=subprocess.STDOUT, text=True,
                          stdin=subprocess.DEVNULL, cwd=cwd)
    elapsed = time.monotonic() - started
    if proc.returncode:
        raise SystemExit('%s failed:\n%s' % (' '.join(argv),
                                             (proc.stdout or '')[-3000:]))
    return elapsed, proc.stdout


def spread(values):
    return 'median %.2f s (min %.2f, max %.2f, n=%d)' % (
        statistics.median(values), min(values), max(values), len(values))


# -- 5. CLI start-up -------------------------------------------------------
def bench_cli(args, _box):
    openstack = os.path.join(BIN, 'openstack')
    base, ours, builtin = [], [], []
    for _ in range(args.n):
        base.append(timed([openstack, '--version'])[0])
        ours.append(timed([openstack, 'overcloud', 'ffwd-upgrade', 'prepare',
                           '--help'])[0])
        builtin.append(timed([openstack, 'server', 'list', '--help'])[0])
    b, o = statistics.median(base), statistics.median(ours)
    row('cli', 'openstack --version (s, median)', b)
    row('cli', 'ffwd-upgrade prepare --help (s, median)', o, b,
        'ratio <= 1.2')
    # What any command's --help costs in this OSC, plugin or not.
    row('cli', 'OSC built-in: server list --help (s, median)',
        statistics.median(builtin), b)


# -- 3. config download at scale ------------------------------------------
SCALE_CHILD = r'''
import json, os, resource, sys, tempfile, time
sys.path.insert(0, %(root)r)
from tripleo_ffu.config import download
nodes = int(sys.argv[1])
if not nodes:  # the interpreter and the module alone
    print(json.dumps({'peak_mb': resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024.0}))
    sys.exit(0)
roles, services = 12, 60
per_role = [nodes // roles + (1 if r < nodes %% roles else 0)
            for r in range(roles)]
def tasks(role, svc):
    return [{'name': '%%s %%s step %%d' %% (role, svc, step),
             'command': 'systemctl stop %%s' %% svc,
             'when': ["release == 'ocata'", 'step|int == %%d' %% step]}
            for step in (2, 3, 6, 8)]
role_data, hosts, ips, ids, boot = {}, {}, {}, {}, {}
for r in range(roles):
    role = 'Role%%d' %% r
    role_data[role] = {
        'fast_forward_upgrade_tasks': [t for s in range(services)
                                       for t in tasks(role, 's%%d' %% s)],
        'upgrade_tasks': [t for s in range(services)
                          for t in tasks(role, 'u%%d' %% s)]}
    names = ['%%s-%%d' %% (role.lower(), i) for i in range(per_role[r])]
    hosts[role] = {'ctlplane': names}
    # 198.18.0.0/15 is set aside for benchmarks; nothing is contacted.
    ips[role] = {'ctlplane': ['198.18.%%d.%%d' %% (r * 8 + i // 250, i %% 250)
                              for i in range(len(names))]}
    ids[role] = ['id-%%s' %% n for n in names]
    boot[role] = ids[role][0] if ids[role] else None
outputs = [
    {'output_key': 'RoleData', 'output_value': role_data},
    {'output_key': 'RoleConfig', 'output_value': {
        'fast_forward_upgrade_playbook': '- hosts: overcloud\n'}},
    {'output_key': 'RoleNetHostnameMap', 'output_value': hosts},
    {'output_key': 'RoleNetIpMap', 'output_value': ips},
    {'output_key': 'ServerIdData', 'output_value': {
        'server_ids': ids, 'bootstrap_server_id': boot}}]
# What Heat hands over: JSON, parsed by the action.
outputs = json.loads(json.dumps(outputs))
work = tempfile.mkdtemp()
started = time.monotonic()
files, report = download.render_config(download.outputs_by_key(outputs),
                                       'heat-admin')
download.write_config(files, work, 'overcloud')
elapsed = time.monotonic() - started
print(json.dumps({'seconds': elapsed, 'files': len(files),
                  'fixed': len(report['fixed_step_order']),
                  'peak_mb': resource.getrusage(
                      resource.RUSAGE_SELF).ru_maxrss / 1024.0}))
'''


def bench_scale(args, _box):
    child = SCALE_CHILD % {'root': ROOT}
    idle = json.loads(subprocess.run(
        [sys.executable, '-c', child, '0'], capture_output=True,
        text=True, check=True).stdout)
    results = {}
    for nodes in (10, 100, 1000):
        runs = [json.loads(subprocess.run(
            [sys.executable, '-c', child, str(nodes)], capture_output=True,
            text=True, check=True).stdout) for _ in range(args.n)]
        results[nodes] = (statistics.median(r['seconds'] for r in runs),
                          max(r['peak_mb'] for r in runs))
    t10 = results[10][0]
    for nodes, (seconds, peak) in results.items():
        row('scale', '%d nodes, 12 roles x 60 svcs: render+write (s)'
            % nodes, seconds, t10 if nodes != 10 else None,
            '1000: < 2 s' if nodes == 1000 else '')
        row('scale', '%d nodes: peak RSS (MB; 0 nodes: %.0f)'
            % (nodes, idle['peak_mb']), peak, None,
            '1000: < 300 MB' if nodes == 1000 else '')


# -- 6. sandbox up ---------------------------------------------------------
class Box(object):
    def __init__(self, up_args=()):
        self.up_args = list(up_args)
        self.state_dir = tempfile.mkdtemp(prefix='tripleo-ffu-bench.',
                                          dir='/var/tmp')
        os.chmod(self.state_dir, 0o755)
        self.cli = [os.path.join(BIN, 'tripleo-ffu-sandbox'), '--state-dir',
                    self.state_dir]
        self.up_seconds = []

    def up(self):
        seconds, _ = timed(self.cli + ['up'] + self.up_args)
        self.up_seconds.append(seconds)
        return seconds

    def env(self):
        env = dict(os.environ)
        env.update(sandbox_mod.Sandbox(self.state_dir).client_env())
        return env

    def reset(self):
        timed(self.cli + ['reset-nodes'])

    def down(self):
        subprocess.run(self.cli + ['down'], capture_output=True)
        shutil.rmtree(self.state_dir, ignore_errors=True)


def bench_sandbox(args, box):
    cold = box.up_seconds[0]
    timed(box.cli + ['down'])
    warm = box.up()
    row('sandbox', 'up, cold: new state dir (s)', cold)
    row('sandbox', 'up, warm: state dir exists (s)', warm, cold)


def openstack(box, *argv):
    return timed([os.path.join(BIN, 'openstack'), 'overcloud',
                  'ffwd-upgrade'] + list(argv), env=box.env())


# -- 2. prepare breakdown --------------------------------------------------
def _task_seconds(mistral, execution_id):
    import datetime

    def parse(text):
        return datetime.datetime.strptime(text, '%Y-%m-%d %H:%M:%S')
    seconds = {}
    for t in mistral.tasks.list(workflow_execution_id=execution_id):
        seconds[t.name] = (parse(t.updated_at) -
                           parse(t.created_at)).total_seconds()
        if getattr(t, 'type', None) == 'WORKFLOW':
            # update_and_wait's own tasks (update_stack, wait_stack).
            for sub in mistral.executions.list(task=t.id):
                seconds.update(_task_seconds(mistral, sub.id))
    return seconds


def bench_prepare(args, box):
    from heatclient.common import template_utils
    from mistralclient.api.v2 import client
    mistral = client.Client(
        mistral_url=sandbox_mod.Sandbox(box.state_dir).mistral_url)
    files, env = template_utils.process_multiple_environments_and_files(
        env_paths=PREPARE_ENVS)
    work_dir = box.env()['TRIPLEO_FFU_WORK_DIR']
    cli, direct, parts = [], [], {}
    for _ in range(args.n):
        seconds, out = openstack(box, 'prepare', '--yes', *PREPARE_ARGS)
        cli.append(seconds)
        started = time.monotonic()
        execution = mistral.executions.create(
            'tripleo.ffwd_upgrade.v1.prepare', workflow_input={
                'stack': 'overcloud', 'environment': env, 'files': files,
                'work_dir': work_dir})
        while mistral.executions.get(execution.id).state == 'RUNNING':
            time.sleep(0.1)
        direct.append(time.monotonic() - started)
        for name, seconds in _task_seconds(mistral, execution.id).items():
            parts.setdefault(name, []).append(seconds)
    for name in ('update_stack', 'wait_stack', 'download_config'):
        row('prepare', '%s task (s, whole seconds, median)' % name,
            statistics.median(parts.get(name, [0])))
    d = statistics.median(direct)
    row('prepare', 'workflow started directly in Mistral (s)', d)
    row('prepare', 'openstack ffwd-upgrade prepare (s)',
        statistics.median(cli), d)


# -- 1. run overhead and 4. progress latency ----------------------------
def ensure_prepared(box):
    """The config dir of the demo stack; prepare first if missing."""
    from tripleo_ffu import paths
    config_dir = paths.config_dir(box.env()['TRIPLEO_FFU_WORK_DIR'],
                                  'overcloud')
    if not os.path.isdir(config_dir):
        openstack(box, 'prepare', '--yes', *PREPARE_ARGS)
    return config_dir


def bench_run(args, box):
    from tripleo_ffu import paths
    config_dir = ensure_prepared(box)
    script = os.path.join(config_dir, paths.COMMAND_SCRIPT)
    by_hand, through_cli = [], []
    for i in range(args.n):
        box.reset()
        through_cli.append(openstack(box, 'run', '--yes')[0])
        box.reset()
        by_hand.append(timed(['bash', script])[0])
    h, c = statistics.median(by_hand), statistics.median(through_cli)
    row('run', 'reproduce script by hand: ' + spread(by_hand), h)
    row('run', 'openstack ffwd-upgrade run: ' + spread(through_cli), c, h,
        'ratio <= 1.10')


def _latencies(box, hide_work_dir=False):
    """Seconds from each result written by the callback to its CLI line.

    Over one demo run, for the changed and failed results shown by default.
    hide_work_dir: the CLI runs where an empty tmpfs hides the executor's
    work dir (as on another host), so it reads the events through Mistral.
    """
    from tripleo_ffu.ansible import events as events_mod
    from tripleo_ffu import runs
    box.reset()
    work_dir = box.env()['TRIPLEO_FFU_WORK_DIR']
    argv = [os.path.join(BIN, 'openstack'), 'overcloud', 'ffwd-upgrade',
            'run', '--yes']
    if hide_work_dir:
        argv = ['unshare', '--mount', '--propagation', 'private', 'sh',
                '-c', 'mount -t tmpfs tmpfs "$0" && exec "$@"',
                work_dir] + argv
    proc = subprocess.Popen(argv, env=box.env(), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, bufsize=1)
    printed = {}  # line -> the times it was printed, in order
    execution = None
    for line in proc.stdout:
        now = time.time()
        if execution is None and '(execution ' in line:
            execution = line.split('(execution ')[1].split(')')[0]
        printed.setdefault(line.rstrip('\n'), []).append(now)
    if proc.wait():
        raise SystemExit('ffwd-upgrade run failed during the latency bench')
    events, _ = events_mod.read_new_events(
        runs.events_file(work_dir, 'overcloud', execution), 0)
    delays = []
    for event in events:
        line = events_mod.format_event(event)
        # The same line can come back: pair the n-th event with the n-th
        # printing.
        if line in printed and printed[line]:
            when = printed[line].pop(0)
            if event['event'].startswith('runner_on'):
                delays.append(when - event['time'])
    return delays


def bench_latency(args, box):
    """Ansible event -> CLI line, from the file and through Mistral."""
    ensure_prepared(box)
    local = _latencies(box)
    row('latency', 'event -> printed (events file): %s' % spread(local),
        statistics.median(local), None, 'median < 0.1 s')
    if os.geteuid() == 0 and shutil.which('unshare'):
        remote = _latencies(box, hide_work_dir=True)
        row('latency', 'event -> printed (via Mistral): %s'
            % spread(remote), statistics.median(remote),
            statistics.median(local), 'median < 1 s')


# -- 7. the real Queens FFU run at 2, 10 and 20 nodes ----------------------
def _node_pss_mb(state_dir):
    """PSS (MB) of everything in each node container's PID namespace."""
    box = sandbox_mod.Sandbox(state_dir, out=lambda *a: None)
    namespaces = {}
    for node in box.node_containers():
        unshare = int(open(node.pid_file).read())
        child = open('/proc/%d/task/%d/children' % (unshare, unshare)
                     ).read().split()[0]
        namespaces[os.readlink('/proc/%s/ns/pid' % child)] = node.hostname
    totals = dict.fromkeys(namespaces.values(), 0.0)
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            host = namespaces.get(os.readlink('/proc/%s/ns/pid' % pid))
            if host is None:
                continue
            with open('/proc/%s/smaps_rollup' % pid) as f:
                for line in f:
                    if line.startswith('Pss:'):
                        totals[host] += int(line.split()[1]) / 1024.0
        except OSError:
            continue
    return totals


def bench_queens(args, _box):
    """THT 8.4.1's FFU playbook over SSH on 1 controller + N-1 computes.

    Product (openstack ffwd-upgrade run through Mistral) against the
    same config run by hand with the product's ansible.cfg (the reproduce
    script) and by a bare ansible-playbook with Ansible's defaults.
    """
    from tripleo_ffu import contract
    from tripleo_ffu import paths
    for nodes in args.queens_nodes:
        box = Box(['--overcloud', 'queens', '--computes', str(nodes - 1)])
        try:
            box.up()
            env = box.env()
            seconds, out = openstack(
                box, 'prepare', '--yes', *sandbox_mod.Sandbox(
                    box.state_dir).step_arguments('queens', 'prepare',
                                                  'overcloud'))
            config_dir = paths.config_dir(env['TRIPLEO_FFU_WORK_DIR'],
                                          'overcloud')
            box.reset()
            pss = _node_pss_mb(box.state_dir)
            cli, by_hand, bare = [], [], []
            for _ in range(args.n):
                box.reset()
                cli.append(openstack(box, 'run', '--yes')[0])
                box.reset()
                by_hand.append(timed(['bash', os.path.join(
                    config_dir, paths.COMMAND_SCRIPT)])[0])
                box.reset()
                bare.append(timed(
                    [os.path.join(BIN, 'ansible-playbook'), '-i',
                     paths.INVENTORY_FILE, contract.DEFAULT_PLAYBOOK],
                    env=dict(env, ANSIBLE_HOST_KEY_CHECKING='False',
                             ANSIBLE_PRIVATE_KEY_FILE=sandbox_mod.Sandbox(
                                 box.state_dir).ssh_key,
                             ANSIBLE_LIBRARY=node_containers.ANSIBLE_LIBRARY),
                    cwd=config_dir)[0])
            c = statistics.median(cli)
            row('queens', '%d nodes: openstack ffwd-upgrade run (s)' % nodes,
                c)
            row('queens', '%d nodes: reproduce script by hand (s)' % nodes,
                statistics.median(by_hand), c)
            row('queens', '%d nodes: bare ansible-playbook, defaults (s)'
                % nodes, statistics.median(bare), c)
            computes = [v for k, v in pss.items() if 'compute' in k]
            row('queens', '%d nodes: PSS of the controller node (MB)'
                % nodes, max(v for k, v in pss.items() if 'controller' in k))
            row('queens', '%d nodes: PSS per compute node (MB, median)'
                % nodes, statistics.median(computes))
        finally:
            box.down()


# -- the run layer: our runner vs ansible-runner vs bare Ansible --------
RUNNER_HOSTS = 5
RUNNER_TASKS = 40


def _runner_fixture(directory):
    """A playbook of RUNNER_TASKS tasks on RUNNER_HOSTS local hosts."""
    hosts = ['h%d' % i for i in range(RUNNER_HOSTS)]
    with open(os.path.join(directory, 'inventory.yaml'), 'w') as f:
        json.dump({'all': {'hosts': {h: {
            'ansible_connection': 'local',
            'ansible_python_interpreter': sys.executable} for h in hosts}}},
            f)
    tasks = [{'name': 'task %d' % i, 'command': 'true', 'changed_when': False}
             for i in range(RUNNER_TASKS)]
    with open(os.path.join(directory, 'playbook.yaml'), 'w') as f:
        json.dump([{'hosts': 'all', 'gather_facts': False, 'tasks': tasks}],
                  f)


def bench_runner(args, _box):
    """One playbook three ways: what each run layer adds to Ansible.

    ansible-runner (upstream TripleO's from Train) is measured when it is
    importable: pip install ansible-runner, or PYTHONPATH to a --target
    install; doc/run-records.rst has the figures and the decision.
    """
    from tripleo_ffu.ansible import runner
    from tripleo_ffu import runs
    work = tempfile.mkdtemp(prefix='tripleo-ffu-bench-runner.')
    try:
        _runner_fixture(work)
        playbook = os.path.join(BIN, 'ansible-playbook')
        argv = [playbook, '-i', 'inventory.yaml', 'playbook.yaml']
        env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING='False')
        # Each way in its own directory: our runner writes an ansible.cfg
        # that a bare run in the same directory would pick up.
        ours_dir = os.path.join(work, 'ours')
        bare_dir = os.path.join(work, 'bare')
        for directory in (ours_dir, bare_dir):
            os.makedirs(directory)
            for name in ('inventory.yaml', 'playbook.yaml'):
                shutil.copy(os.path.join(work, name), directory)
        bare, ours, theirs = [], [], []
        for i in range(args.n):
            bare.append(timed(argv, env=env, cwd=bare_dir)[0])
            started = time.monotonic()
            result = runner.run_playbook(
                ours_dir, argv,
                runs.events_file(ours_dir, 'bench', 'run-%d' % i), 600)
            ours.append(time.monotonic() - started)
            if result['rc']:
                raise SystemExit('our runner failed: %s' % result)
            theirs += _ansible_runner_run(work, i)
        b = statistics.median(bare)
        what = '%d tasks x %d hosts' % (RUNNER_TASKS, RUNNER_HOSTS)
        row('runner', 'bare ansible-playbook, %s (s)' % what, b)
        row('runner', 'tripleo_ffu runner (events, record) (s)',
            statistics.median(ours), b, 'ratio <= 1.1')
        if theirs:
            row('runner', 'ansible-runner %s (events, artifacts) (s)'
                % _version('ansible-runner'), statistics.median(theirs), b)
        else:
            row('runner', 'ansible-runner', 'not importable here')
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _version(name):
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return '?'


def _ansible_runner_run(work, i):
    try:
        import ansible_runner
    except ImportError:
        return []
    data_dir = os.path.join(work, 'ar-%d' % i)
    os.makedirs(os.path.join(data_dir, 'project'))
    shutil.copy(os.path.join(work, 'playbook.yaml'),
                os.path.join(data_dir, 'project'))
    started = time.monotonic()
    result = ansible_runner.run(
        private_data_dir=data_dir, playbook='playbook.yaml',
        inventory=os.path.join(work, 'inventory.yaml'), quiet=True,
        # It finds ansible-playbook on PATH: this venv's, as ours.
        envvars={'ANSIBLE_HOST_KEY_CHECKING': 'False',
                 'PATH': BIN + os.pathsep + os.environ.get('PATH', '')})
    elapsed = time.monotonic() - started
    if result.rc:
        raise SystemExit('ansible-runner failed (rc %s)' % result.rc)
    return [elapsed]


ITEMS = {'cli': bench_cli, 'scale': bench_scale, 'sandbox': bench_sandbox,
         'prepare': bench_prepare, 'run': bench_run,
         'latency': bench_latency, 'queens': bench_queens,
         'runner': bench_runner}
NEEDS_SANDBOX = ('sandbox', 'prepare', 'run', 'latency')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    default = ','.join(i for i in ITEMS if i != 'queens')
    parser.add_argument('--only', default=default,
                        help='comma-separated items (default: %s): %s'
                             % (default, ', '.join(ITEMS)))
    parser.add_argument('--queens-nodes', default=[2, 10, 20],
                        type=lambda text: [int(n) for n in text.split(',')],
                        help='Node counts of the queens item (default '
                             '2,10,20).')
    parser.add_argument('-n', type=int, default=3,
                        help='repetitions per measure (default 3)')
    args = parser.parse_args()
    items = [i.strip() for i in args.only.split(',') if i.strip()]
    unknown = set(items) - set(ITEMS)
    if unknown:
        parser.error('unknown items: %s' % ', '.join(sorted(unknown)))
    print('tripleo-ffu benchmarks: %s, n=%d, %d cores' % (
        ', '.join(items), args.n, os.cpu_count()), flush=True)
    box = None
    try:
        if set(items) & set(NEEDS_SANDBOX):
            box = Box()
            box.up()
        for item in items:
            ITEMS[item](args, box)
    finally:
        if box:
            box.down()
    print('\n%-10s %-52s %-26s %s' % ('ITEM', 'MEASURE', 'VALUE', 'GOAL'))
    for item, what, value, baseline, goal in ROWS:
        print('%-10s %-52s %-26s %s' % (item, what, _fmt(value, baseline),
                                        goal))


if __name__ == '__main__':
    main()
