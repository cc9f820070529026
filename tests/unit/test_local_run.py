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

import json
import os

import fixtures

from tests.unit import base
from tripleo_ffu import compat
from tripleo_ffu import locks
from tripleo_ffu import runs
from tripleo_ffu.v1 import local_run


class TestRunHere(base.TestCase):

    def setUp(self):
        super(TestRunHere, self).setUp()
        self.work_dir = self.useFixture(fixtures.TempDir()).path
        self.lines = []
        self.seen = {}
        self.useFixture(fixtures.MockPatch(
            'tripleo_ffu.actions.ansible.AnsiblePlaybookAction.run',
            side_effect=self._action_run, autospec=True))
        # The pre-flight's own checks: tests/unit/test_preflight.py.
        self.preflight = self.useFixture(fixtures.MockPatch(
            'tripleo_ffu.actions.preflight.PreflightAction.run',
            return_value={'status': 'SUCCESS', 'checks': [],
                          'message': 'Pre-flight of stack oc: pass.'})).mock
        self.result = {'status': 'SUCCESS', 'message': 'Playbook p '
                       'succeeded on 1 host(s).', 'recap': {}}

    def _action_run(self, action, context):
        """What the real action does, as seen from outside: events, lock."""
        execution_id = context.execution.workflow_execution_id
        self.seen.update(execution_id=execution_id, work_dir=action.work_dir,
                         limit=action.limit_hosts, holder=locks.read(
                             locks.step_lock_path(self.work_dir, 'oc')))
        path = runs.events_file(self.work_dir, 'oc', execution_id)
        compat.makedirs(os.path.dirname(path))
        with open(path, 'w') as f:
            f.write(json.dumps({'event': 'runner_on_ok', 'event_data': {
                'host': 'c0', 'task': 'Upgrade', 'changed': True,
                'release': 'ocata', 'step': 1}}) + '\n')
        return self.result

    def _run(self):
        return local_run.run_here(
            {'stack': 'oc', 'work_dir': self.work_dir, 'limit_hosts': 'c0',
             'playbook': 'p.yaml', 'queue_name': 'tripleo'},
            self.lines.append, poll_s=0.01)

    def test_runs_the_action_under_the_stack_lock_with_progress(self):
        self.assertEqual(self.result, self._run())
        self.assertTrue(self.seen['execution_id'].startswith('local-'))
        self.assertEqual(self.seen['execution_id'],
                         self.seen['holder']['execution_id'])
        self.assertEqual('c0', self.seen['limit'])
        self.assertEqual(['Running p.yaml here, without Mistral (run %s) on '
                          'stack oc.' % self.seen['execution_id'],
                          'Pre-flight of stack oc: pass.',
                          '-- release ocata, step 1',
                          '  changed: c0 | Upgrade (release ocata, step 1)'],
                         self.lines)
        # Given back.
        self.assertIsNone(locks.read(locks.step_lock_path(self.work_dir,
                                                          'oc')))

    def test_failure_is_the_actions_message(self):
        from mistral_lib import actions
        self.result = actions.Result(error={
            'status': 'FAILED', 'message': 'c0 failed at task t'})
        e = self.assertRaises(local_run.LocalRunError, self._run)
        self.assertEqual('c0 failed at task t', str(e))
        self.assertIsNone(locks.read(locks.step_lock_path(self.work_dir,
                                                          'oc')))

    def test_refused_while_a_live_process_holds_the_stack(self):
        os.makedirs(locks.locks_dir(self.work_dir))
        # This very process stands for a running executor.
        locks.write(locks.step_lock_path(self.work_dir, 'oc'), {
            'execution_id': 'e0', 'step': 'prepare', 'started_at': 't',
            'executor': locks.this_process()})
        e = self.assertRaises(local_run.LocalRunError, self._run)
        self.assertIn('Not starting run: stack oc is held by prepare '
                      'execution e0', str(e))
        self.assertEqual({}, self.seen)
