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
import stat
import subprocess

import fixtures

from tests.unit import base
from tripleo_ffu import contract
from tripleo_ffu import locks
from tripleo_ffu import records
from tripleo_ffu import runs
from tripleo_ffu.v1 import ffwd_upgrade


class TestRunDirectories(base.TestCase):

    def setUp(self):
        super(TestRunDirectories, self).setUp()
        self.work_dir = self.useFixture(fixtures.TempDir()).path

    def _run(self, execution_id, started_at, **record):
        runs.create(self.work_dir, 'oc', execution_id)
        runs.write_record(self.work_dir, 'oc', execution_id, dict(
            record, execution_id=execution_id, started_at=started_at))

    def test_one_private_directory_per_run_and_the_newest(self):
        self._run('e1', '2026-12-01 10:00:00 UTC', status='FAILED')
        self._run('e2', '2026-12-01 11:00:00 UTC', status='SUCCESS')
        self.assertEqual('e2', runs.newest(self.work_dir, 'oc'))
        self.assertEqual(['e2', 'e1'], [
            r['execution_id'] for r in runs.list_records(self.work_dir,
                                                         'oc')])
        for path in (runs.runs_dir(self.work_dir, 'oc'),
                     runs.run_dir(self.work_dir, 'oc', 'e1')):
            self.assertEqual(0o700, stat.S_IMODE(os.stat(path).st_mode))
        self.assertEqual(0o600, stat.S_IMODE(os.stat(runs.record_file(
            self.work_dir, 'oc', 'e1')).st_mode))
        self.assertEqual(
            os.path.join(self.work_dir, 'oc', 'runs', 'e1', 'events.jsonl'),
            runs.events_file(self.work_dir, 'oc', 'e1'))

    def test_an_earlier_run_keeps_its_own_record(self):
        self._run('e1', 't1', status='FAILED', rc=2,
                  recap={'c0': {'ok': 3, 'changed': 1, 'failures': 1,
                                'unreachable': 0}})
        self._run('e2', 't2', status='SUCCESS', rc=0)
        record = records.ansible_record(self.work_dir, 'oc', 'e1')
        self.assertEqual('FAILED', record['status'])
        details = dict(records.run_details(record))
        self.assertEqual('c0: ok=3 changed=1 failed=1 unreachable=0',
                         details['Recap'])
        self.assertNotIn('Database dumps', details)
        # The journal's dumps are listed with the run.
        journal_file = os.path.join(self.work_dir, 'journal.jsonl')
        with open(journal_file, 'w') as f:
            f.write(json.dumps({'event': 'runner_on_ok', 'event_data': {
                'host': 'c0', 'release': 'ocata', 'step': '8',
                'db_dump': {'release': 'ocata', 'databases': [
                    {'name': 'keystone', 'bytes': 4096}]}}}) + '\n')
        details = dict(records.run_details(dict(record,
                                                journal_file=journal_file)))
        self.assertEqual('ocata on c0 (keystone, 4 KiB)',
                         details['Database dumps'])
        self.assertIsNone(records.ansible_record(self.work_dir, 'oc', 'e3'))

    def test_status_lists_runs_made_without_mistral(self):
        self._run('local-1', '2026-12-01 12:00:00 UTC', status='SUCCESS',
                  playbook='p.yaml', ended_at='2026-12-01 12:05:00 UTC')
        self._run('mistral-run', '2026-12-01 09:00:00 UTC')
        rows = ffwd_upgrade.local_run_rows(self.work_dir, 'oc')
        self.assertEqual([('local-1', 'run (no workflow)', 'SUCCESS',
                           '2026-12-01 12:00:00 UTC',
                           '2026-12-01 12:05:00 UTC', 'p.yaml')], rows)
        mistral_row = ('m', 'run', 'SUCCESS', '2026-12-01 11:00:00', 'u', '')
        self.assertEqual(['local-1', 'm'], [
            r[0] for r in ffwd_upgrade.newest_first([mistral_row] + rows)])
        self.assertTrue('local-1'.startswith(contract.LOCAL_RUN_PREFIX))


class TestDescribeAnsible(base.TestCase):
    """What status says of a run whose record was left "running"."""

    def _record(self, executor):
        ended = subprocess.Popen(['true'])
        ended.wait()
        return dict(locks.process_identity(ended.pid), running=True,
                    execution_id='e1', playbook='p.yaml', events_file='',
                    executor=executor)

    def test_a_live_executor_is_not_called_stopped(self):
        text = records.describe_ansible(self._record(locks.this_process()))
        self.assertIn('but its outcome was not recorded; its Mistral '
                      'executor (pid %d) still runs' % os.getpid(), text)
        self.assertNotIn('with its Mistral executor', text)

    def test_a_stopped_executor_is_named_so(self):
        record = self._record(None)
        record['executor'] = dict(record, executor=None)
        text = records.describe_ansible(record)
        self.assertIn('was stopped before its end, with its Mistral '
                      'executor', text)
