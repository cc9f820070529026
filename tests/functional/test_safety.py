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

"""An operator's bad day, on the real servers of the sandbox.

Overlapping steps, Mistral and Heat killed mid-step, a timeout that stops
Ansible, secrets at every verbosity: each scenario checks what the
operator sees and that nothing was applied twice on the nodes.
"""

import json
import os
import shutil
import signal
import stat
import subprocess
import threading
import time

import fixtures

from tests.functional import base
from tripleo_ffu.ansible import runner
from tripleo_ffu import locks
from tripleo_ffu import contract
from tripleo_ffu import paths
from tripleo_ffu_sandbox import processes

RUN = contract.workflow_name('run')
PREPARE = contract.workflow_name('prepare')
FINAL = ('SUCCESS', 'ERROR', 'CANCELLED')


class SafetyTestCase(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.mistral = self.sandbox.mistral_client()
        self.work_dir = self.sandbox.work_dir
        self.sandbox.reset_nodes()
        if not os.path.isfile(os.path.join(
                paths.config_dir(self.work_dir, 'overcloud'),
                contract.DEFAULT_PLAYBOOK)):
            self.assertSucceeded(self.prepare(), 'prepare')

    def slow(self, hostname, seconds, words):
        """Make the demo node tool sleep on a command (a long step)."""
        path = os.path.join(self.sandbox.nodes_dir, hostname, 'slow-on')
        with open(path, 'w') as f:
            f.write('%s %s' % (seconds, words))
        self.addCleanup(lambda: os.path.exists(path) and os.unlink(path))

    def start_cli(self, *args):
        """`openstack overcloud ffwd-upgrade ARGS` in the background."""
        proc = subprocess.Popen(
            [os.path.join(base.BIN, 'openstack'), 'overcloud',
             'ffwd-upgrade'] + list(args), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
            env=self.env(), cwd=self.cli_dir)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        return proc

    def start_api(self, workflow, **workflow_input):
        workflow_input.setdefault('stack', 'overcloud')
        return self.mistral.executions.create(
            workflow, workflow_input=workflow_input).id

    def wait_until(self, check, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = check()
            if found:
                return found
            time.sleep(0.3)
        self.fail('%s within %d s' % (what, timeout))

    def wait_ended(self, execution_id, timeout=300):
        return self.wait_until(
            lambda: self._ended(execution_id), timeout,
            'execution %s did not end' % execution_id)

    def _ended(self, execution_id):
        execution = self.mistral.executions.get(execution_id)
        return execution if execution.state in FINAL else None

    def ansible_record(self):
        return locks.read(locks.ansible_lock_path(self.work_dir,
                                                  'overcloud'))

    def wait_ansible_running(self, execution_id=None, timeout=120):
        def running():
            record = self.ansible_record()
            return record if (record and record.get('running') and (
                execution_id in (None, record['execution_id'])) and
                locks.group_alive(record)) else None
        return self.wait_until(running, timeout, 'ansible-playbook did not '
                                                 'start')

    def sandbox_up(self):
        result = subprocess.run(
            [os.path.join(base.BIN, 'tripleo-ffu-sandbox'), 'up',
             '--transport', self.sandbox.info.get('transport', 'fake')],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=self.env(), timeout=600)
        self.assertEqual(0, result.returncode, result.stdout)
        return result.stdout

    def free_stack(self, execution_id):
        """Mark an execution whose action Mistral lost ERROR, as advised."""
        mistral = self.sandbox.mistral_client()
        if mistral.executions.get(execution_id).state == 'RUNNING':
            mistral.executions.update(execution_id, 'ERROR')

    def assertNothingAppliedTwice(self, hostname, rerun=False):
        """No package, migration (or, in one walk, repo) change twice.

        A re-run after an interrupted walk switches the repos of the
        releases it walks again, as upstream's idempotent tasks do.
        """
        kinds = (' package ', ' migration ') + (() if rerun else (' repo ',))
        with open(os.path.join(self.sandbox.nodes_dir, hostname,
                               'history.log')) as f:
            changes = [line.split(' ', 1)[1].strip() for line in f
                       if any(kind in line for kind in kinds)]
        self.assertEqual(sorted(set(changes)), sorted(changes))
        for change in changes:
            words = change.split()
            # "repo ocata -> ocata": a second walk over the same release.
            self.assertNotEqual(words[-1], words[-3], change)

    def assertUpgraded(self, rerun=False):
        for hostname in (base.CONTROLLER, base.COMPUTE):
            self.assertEqual('queens', self.node(hostname)['repo'])
            self.assertNothingAppliedTwice(hostname, rerun)


class TestOneStepPerStack(SafetyTestCase):

    def test_runs_started_at_once_through_the_api(self):
        ids = []
        barrier = threading.Barrier(2)

        def start():
            barrier.wait()
            ids.append(self.start_api(RUN))
        threads = [threading.Thread(target=start) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ended = {i: self.wait_ended(i) for i in ids}
        states = sorted(e.state for e in ended.values())
        self.assertEqual(['ERROR', 'SUCCESS'], states)
        winner = [i for i, e in ended.items() if e.state == 'SUCCESS'][0]
        loser = [e for e in ended.values() if e.state == 'ERROR'][0]
        self.assertIn('Not starting run: stack overcloud is held by run '
                      'execution %s' % winner, loser.state_info)
        self.assertUpgraded()

    def test_second_cli_run_is_refused_and_names_the_first(self):
        self.slow(base.CONTROLLER, 5, 'repo ocata')
        first = self.start_cli('run', '--yes')
        record = self.wait_ansible_running()
        second = self.openstack('run', '--yes')
        self.assertFailed(
            second, 'Not starting run: ',
            'held by run execution %s' % record['execution_id'],
            '"openstack overcloud ffwd-upgrade status %s --follow"'
            % record['execution_id'])
        out, _ = first.communicate(timeout=600)
        self.assertEqual(0, first.returncode, out)
        self.assertUpgraded()

    def test_run_from_another_work_dir_is_refused(self):
        """The guard keys on the stack, not on the work dir's lock file."""
        other = self.useFixture(fixtures.TempDir()).path
        # A config that would run: prepare's, copied.
        shutil.copytree(paths.config_dir(self.work_dir, 'overcloud'),
                        paths.config_dir(other, 'overcloud'))
        self.slow(base.CONTROLLER, 5, 'repo ocata')
        first = self.start_cli('run', '--yes')
        record = self.wait_ansible_running()
        second = self.openstack('run', '--yes', '--work-dir', other)
        self.assertFailed(
            second, 'Not starting run: stack overcloud is held by run '
                    'execution %s' % record['execution_id'])
        self.assertFalse(os.path.exists(locks.ansible_lock_path(
            other, 'overcloud')))
        out, _ = first.communicate(timeout=600)
        self.assertEqual(0, first.returncode, out)
        self.assertUpgraded()

    def test_prepares_started_at_once_through_the_api(self):
        heat = self.sandbox.heat_client()
        # Event ids, not times: the UPDATE_IN_PROGRESS event of setUp's
        # prepare can be stamped a second after the stack's updated_time.
        seen = {e.id for e in heat.events.list('overcloud')}
        env, files = self._prepare_input()
        ids = []
        barrier = threading.Barrier(2)

        def start():
            barrier.wait()
            ids.append(self.start_api(PREPARE, environment=env, files=files))
        threads = [threading.Thread(target=start) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ended = [self.wait_ended(i) for i in ids]
        self.assertEqual(['ERROR', 'SUCCESS'],
                         sorted(e.state for e in ended))
        refused = [e for e in ended if e.state == 'ERROR'][0]
        self.assertIn('Not starting prepare: stack overcloud is held by '
                      'prepare execution', refused.state_info)
        # Heat got one update.
        events = [e for e in heat.events.list('overcloud')
                  if e.resource_name == 'overcloud' and
                  e.resource_status == 'UPDATE_IN_PROGRESS' and
                  e.id not in seen]
        self.assertEqual(1, len(events))

    def _prepare_input(self):
        from tripleo_ffu.v1 import environment
        env, files, _ = environment.load(base.PREPARE_ENVS, [])
        return env, files

    def test_ui_defaults_write_in_the_executors_work_dir(self):
        env, files = self._prepare_input()
        execution = self.wait_ended(self.start_api(
            PREPARE, environment=env, files=files))
        self.assertEqual('SUCCESS', execution.state, execution.state_info)
        output = base_output(execution)
        self.assertEqual(self.work_dir, output['work_dir'])
        self.assertEqual(paths.config_dir(self.work_dir, 'overcloud'),
                         output['config_dir'])


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ''


def base_output(execution):
    from tripleo_ffu.workflows import follow
    return follow.parse_output(execution)


class TestCrashes(SafetyTestCase):

    def _mistral_pid(self):
        return processes.read_pid(self.sandbox.pid_file('mistral'))

    def test_mistral_killed_mid_run_then_recovered(self):
        self.slow(base.CONTROLLER, 30, 'repo pike')
        cli = self.start_cli('run', '--yes')
        record = self.wait_ansible_running()
        execution_id = record['execution_id']
        self.addCleanup(self.free_stack, execution_id)
        self.wait_until(lambda: 'pike' in read(record['events_file']), 120,
                        'the walk did not reach pike')
        # Mistral back for the tests after this one, whatever happens here,
        # and no Ansible of this test left holding the stack.
        self.addCleanup(self.sandbox_up)
        self.addCleanup(lambda: locks.group_alive(record) and
                        runner.stop_group(int(record['pid'])))
        os.kill(self._mistral_pid(), signal.SIGKILL)
        out, _ = cli.communicate(timeout=60)
        self.assertNotEqual(0, cli.returncode, out)
        self.assertIn('Mistral is unreachable', out)
        self.assertIn('Execution %s had not ended when Mistral stopped '
                      'answering.' % execution_id, out)
        # Ansible did not go on alone: it was stopped with its executor
        # (SIGTERM, then SIGKILL after supervise.KILL_GRACE_S).
        self.wait_until(lambda: not locks.group_alive(record), 45,
                        'ansible-playbook outlived its executor')
        self.sandbox_up()

        status = self.openstack('status', execution_id, '-f', 'value')
        self.assertEqual(0, status.rc, status)
        self.assertIn('the Mistral executor that ran it has stopped',
                      status.out)
        self.assertIn('was stopped before its end during task ', status.out)
        self.assertIn('(release pike', status.out)

        refused = self.openstack('run', '--yes')
        self.assertFailed(refused, 'held by run execution %s' % execution_id,
                          'openstack workflow execution update %s --state '
                          'ERROR' % execution_id)
        # What the operator does once the nodes are checked, as the main
        # job does on a sandbox restarted after an interrupted run
        # (reset-nodes).
        self.assertEqual(['Marked run execution %s of stack overcloud '
                          'ERROR: its Mistral executor had stopped'
                          % execution_id],
                         self.sandbox.end_orphaned_steps())
        self.assertEqual('ERROR',
                         self.mistral.executions.get(execution_id).state)
        os.unlink(os.path.join(self.sandbox.nodes_dir, base.CONTROLLER,
                               'slow-on'))
        rerun = self.openstack('run', '--yes')
        self.assertSucceeded(rerun, 'run')
        self.assertIn('took over the lock of run execution %s (ERROR)'
                      % execution_id, rerun.out)
        # It resumed: ocata, finished before the kill, was not walked
        # again, and its DB sync ran once (the node's own record).
        self.assertIn('Skipped what the journal shows finished (%s: ocata '
                      '0-9' % base.CONTROLLER, rerun.out)
        self.assertNotIn('(release ocata, step', rerun.out)
        with open(os.path.join(self.sandbox.nodes_dir, base.CONTROLLER,
                               'history.log')) as f:
            syncs = [line.split(' ', 1)[1].strip() for line in f
                     if ' db sync ' in line]
        self.assertEqual(['db sync keystone to ocata',
                          'db sync keystone to pike',
                          'db sync keystone to queens'], syncs)
        self.assertUpgraded(rerun=True)

    def test_mistral_stopped_mid_run_record_tells_the_outcome(self):
        self.slow(base.CONTROLLER, 8, 'repo pike')
        execution_id = self.start_api(RUN)
        self.addCleanup(self.free_stack, execution_id)
        record = self.wait_ansible_running(execution_id)
        pid = self._mistral_pid()
        os.kill(pid, signal.SIGTERM)
        self.wait_until(lambda: not processes.pid_alive(
            pid, self.sandbox.state_dir), 60, 'Mistral did not stop')
        self.wait_until(lambda: not locks.group_alive(record), 30,
                        'ansible-playbook outlived its executor')
        self.sandbox_up()
        record = self.ansible_record()
        status = self.openstack('status', execution_id, '-f', 'value')
        self.assertEqual(0, status.rc, status)
        if record['running']:
            # The bounded stop ended the executor before Ansible.
            self.assertIn('was stopped before its end', status.out)
        else:
            self.assertIn('ended SUCCESS at', status.out)
        if self.mistral.executions.get(execution_id).state == 'RUNNING':
            self.assertIn('the Mistral executor that ran it has stopped',
                          status.out)

    def test_heat_killed_mid_prepare_then_recovered(self):
        heat = self.sandbox.heat_client()
        cli = self.start_cli(*self._prepare_args())
        self.wait_until(
            lambda: heat.stacks.get('overcloud').stack_status ==
            'UPDATE_IN_PROGRESS', 60, 'the update did not start')
        os.kill(processes.read_pid(self.sandbox.pid_file('heat')),
                signal.SIGKILL)
        up = self.sandbox_up()
        self.assertIn('WARNING: Stack overcloud has been UPDATE_IN_PROGRESS',
                      up)
        # Flagged at once, not when Heat's record of the old engine expires.
        status = subprocess.run(
            [os.path.join(base.BIN, 'tripleo-ffu-sandbox'), 'status'],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=self.env(), timeout=120).stdout
        self.assertIn('STUCK UPDATE_IN_PROGRESS', status)
        out, _ = cli.communicate(timeout=400)
        self.assertNotEqual(0, cli.returncode, out)
        self.assertIn('the Heat engine that ran that operation has stopped',
                      out)
        self.assertIn('"openstack stack cancel --no-rollback overcloud"',
                      out)
        self.assertNotIn('object at 0x', out)
        # The go/no-go says so too, and exits non-zero.
        checked = self.openstack('preflight', '-f', 'json')
        self.assertNotEqual(0, checked.rc, checked)
        rows = {r['Check']: r for r in json.loads(checked.stdout)}
        self.assertEqual('fail', rows['Stack overcloud']['Result'])
        self.assertIn('the Heat engine that ran that operation has stopped',
                      rows['Stack overcloud']['Detail'])
        heat = self.sandbox.heat_client()
        heat.actions.cancel_without_rollback('overcloud')
        self.wait_until(lambda: heat.stacks.get('overcloud').stack_status ==
                        'UPDATE_FAILED', 60, 'the cancel did not end')
        self.assertSucceeded(self.prepare(), 'prepare')

    def _prepare_args(self):
        args = ['prepare', '--yes']
        for path in base.PREPARE_ENVS:
            args += ['-e', path]
        return args


class TestTimeoutsAndInputs(SafetyTestCase):

    def test_timeout_stops_ansible_and_says_where(self):
        self.slow(base.CONTROLLER, 120, 'repo ocata')
        result = self.openstack('run', '--yes', '--timeout', '1')
        self.assertFailed(
            result, 'stopped after 1 minutes (timeout) during task ',
            '(release ocata, step 3): the nodes may be in the middle of '
            'that step')
        self.assertNotIn('Gave up following', result.out)
        self.assertLess(result.seconds, 150)
        self.assertFalse(locks.group_alive(self.ansible_record()))

    def test_bad_inputs_start_nothing(self):
        before = len(self.mistral.executions.list(limit=1000))
        for args, text in (
                (('--extra-vars', '{bad json'), '--extra-vars'),
                (('--extra-vars', 'a=1 oops'), '"oops" is not key=value'),
                (('--playbook', 'nope.yaml'), 'Playbook nope.yaml is not '
                                              'in'),
                (('--limit', 'no-such-host'), '--limit no-such-host matches '
                                              'no host')):
            result = self.openstack('run', '--yes', *args)
            self.assertFailed(result, text, 'nothing was started')
        self.assertEqual(before, len(self.mistral.executions.list(
            limit=1000)))

    def small_work_dir(self, size):
        """A work dir on a tmpfs of `size`, with prepare's config."""
        path = self.useFixture(fixtures.TempDir()).path
        subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=%s' % size,
                        'tmpfs', path], check=True)
        self.addCleanup(subprocess.run, ['umount', path])
        shutil.copytree(paths.config_dir(self.work_dir, 'overcloud'),
                        paths.config_dir(path, 'overcloud'),
                        ignore=shutil.ignore_patterns('runs', '*.log'))
        return path

    def fill(self, path):
        with open(os.path.join(path, 'filler'), 'wb') as f:
            try:
                while True:
                    f.write(b'\0' * 65536)
                    f.flush()
            except OSError:
                pass

    def test_a_full_work_dir_is_one_plain_sentence(self):
        full = self.small_work_dir('1m')
        self.fill(full)
        # The step lock, first to write there, says so.
        result = self.openstack('run', '--yes', '--work-dir', full)
        self.assertFailed(result, 'no space left on the filesystem of %s'
                          % full, 'free space there (or give another '
                          '--work-dir), then run the step again')
        self.assertNotIn('object at 0x', result.out)

    def test_a_work_dir_that_fills_up_mid_run(self):
        work_dir = self.small_work_dir('3m')
        self.slow(base.CONTROLLER, 5, 'repo ocata')
        # Past the pre-flight, which would refuse a 3 MB work dir.
        cli = self.start_cli('run', '--yes', '--work-dir', work_dir,
                             '--skip-preflight')
        lock = locks.ansible_lock_path(work_dir, 'overcloud')
        record = self.wait_until(
            lambda: (locks.read(lock) or {}).get('running') and
            locks.read(lock), 120, 'ansible-playbook did not start')
        self.fill(work_dir)
        out, _ = cli.communicate(timeout=600)
        self.assertNotEqual(0, cli.returncode, out)
        self.assertIn('no space left on the filesystem of %s' % work_dir,
                      out)
        self.assertIn('"openstack overcloud ffwd-upgrade status %s"'
                      % record['execution_id'], out)
        # Ansible did not go on unsupervised, and status does not call
        # the executor, which lives, stopped.
        self.wait_until(lambda: not locks.group_alive(record), 60,
                        'ansible-playbook outlived its failed action')
        status = self.openstack('status', record['execution_id'],
                                '--work-dir', work_dir)
        self.assertEqual(0, status.rc, status)
        self.assertNotIn('with its Mistral executor', status.out)

    def test_a_broken_task_file_is_named(self):
        path = os.path.join(paths.config_dir(self.work_dir, 'overcloud'),
                            'fast_forward_upgrade_release_tasks.yaml')
        with open(path) as f:
            whole = f.read()

        def write(text):
            with open(path, 'w') as f:
                f.write(text)
        self.addCleanup(write, whole)
        write(whole[:len(whole) // 2] + '\n  - {broken: [\n')
        result = self.openstack('run', '--yes')
        self.assertFailed(result, 'Ansible stopped ', '(in %s, line ' % path)

    def test_tags_that_select_nothing_fail(self):
        before = self.node(base.CONTROLLER)
        result = self.openstack('run', '--yes', '--tags', 'no-such-tag')
        self.assertFailed(
            result, 'Playbook fast_forward_upgrade_playbook.yaml ran no '
                    'task: --tags no-such-tag selected none of its tasks',
            'Nothing changed on the nodes')
        self.assertEqual(before['repo'], self.node(base.CONTROLLER)['repo'])


class TestSecrets(SafetyTestCase):

    SECRET = 'Sup3r-S3cret-Adm1n-4711'
    EXTRA = 'Xtra-S3cret-0815'
    PS_SECRET = 'Ps-S3cret-4242'

    def test_secrets_stay_out_of_outputs_and_shared_files(self):
        env_file = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                'secret.yaml')
        with open(env_file, 'w') as f:
            f.write('parameter_defaults:\n  AdminPassword: "%s"\n'
                    % self.SECRET)
        outputs = []
        for verbosity in ('-vv', '--debug'):
            result = self.openstack_top(
                verbosity, *(self._prepare_args() + ['-e', env_file]))
            self.assertEqual(0, result.rc, result)
            outputs.append(result.out)
            result = self.openstack_top(
                verbosity, 'run', '--yes', '--extra-vars',
                '{"db_password": "%s"}' % self.EXTRA)
            outputs.append(result.out)
            result = self.openstack_top(verbosity, 'status')
            outputs.append(result.out)
        for out in outputs:
            self.assertNotIn(self.SECRET, out)
            self.assertNotIn(self.EXTRA, out)
        self.assertIn('<hidden>', outputs[1])
        for root in (self.sandbox.state_dir,):
            for path in base.files_containing(root, (self.SECRET, self.EXTRA)):
                self.assertFalse(base.readable_by_others(path, root), path)

    def test_extra_vars_off_the_process_list(self):
        """While Ansible runs, no command line shows the extra vars.

        Passed as @file, as the docs advise for secrets (the operator's
        own command line is anybody's to read too).
        """
        self.slow('overcloud-controller-0', 8, 'repo ocata')
        secret_vars = os.path.join(
            self.useFixture(fixtures.TempDir()).path, 'vars.json')
        with open(secret_vars, 'w') as f:
            f.write('{"ffu_db_password": "%s"}' % self.PS_SECRET)
        proc = self.start_cli('run', '--yes', '--extra-vars',
                              '@' + secret_vars)
        record = self.wait_ansible_running()
        seen = []
        for _ in range(10):
            for name in os.listdir('/proc'):
                try:
                    with open('/proc/%s/cmdline' % name, 'rb') as f:
                        seen.append(f.read().replace(b'\0', b' '))
                except (OSError, ValueError):
                    continue
            time.sleep(0.3)
        out, _ = proc.communicate(timeout=600)
        self.assertEqual(0, proc.returncode, out)
        # This sandbox's (another may run on the machine).
        commands = [c for c in seen if b'ansible-playbook' in c and
                    self.work_dir.encode() in c]
        self.assertTrue(commands, 'no ansible-playbook seen running')
        self.assertEqual(
            [], [c for c in seen if self.PS_SECRET.encode() in c])
        # Ansible read them from the run's private file.
        vars_file = os.path.join(os.path.dirname(record['events_file']),
                                 'extra-vars.json')
        self.assertIn(('@' + vars_file).encode(), commands[0])
        self.assertEqual(0o600, stat.S_IMODE(os.stat(vars_file).st_mode))

    def _prepare_args(self):
        args = ['prepare', '--yes']
        for path in base.PREPARE_ENVS:
            args += ['-e', path]
        return args

    def openstack_top(self, option, *args):
        started = time.monotonic()
        proc = subprocess.run(
            [os.path.join(base.BIN, 'openstack'), option, 'overcloud',
             'ffwd-upgrade'] + list(args), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
            timeout=900, env=self.env())
        return base.Result(proc, time.monotonic() - started)


class TestRemoteFollower(SafetyTestCase):

    def test_a_follower_that_cannot_read_the_work_dir(self):
        """As a UI or a CLI on another host: progress through Mistral.

        The CLI runs in a mount namespace where an empty tmpfs hides the
        executor's work dir, as it is absent on another host.
        """
        if os.geteuid() != 0 or not shutil.which('unshare'):
            self.skipTest('needs root and unshare to hide the work dir')
        hide = ('mount -t tmpfs tmpfs "$0" && test ! -e "$0/overcloud" && '
                'exec "$@"')
        proc = subprocess.run(
            ['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
             hide, self.work_dir, os.path.join(base.BIN, 'openstack'),
             'overcloud', 'ffwd-upgrade', 'run', '--yes'],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            stdin=subprocess.DEVNULL, timeout=900, env=self.env())
        self.assertEqual(0, proc.returncode, proc.stdout)
        for line in ('-- release ocata, step ', '-- release pike, step ',
                     '  changed: overcloud-controller-0 | ',
                     'RECAP overcloud-controller-0 ok='):
            self.assertIn(line, proc.stdout)
        self.assertUpgraded()


class TestNoWorkflow(SafetyTestCase):

    def test_run_without_mistral(self):
        stopped = processes.stop(self.sandbox.pid_file('mistral'),
                                 self.sandbox.state_dir)
        self.assertTrue(stopped)
        self.addCleanup(self.sandbox_up)
        result = self.openstack('run', '--yes', '--no-workflow')
        self.assertSucceeded(result, 'run')
        self.assertIn('here, without Mistral (run local-', result.out)
        self.assertIn('-- release pike, step ', result.out)
        self.assertIn('Playbook fast_forward_upgrade_playbook.yaml '
                      'succeeded on 2 host(s).', result.out)
        self.assertUpgraded()
        record = self.ansible_record()
        self.assertTrue(record['execution_id'].startswith('local-'))
        self.assertEqual('SUCCESS', record['status'])
        self.assertIsNone(locks.read(locks.step_lock_path(self.work_dir,
                                                          'overcloud')))
        # Mistral never knew it; its record is read from the work dir.
        status = self.openstack('status', record['execution_id'],
                                '-f', 'value')
        self.assertEqual(0, status.rc, status)
        self.assertIn('Step run (no workflow)\n', status.out)
        self.assertIn('State SUCCESS\n', status.out)
        self.assertRegex(status.out, r'Recap overcloud-controller-0: ok=')
        self.sandbox_up()
        listed = self.openstack('status', '-f', 'value', '-c', 'ID',
                                '-c', 'Step')
        self.assertIn('%s run (no workflow)' % record['execution_id'],
                      listed.out)
