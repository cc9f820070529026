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

"""Newton -> Queens through the real openstack CLI, Mistral, Heat, Ansible."""

import json
import os
import re
import subprocess
import time

import yaml

from tests.functional import base
from tripleo_ffu import contract
from tripleo_ffu import paths
from tripleo_ffu import restore_points
from tripleo_ffu.v1 import environment
from tripleo_ffu_sandbox import report


class TestFastForwardUpgrade(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.sandbox.reset_nodes()
        self.config_dir = paths.config_dir(self.sandbox.work_dir,
                                           'overcloud')
        self.heat = self.sandbox.heat_client()

    def _stack_parameters(self):
        return self.heat.stacks.get('overcloud').parameters

    def _deployment_type(self):
        """What the stack's environment maps the deployment steps to."""
        registry = self.heat.stacks.environment('overcloud')[
            'resource_registry']
        return registry['OS::TripleO::DeploymentSteps']

    def test_happy_path_newton_to_queens(self):
        before = self.node(base.CONTROLLER)
        self.assertEqual('10.0.3', before['packages']['keystone'])

        prepared = self.prepare()
        self.assertSucceeded(prepared, 'prepare')
        self.assertIn('[download_config] SUCCESS', prepared.out)
        # The executor's own Ansible checked the config: on a Queens
        # undercloud, Mistral 6's executor on Python 2.7 with Ansible 2.9.
        self.assertIn('checked with %s' % (
            'ansible 2.9.' if self.sandbox.queens else 'ansible-core 2.15.'),
            prepared.out)
        self.assertIn('step condition moved first: Controller '
                      'Controller/fast_forward_upgrade_tasks.yaml "Stop '
                      'keystone for the Ocata upgrade"', prepared.out)
        stack = self.heat.stacks.get('overcloud')
        self.assertEqual('UPDATE_COMPLETE', stack.stack_status)
        self.assertEqual('FASTFORWARDUPGRADE',
                         stack.parameters['StackUpdateType'])
        self.assertEqual('OS::Heat::None', self._deployment_type())
        for name in ('fast_forward_upgrade_playbook.yaml',
                     'Controller/fast_forward_upgrade_tasks.yaml',
                     'Compute/upgrade_tasks.yaml',
                     paths.INVENTORY_FILE, paths.HYGIENE_REPORT):
            self.assertTrue(os.path.isfile(os.path.join(self.config_dir,
                                                        name)), name)

        with base.WorkloadProbe(self.sandbox.workload_url) as probe:
            ran = self.openstack('run', '--yes')
        self.assertSucceeded(ran, 'run')
        self.assertEqual([], probe.misses)
        self.assertGreater(probe.answers, 10)
        # Progress from the Ansible callback, streamed while running.
        self.assertIn('PLAY [Fast-forward upgrade through the intermediate '
                      'releases]', ran.out)
        self.assertIn('changed: overcloud-controller-0 | Keystone db sync',
                      ran.out)
        self.assertRegex(ran.out, r'overcloud-novacompute-0: ok=\d+ '
                                  r'changed=\d+ failed=0 unreachable=0')
        self.assertEqual(1, ran.out.count('changed: overcloud-controller-0 '
                                          '| Keystone db sync to the final '
                                          'release'))
        self.assertTrue(os.access(os.path.join(
            self.config_dir, paths.COMMAND_SCRIPT), os.X_OK))
        self.assertTrue(os.path.isfile(os.path.join(self.config_dir,
                                                    'ansible.log')))

        self.assertEqual([], report.verify(self.sandbox, 'queens'))
        controller = self.node(base.CONTROLLER)
        self.assertEqual('13.0.4', controller['packages']['keystone'])
        self.assertEqual(
            ['newton', 'newton', 'ocata', 'ocata', 'pike', 'pike', 'queens',
             'queens'], [m['release'] for m in controller['migrations']])
        self.assertEqual([], self.node(base.COMPUTE)['migrations'])
        history = open(os.path.join(self.sandbox.nodes_dir, base.CONTROLLER,
                                    'history.log')).read()
        self.assertIn('service keystone stop', history)
        self.assertLess(history.index('service keystone stop'),
                        history.index('package keystone 10.0.3 -> 11.0.4'))

        converged = self.converge()
        self.assertSucceeded(converged, 'converge')
        self.assertIn('Stack overcloud is UPDATE_COMPLETE.', converged.out)
        parameters = self._stack_parameters()
        self.assertEqual('', parameters['StackUpdateType'])
        self.assertEqual('True', parameters['EnableOnlineDataMigrations'])
        self.assertTrue(self._deployment_type().endswith('deploy-steps.yaml'),
                        self._deployment_type())

        status = self.openstack('status', '-f', 'value', '-c', 'Step',
                                '-c', 'State')
        self.assertEqual(0, status.rc, status)
        self.assertEqual(['converge SUCCESS', 'run SUCCESS',
                          'prepare SUCCESS'],
                         status.stdout.strip().splitlines()[:3])

    def _heat_holds(self):
        stack = self.heat.stacks.get('overcloud')
        environment = self.heat.stacks.environment(stack.id)
        environment.pop('encrypted_param_names', None)
        return (self.heat.stacks.template(stack.id), environment,
                self.heat.stacks.files(stack.id))

    def test_abort_after_prepare_puts_the_stack_back(self):
        # A new upgrade (what converge leaves): its own restore point.
        restore_points.end_upgrade(self.sandbox.work_dir, 'overcloud')
        before = self._heat_holds()
        self.assertSucceeded(self.prepare(), 'prepare')
        self.assertNotEqual(before, self._heat_holds())
        saved = restore_points.read(self.sandbox.work_dir, 'overcloud')
        self.assertEqual(before[1]['resource_registry'],
                         saved['environment']['resource_registry'])

        aborted = self.openstack('abort', '--yes')
        self.assertEqual(0, aborted.rc, aborted)
        self.assertIn('Stack overcloud is back at its restore point (%s)'
                      % restore_points.stack_file(self.sandbox.work_dir,
                                                  'overcloud'), aborted.out)
        self.assertIn('FFWD Upgrade Abort on stack overcloud complete.',
                      aborted.out)
        # Heat holds what it held before prepare: template, environment
        # (parameters, registry) and files.
        self.assertEqual(before, self._heat_holds())
        self.assertEqual('UPDATE_COMPLETE',
                         self.heat.stacks.get('overcloud').stack_status)
        # The downloaded config, of the prepared stack, was set aside.
        self.assertFailed(self.openstack('run', '--yes'),
                          'No downloaded config for stack overcloud')

    def test_failed_task_then_fixed_rerun(self):
        self.assertSucceeded(self.prepare(), 'prepare')
        marker = self.fail_on(base.CONTROLLER, 'migrate keystone pike')
        failed = self.openstack('run', '--yes')
        self.assertFailed(failed, 'overcloud-controller-0 failed at task '
                                  '"Keystone db sync"',
                          'injected failure: migrate keystone pike',
                          os.path.join(self.config_dir, 'ansible.log'))
        self.assertNotIn('FFWD Upgrade Run on stack overcloud complete.',
                         failed.out)
        execution = re.search(r'execution ([0-9a-f-]{36})', failed.out)[1]
        # One field per line: "<field> <value>" with -f value.
        status = self.openstack('status', execution, '-f', 'value')
        self.assertIn('State ERROR\n', status.out)
        self.assertIn('Task run_playbook\n', status.out)
        self.assertIn('Keystone db sync', status.out)
        applied = [m['release'] for m in
                   self.node(base.CONTROLLER)['migrations']]
        self.assertIn('ocata', applied)
        self.assertNotIn('pike', applied)

        os.unlink(marker)
        self.assertSucceeded(self.openstack('run', '--yes'), 'run')
        self.assertEqual([], report.verify(self.sandbox, 'queens'))

        # The failed run keeps its own record after the newer run's.
        status = self.openstack('status', execution, '-f', 'value')
        self.assertEqual(0, status.rc, status)
        self.assertRegex(status.out, r'Ansible ansible-core [0-9.]+, '
                                     r'fast_forward_upgrade_playbook.yaml, '
                                     r'pid \d+, started .*, ended .* '
                                     r'FAILED \(rc 2\)')
        self.assertRegex(status.out, r'Recap .*overcloud-controller-0: '
                                     r'ok=\d+ changed=\d+ failed=1 '
                                     r'unreachable=0')
        run_dir = os.path.join(self.config_dir, 'runs', execution)
        self.assertIn('Run record %s (log %s, bytes ' % (
            run_dir, os.path.join(self.config_dir, 'ansible.log')),
            status.out)
        newest = os.readlink(os.path.join(self.config_dir, 'runs',
                                          'latest'))
        self.assertNotEqual(execution, newest)
        for path in (run_dir, os.path.join(run_dir, 'events.jsonl'),
                     os.path.join(run_dir, 'record.json'),
                     os.path.join(self.config_dir, 'ansible.log')):
            self.assertEqual(0, os.stat(path).st_mode & 0o077, path)

    def test_stack_updated_by_something_else_after_prepare(self):
        self.assertSucceeded(self.prepare(), 'prepare')
        stack = self.heat.stacks.get('overcloud')
        # An operator's own "stack update" between prepare and converge.
        self.heat.stacks.update(stack.id, existing=True, environment={
            'parameter_defaults': {'TripleoFfuForeignUpdate': 1}})
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            now = self.heat.stacks.get('overcloud')
            if now.updated_time != stack.updated_time and now.stack_status \
                    == 'UPDATE_COMPLETE':
                break
            time.sleep(1)
        for step, refused in (('run', self.openstack('run', '--yes')),
                              ('converge', self.converge())):
            self.assertFailed(refused, 'Not starting %s: stack overcloud '
                              'was updated at %s' % (step, now.updated_time),
                              'Run "openstack overcloud ffwd-upgrade '
                              'prepare" again')
        self.assertEqual(now.updated_time,
                         self.heat.stacks.get('overcloud').updated_time)
        # prepare again: the config is the stack's as it is now.
        self.assertSucceeded(self.prepare(), 'prepare')
        self.assertSucceeded(self.converge(), 'converge')


class TestErrors(base.FunctionalTestCase):

    def _executions(self):
        return len(self.sandbox.mistral_client().executions.list(limit=1000))

    def test_missing_env_file_starts_nothing(self):
        before = self._executions()
        result = self.openstack('prepare', '--yes', '-e', '/no/such.yaml')
        self.assertFailed(result, 'Environment file /no/such.yaml does not '
                                  'exist')
        self.assertEqual(before, self._executions())

    def test_missing_stack(self):
        stamp = self.sandbox.heat_client().stacks.get(
            'overcloud').updated_time
        result = self.prepare('--stack', 'nope')
        # Said by the pre-flight, before anything changes.
        self.assertFailed(result, 'Pre-flight failed 1 check(s): Stack nope '
                                  '(not found in Heat)')
        self.assertEqual(stamp, self.sandbox.heat_client().stacks.get(
            'overcloud').updated_time)

    def test_run_before_prepare(self):
        result = self.openstack('run', '--yes', '--stack', 'never-prepared')
        self.assertFailed(result, 'Stack never-prepared (not found in Heat)')
        result = self.openstack('run', '--yes', '--stack', 'never-prepared',
                                '--skip-preflight')
        self.assertFailed(result, 'No downloaded config for stack '
                                  'never-prepared',
                          'run "openstack overcloud ffwd-upgrade prepare" '
                          'first')

    def test_unknown_playbook(self):
        if not os.path.isdir(paths.config_dir(self.sandbox.work_dir,
                                              'overcloud')):
            self.assertSucceeded(self.prepare(), 'prepare')
        result = self.openstack('run', '--yes', '--playbook', 'nope.yaml')
        self.assertFailed(result, 'Playbook nope.yaml is not in',
                          'fast_forward_upgrade_playbook.yaml')

    def test_mistral_unreachable(self):
        from tripleo_ffu_sandbox import processes
        port = processes.free_port()
        result = self.openstack('prepare', '--yes', env=self.env(
            OS_WORKFLOWV2_ENDPOINT_OVERRIDE='http://127.0.0.1:%d/v2' % port))
        self.assertFailed(result, 'Mistral is unreachable at '
                                  'http://127.0.0.1:%d/v2' % port)

    def test_not_confirmed(self):
        before = self._executions()
        result = self.openstack('converge')
        self.assertFailed(result, 'valid backup', 'nothing was started')
        self.assertEqual(before, self._executions())

    def test_heat_down(self):
        from tripleo_ffu_sandbox import processes
        stopped = processes.stop(self.sandbox.pid_file('heat'),
                                 self.sandbox.state_dir)
        self.assertTrue(stopped)
        self.addCleanup(self.sandbox.up)
        result = self.prepare()
        # prepare's first call to Heat: the prepare script's servers.
        self.assertFailed(result, '[run_prepare_script] ERROR',
                          'Stack overcloud was not updated; check that Heat '
                          'runs, then run prepare again.')
        self.assertIn(self.sandbox.heat_url.split('/v1')[0], result.out)


# A UI of the Queens era: python-mistralclient 3.3 on Python 2.7 starts
# the workflow and polls it, nothing of this project's client side.
QUEENS_UI = """
import json, sys, time
from mistralclient.api.v2 import client
args = json.load(sys.stdin)
mistral = client.Client(mistral_url=args['url'], auth_token=args['token'])
execution = mistral.executions.create(args['workflow'],
                                      workflow_input=args['input'])
deadline = time.time() + 600
while execution.state == 'RUNNING' and time.time() < deadline:
    time.sleep(1)
    execution = mistral.executions.get(execution.id)
print(json.dumps({'id': execution.id, 'state': execution.state,
                  'output': json.loads(execution.output or '{}')}))
"""


class TestQueensUndercloudUI(base.FunctionalTestCase):

    def test_prepare_started_by_a_queens_mistralclient(self):
        if not self.sandbox.queens:
            self.skipTest('a Queens undercloud only (the test command runs '
                          'it on one)')
        env, files, _ = environment.load(base.PREPARE_ENVS, [])
        python = self.sandbox.server_bin('python')
        # A UI logs in to Keystone and calls Mistral with its token.
        token = self.sandbox.keystone_session().get_token()
        proc = subprocess.run(
            [python, '-c', QUEENS_UI], input=json.dumps({
                'url': self.sandbox.mistral_url, 'token': token,
                'workflow': contract.workflow_name('prepare'),
                'input': {'stack': 'overcloud', 'environment': env,
                          'files': files}}),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            timeout=700)
        self.assertEqual(0, proc.returncode, proc.stderr)
        done = json.loads(proc.stdout)
        self.assertEqual('SUCCESS', done['state'], done)
        self.assertIn('checked with ansible 2.9.', done['output']['message'])
        # The project's CLI (the Queens one) sees the same execution.
        status = self.openstack('status', done['id'])
        self.assertEqual(0, status.rc, status)
        self.assertIn('SUCCESS', status.stdout)

        # The actions reached Heat through the token's catalog, and the
        # inventory's Undercloud group names who ran it, as upstream's.
        with open(os.path.join(paths.config_dir(self.sandbox.work_dir,
                                                'overcloud'),
                               paths.INVENTORY_FILE)) as f:
            undercloud = yaml.safe_load(f)['Undercloud']['vars']
        self.assertEqual(self.sandbox.keystone_url, undercloud['auth_url'])
        self.assertEqual('admin', undercloud['username'])
        self.assertEqual('admin', undercloud['project_name'])
        # The token itself: in no output, in nothing under the work dir,
        # in no file of the sandbox that another user can read.
        self.assertNotIn(token, proc.stdout + proc.stderr)
        self.assertNotIn(token, status.out)
        self.assertNotIn(token, json.dumps(self.sandbox.mistral_client()
                                           .executions.get(done['id'])
                                           .to_dict()))
        root = self.sandbox.state_dir
        leaks = [path for path in base.files_containing(root, [token])
                 if path.startswith(self.sandbox.work_dir + os.sep) or
                 base.readable_by_others(path, root)]
        self.assertEqual([], leaks)
