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

import calendar
import os
import stat
import subprocess
import sys
import threading
import time
import types

import fixtures

from tests.unit import base
from tripleo_ffu_sandbox.components import heat as heat_component
from tripleo_ffu_sandbox import heat_server
from tripleo_ffu_sandbox.node import node_tool
from tripleo_ffu_sandbox import processes
from tripleo_ffu_sandbox import report
from tripleo_ffu_sandbox import sandbox as sandbox_mod


class TestNodeTool(base.TestCase):

    def setUp(self):
        super().setUp()
        self.root = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                 'node')
        self.node = node_tool.Node(self.root)
        self.node.init(['keystone', 'mariadb'], ['keystone', 'mariadb'],
                       ['keystone'])

    def test_initial_state_is_newton(self):
        state = self.node.show()
        self.assertEqual('newton', state['repo'])
        self.assertEqual('10.0.3', state['packages']['keystone'])
        self.assertEqual(['newton', 'newton'],
                         [m['release'] for m in state['migrations']])

    def test_release_walk(self):
        for release in ('ocata', 'pike'):
            self.node.repo(release)
            self.node.package('keystone', release)
            self.node.migrate('keystone', release)
        state = self.node.show()
        self.assertEqual('12.0.3', state['packages']['keystone'])
        self.assertEqual(['newton', 'newton', 'ocata', 'ocata', 'pike',
                          'pike'],
                         [m['release'] for m in state['migrations']])

    def test_package_needs_the_repo(self):
        e = self.assertRaises(node_tool.NodeError, self.node.package,
                              'keystone', 'pike')
        self.assertIn('not in the repos', str(e))

    def test_never_downgrades(self):
        self.node.repo('pike')
        self.node.package('keystone', 'pike')
        self.node.repo('ocata')
        self.node.package('keystone', 'ocata')
        self.assertEqual('12.0.3', self.node.show()['packages']['keystone'])

    def test_migrations_in_order_once_and_with_code_and_db(self):
        self.node.repo('ocata')
        self.node.package('keystone', 'ocata')
        e = self.assertRaises(node_tool.NodeError, self.node.migrate,
                              'keystone', 'pike')
        self.assertIn('needs pike code', str(e))
        self.node.migrate('keystone', 'ocata')
        self.node.migrate('keystone', 'ocata')
        self.assertEqual(4, len(self.node.migrations()))
        self.node.repo('queens')
        self.node.package('keystone', 'queens')
        e = self.assertRaises(node_tool.NodeError, self.node.migrate,
                              'keystone', 'queens')
        self.assertIn('migrations of pike not applied', str(e))
        self.node.service('mariadb', 'stop')
        e = self.assertRaises(node_tool.NodeError, self.node.migrate,
                              'keystone', 'ocata')
        self.assertIn('database server running', str(e))

    def test_injected_failure_and_exit_status(self):
        with open(os.path.join(self.root, 'fail-on'), 'w') as f:
            f.write('repo pike')
        self.assertEqual(0, node_tool.main(['--root', self.root, 'repo',
                                            'ocata']))
        self.assertEqual(1, node_tool.main(['--root', self.root, 'repo',
                                            'pike']))
        self.assertEqual('ocata', self.node.show()['repo'])

    def test_uninitialised_node(self):
        self.assertEqual(1, node_tool.main(['--root', self.root + 'x',
                                            'show']))


class FakeSandbox(object):
    def __init__(self, root, workload_url):
        self.nodes_dir = root
        self.workload_url = workload_url

    def node_state(self, hostname):
        return node_tool.Node(os.path.join(self.nodes_dir, hostname)).show()


class TestReport(base.TestCase):

    def setUp(self):
        super().setUp()
        self.root = self.useFixture(fixtures.TempDir()).path
        from tripleo_ffu_sandbox.components import demo_nodes
        for hostname, spec in demo_nodes.NODES.items():
            node_tool.Node(os.path.join(self.root, hostname)).init(
                spec['packages'], spec['services'], spec['databases'])
        # Nothing listens there: the workload "does not answer".
        self.box = FakeSandbox(self.root, 'http://127.0.0.1:%d/'
                               % processes.free_port())

    def test_verify_at_newton_but_not_queens(self):
        self.assertEqual(['the workload on overcloud-novacompute-0 does not '
                          'answer'], report.verify(self.box, 'newton'))
        problems = report.verify(self.box, 'queens')
        self.assertIn('overcloud-controller-0 keystone is 10.0.3, not '
                      '13.0.4', problems)
        self.assertIn('overcloud-novacompute-0 repos at newton', problems)

    def test_compare_table_marks_upgrades(self):
        before = report.snapshot(self.box)
        node = node_tool.Node(os.path.join(self.root,
                                           'overcloud-controller-0'))
        node.repo('ocata')
        node.package('keystone', 'ocata')
        table = report.compare_table(before, report.snapshot(self.box))
        self.assertRegex(table, r'overcloud-controller-0 +keystone +10.0.3 '
                                r'+-> 11.0.4 +upgraded')
        self.assertRegex(table, r'overcloud-controller-0 +mariadb +10.1.20 '
                                r'+-> 10.1.20 +unchanged\n')
        # The count the "nodes" table lists: migrations since newton.
        node.migrate('keystone', 'ocata')
        table = report.compare_table(before, report.snapshot(self.box))
        self.assertRegex(table, r'overcloud-controller-0 +migrations since '
                                r'newton +0 +-> 2 +upgraded')
        self.assertEqual(2, len(report.nodes_table(self.box).split(
            'migrations since newton')[1].split('\n')[0].split(',')))


class TestHeatPatches(base.TestCase):

    def test_finished_threads_leave_their_group(self):
        class Group(object):
            def __init__(self):
                self.threads = []
                self._lock = threading.Lock()

            def add_thread(self, func, *args, **kwargs):
                th = threading.Thread(target=func, args=args, kwargs=kwargs)
                th.start()
                self.threads.append(th)
                return th

        module = types.SimpleNamespace(ThreadGroup=Group)
        heat_server.patch_thread_group(module)
        group = Group()
        release = threading.Event()
        threads = [group.add_thread(release.wait, 5) for _ in range(20)]
        self.assertEqual(20, len(group.threads))
        release.set()
        for th in threads:
            th.join()
        self.assertEqual([], group.threads)

    def test_task_sleep_is_capped(self):
        slept = []
        scheduler = types.SimpleNamespace(
            ENABLE_SLEEP=True, TaskRunner=type('TaskRunner', (), {}))
        self.useFixture(fixtures.MonkeyPatch('time.sleep', slept.append))
        heat_server.patch_task_sleep(scheduler)
        runner = scheduler.TaskRunner()
        runner._sleep(1)
        runner._sleep(0)
        runner._sleep(None)
        self.assertEqual([heat_server.FAST_POLL, 0], slept)
        # No more sleep after each resource a traversal dispatches.
        self.assertFalse(scheduler.ENABLE_SLEEP)

    def test_rpc_pools_keep_only_the_threads_the_load_needs(self):
        import futurist

        class Server(object):
            def __init__(self, executor_cls):
                self._executor_cls = executor_cls

        module = types.SimpleNamespace(MessageHandlingServer=Server)
        heat_server.use_dynamic_rpc_pools(module)
        pools = {}
        for name, cls in (('stock', futurist.ThreadPoolExecutor),
                          ('other', futurist.SynchronousExecutor)):
            pools[name] = Server(cls)._executor_cls
        self.assertIs(futurist.SynchronousExecutor, pools['other'])
        pool = pools['stock'](max_workers=1024)
        self.addCleanup(pool.shutdown)
        # Messages one after the other: the stock pool would hold one
        # idle thread per message (200), each waking every second.
        for _ in range(200):
            pool.submit(lambda: None).result()
        self.assertLess(pool.num_workers, 5)
        # A pool whose threads all block still grows: nested stacks are
        # RPC calls the engine makes to itself and waits on.
        release = threading.Event()
        blocked = [pool.submit(release.wait, 5) for _ in range(50)]
        self.assertGreaterEqual(pool.num_workers, 50)
        release.set()
        for future in blocked:
            future.result()


class TestComponents(base.TestCase):
    """One table of the sandbox's layers drives up, down and status."""

    def setUp(self):
        super().setUp()
        self.box = sandbox_mod.Sandbox(
            self.useFixture(fixtures.TempDir()).path, out=lambda *a: None)

    def test_order_and_what_this_sandbox_has(self):
        names = [c.name for c in self.box.components()]
        self.assertEqual(['postgres', 'mariadb', 'keystone', 'heat',
                          'rabbitmq', 'mistral', 'workload',
                          'node containers', 'agent'], names)

        def wanted():
            return [c.name for c in self.box.components() if c.wanted()]
        self.assertEqual(['postgres', 'heat', 'mistral', 'workload',
                          'node containers'], wanted())
        self.box.info['transport'] = 'rabbit'
        self.assertIn('rabbitmq', wanted())
        # A Newton stack's deployments need their agent.
        self.box.info['newton_stack'] = 'newton'
        self.assertEqual('agent', wanted()[-1])
        del self.box.info['newton_stack']
        # A Queens undercloud's servers keep their data in MariaDB, and
        # its Keystone gives tokens and the catalog.
        self.box.info['undercloud'] = 'queens'
        self.assertEqual(['mariadb', 'keystone', 'heat', 'rabbitmq',
                          'mistral', 'workload', 'node containers'],
                         wanted())

    def test_a_queens_undercloud_needs_its_venv_and_cli(self):
        self.box.info.update(undercloud='queens', queens_venv='/nowhere',
                             mistral_port=1, heat_port=2, db_password='pw',
                             mariadb_port=3, keystone_port=4,
                             keystone_password='secret-pw')
        e = self.assertRaises(processes.SandboxError, self.box.openstack_bin)
        self.assertEqual('openstack not found in the Queens venv /nowhere: '
                         'make it with tools/setup-queens-env.sh', str(e))
        self.assertEqual('mysql+pymysql://tripleo_ffu:pw@127.0.0.1:3/heat'
                         '?charset=utf8', self.box.db_url('heat'))
        # Keystone's admin, as an undercloud's stackrc; the password only
        # from its private file.
        self.useFixture(fixtures.MockPatch(
            'tripleo_ffu_sandbox.sandbox.Sandbox.openstack_bin',
            return_value='/q/bin/openstack'))
        rc = self.box.rc_text()
        self.assertIn('export OS_AUTH_TYPE=password\n', rc)
        self.assertIn('export OS_AUTH_URL=http://127.0.0.1:4/v3\n', rc)
        self.assertIn('export OS_PASSWORD=$(cat %s)\n'
                      % self.box.keystone_password_file, rc)
        self.assertNotIn('secret-pw', rc)
        self.assertIn(('OS_PASSWORD', 'secret-pw'), self.box.client_env())
        self.assertIn('CLI is /q/bin/openstack', rc)
        e = self.assertRaises(processes.SandboxError, self.box._queens_venv,
                              '/nowhere')
        self.assertIn('no Queens undercloud venv at /nowhere', str(e))

    def test_down_stops_in_reverse_by_pid_file(self):
        stopped = []
        self.useFixture(fixtures.MockPatch(
            'tripleo_ffu_sandbox.processes.stop',
            side_effect=lambda pid_file, marker: stopped.append(
                os.path.basename(pid_file)) or True))
        self.useFixture(fixtures.MockPatch(
            'tripleo_ffu_sandbox.components.node_containers.NodeContainers.'
            'stop', return_value=['node-0']))
        self.assertEqual(['agent', 'node-0', 'workload', 'mistral',
                          'rabbitmq', 'epmd', 'heat', 'keystone', 'mariadb',
                          'postgres'], self.box.down())
        self.assertEqual(['agent.pid', 'workload.pid', 'mistral.pid',
                          'rabbitmq.pid',
                          'epmd.pid', 'heat.pid', 'keystone.pid',
                          'mariadb.pid', 'postgres.pid'], stopped)


class TestStuckStacks(base.TestCase):
    """What `status` flags: a create or update older than the engine."""

    def test_flagged_as_soon_as_its_engine_is_gone(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        pid_file = os.path.join(tmp, 'heat.pid')
        open(pid_file, 'w').close()
        # The sandbox started its Heat at 10:00.
        started = calendar.timegm((2026, 12, 2, 10, 0, 0))
        os.utime(pid_file, (started, started))

        def stack(name, status, updated):
            return types.SimpleNamespace(
                stack_name=name, stack_status=status, id=name,
                updated_time=updated, creation_time='2026-12-01T08:00:00Z')
        heat = types.SimpleNamespace(
            stacks=types.SimpleNamespace(list=lambda: [
                stack('old', 'UPDATE_IN_PROGRESS', '2026-12-02T09:59:00Z'),
                stack('new', 'UPDATE_IN_PROGRESS', '2026-12-02T10:01:00Z'),
                # A delete's stamp is its stack's last update: not its own.
                stack('del', 'DELETE_IN_PROGRESS', '2026-12-02T09:00:00Z'),
                stack('done', 'UPDATE_COMPLETE', '2026-12-02T09:00:00Z')]),
            # Heat's engine list: the old engine still counts as up.
            services=types.SimpleNamespace(list=lambda: [
                types.SimpleNamespace(created_at='2026-12-01T08:00:00',
                                      status='up', binary='heat-engine')]),
            events=types.SimpleNamespace(list=lambda *a, **k: []))
        box = types.SimpleNamespace(heat_client=lambda: heat,
                                    pid_file=lambda name: pid_file)
        found = dict(heat_component.Heat(box).stuck_stacks())
        self.assertEqual(['old'], list(found))
        self.assertIn('Stack old has been UPDATE_IN_PROGRESS since '
                      '2026-12-02T09:59:00Z, but the Heat engine that ran '
                      'that operation has stopped', found['old'])


class TestProcesses(base.TestCase):

    def test_start_find_and_stop_by_pid(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        pid_file = os.path.join(tmp, 'sleeper.pid')
        proc = processes.start([sys.executable, '-c',
                                'import time; time.sleep(60)', tmp],
                               os.path.join(tmp, 'log'), pid_file)
        self.addCleanup(proc.kill)
        deadline = time.monotonic() + 10
        while not processes.pid_alive(proc.pid, tmp):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.assertFalse(processes.pid_alive(proc.pid, '/not/this/one'))
        self.assertTrue(processes.stop(pid_file, tmp, timeout=5))
        self.assertFalse(os.path.exists(pid_file))
        self.assertFalse(processes.stop(pid_file, tmp))

    def test_a_servers_log_and_files_are_private(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        made = os.path.join(tmp, 'own.log')
        log = os.path.join(tmp, 'log')
        processes.start([sys.executable, '-c',
                         'open(%r, "w").close()' % made], log,
                        os.path.join(tmp, 'pid')).wait()
        for path in (log, made):
            self.assertEqual(0o600, stat.S_IMODE(os.stat(path).st_mode))
        # A node container's processes keep EL7's modes.
        shared = os.path.join(tmp, 'shared.log')
        processes.start([sys.executable, '-c',
                         'open(%r, "w").close()' % shared], log,
                        os.path.join(tmp, 'pid'), private=False).wait()
        umask = os.umask(0)
        os.umask(umask)
        self.assertEqual(0o666 & ~umask,
                         stat.S_IMODE(os.stat(shared).st_mode))

    def test_wait_until_reports_exit_and_timeout(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        proc = subprocess.Popen([sys.executable, '-c', 'raise SystemExit(3)'])
        proc.wait()
        e = self.assertRaises(processes.SandboxError, processes.wait_until,
                              lambda: False, 5, 'Thing', '/x.log', proc)
        self.assertIn('Thing exited (status 3) while starting; see /x.log',
                      str(e))
        e = self.assertRaises(processes.SandboxError, processes.wait_until,
                              lambda: False, 0.1, 'Thing', tmp,
                              interval=0.05)
        self.assertIn('not ready after', str(e))

    def test_port_busy(self):
        import socket
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            s.listen()
            self.assertTrue(processes.port_busy(s.getsockname()[1]))
        self.assertFalse(processes.port_busy(processes.free_port()))


class TestServerDependencies(base.TestCase):

    def test_missing_extra_named_with_the_install_command(self):
        from tripleo_ffu_sandbox import sandbox as sandbox_mod
        self.useFixture(fixtures.MockPatch(
            'importlib.util.find_spec',
            side_effect=lambda name: None if name == 'psycopg2' else True))
        e = self.assertRaises(sandbox_mod.SandboxError,
                              sandbox_mod.check_server_dependencies)
        self.assertIn("no module psycopg2): pip install ./sandbox", str(e))


class TestCommandLine(base.TestCase):
    """tripleo-ffu-sandbox on a state dir that holds no sandbox."""

    def test_every_command_says_there_is_none_in_one_sentence(self):
        import io
        from tripleo_ffu_sandbox import cli

        state_dir = self.useFixture(fixtures.TempDir()).path
        needs_args = {'stack': ['demo', '--name', 'x'],
                      'environments': ['demo', 'prepare'],
                      'fixture': ['/dev/null']}
        for name, _, _, _ in cli.COMMANDS:
            if name in cli.WITHOUT_SANDBOX:
                continue
            err = io.StringIO()
            self.useFixture(fixtures.MonkeyPatch('sys.stderr', err))
            rc = cli.main(['--state-dir', state_dir, name] +
                          needs_args.get(name, []))
            self.assertEqual(1, rc, name)
            self.assertEqual(
                'tripleo-ffu-sandbox %s: no sandbox in %s (start one with '
                '"tripleo-ffu-sandbox up", or name its state dir with '
                '--state-dir or $TRIPLEO_FFU_SANDBOX_DIR)\n'
                % (name, state_dir), err.getvalue())

    def test_status_says_so_as_a_row(self):
        state_dir = self.useFixture(fixtures.TempDir()).path
        self.assertEqual(
            [('sandbox', 'down', 'no sandbox in %s' % state_dir)],
            sandbox_mod.Sandbox(state_dir).status())


class TestDistributions(base.TestCase):
    """The product installs no sandbox; the sandbox needs the product."""

    def _cfg(self, *path):
        import configparser
        cfg = configparser.ConfigParser()
        cfg.read(os.path.join(os.path.dirname(os.path.dirname(
            os.path.dirname(os.path.abspath(__file__)))), *path))
        return cfg

    def test_product_carries_no_sandbox(self):
        import tripleo_ffu
        cfg = self._cfg('setup.cfg')
        self.assertEqual(['tripleo_ffu'],
                         cfg.get('files', 'packages').split())
        self.assertNotIn('console_scripts', cfg['entry_points'])
        self.assertFalse(cfg.has_section('extras'))
        package = os.path.dirname(tripleo_ffu.__file__)
        for directory, _, names in os.walk(package):
            for name in names:
                if name.endswith('.py'):
                    with open(os.path.join(directory, name)) as f:
                        self.assertNotIn('tripleo_ffu_sandbox', f.read(),
                                         os.path.join(directory, name))

    def test_sandbox_depends_on_the_product(self):
        cfg = self._cfg('sandbox', 'setup.cfg')
        self.assertEqual('tripleo-ffu-sandbox = tripleo_ffu_sandbox.cli:main',
                         cfg.get('entry_points', 'console_scripts').strip())
        root = os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))))
        with open(os.path.join(root, 'sandbox', 'requirements.txt')) as f:
            self.assertIn('tripleo-ffu', f.read().split())


class TestStateFile(base.TestCase):

    def test_info_replaced_whole_and_never_saved_from_an_empty_copy(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        box = sandbox_mod.Sandbox(tmp, out=lambda *a: None)
        box.info.update(heat_port=1, node_net=42)
        box.save_info()
        self.assertEqual(['sandbox.json'], [
            n for n in os.listdir(tmp) if n.startswith('sandbox.json')])
        self.assertEqual(0o600, stat.S_IMODE(os.stat(box.info_file).st_mode))
        self.assertEqual(42, sandbox_mod.Sandbox(tmp).containers.net)
        # A process that read no sandbox must not pick (and save) a net.
        empty = sandbox_mod.Sandbox(self.useFixture(
            fixtures.TempDir()).path)
        self.assertRaises(sandbox_mod.SandboxError,
                          lambda: empty.containers.net)
