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
from tests.unit import test_journal
from tripleo_ffu.actions import restore
from tripleo_ffu import db_dumps
from tripleo_ffu import journal

KEYSTONE = {'release': 'pike', 'host': 'c0', 'dir': '/d/pike',
            'databases': [{'name': 'keystone', 'bytes': 2048},
                          {'name': 'nova', 'bytes': 10}],
            'note': 'dumped before the pike DB sync'}


class TestDumpTask(base.TestCase):

    def test_first_in_the_bootstrap_tasks_once(self):
        tasks = [{'include_tasks': 'Controller/x.yaml'}]
        added = db_dumps.add_dump(db_dumps.BOOTSTRAP_TASKS, tasks)
        self.assertEqual([{'file': db_dumps.BOOTSTRAP_TASKS,
                           'task': db_dumps.DUMP_TASK}], added)
        self.assertEqual(db_dumps.DUMP_TASK, tasks[0]['name'])
        self.assertEqual([], db_dumps.add_dump(db_dumps.BOOTSTRAP_TASKS,
                                               tasks))
        self.assertEqual(2, len(tasks))
        other = [{'include_tasks': 'x.yaml'}]
        self.assertEqual([], db_dumps.add_dump(
            'fast_forward_upgrade_prep_role_tasks.yaml', other))
        self.assertEqual(1, len(other))

    def test_argv_only_at_the_db_sync_step_of_bootstrap_nodes(self):
        task = db_dumps.dump_task()
        argv = task['command']['argv']
        self.assertEqual(['/bin/bash', '-c'], argv[:2])
        self.assertEqual('{{ release }}', argv[-1])
        self.assertEqual(['step|int == 8',
                          'is_bootstrap_node|default(false)|bool',
                          'tripleo_ffu_db_dump|default(true)|bool'],
                         task['when'])
        self.assertIn(db_dumps.RESULT_KEY, db_dumps.DUMP_SCRIPT)
        self.assertIn(db_dumps.DUMP_DIR, db_dumps.RESTORE_SCRIPT)
        self.assertIn('sha256sum --quiet -c SHA256SUMS',
                      db_dumps.RESTORE_SCRIPT)

    def test_the_callback_keeps_the_manifest(self):
        from tripleo_ffu.ansible.callback_plugins import tripleo_ffu_events
        self.assertEqual(db_dumps.RESULT_KEY, tripleo_ffu_events.DB_DUMP_KEY)
        printed = json.dumps({db_dumps.RESULT_KEY: KEYSTONE})
        self.assertEqual(KEYSTONE, tripleo_ffu_events.db_dump(
            {'stdout': printed}))
        self.assertIsNone(tripleo_ffu_events.db_dump({'stdout': 'ok'}))
        self.assertIsNone(tripleo_ffu_events.db_dump(
            {'stdout': '%s {' % db_dumps.RESULT_KEY}))


class TestManifests(base.TestCase):

    def test_dumps_by_release_and_host(self):
        clock = test_journal.Clock()
        none_here = dict(KEYSTONE, host='n0', databases=[], dir=None)
        found = [clock('runner_on_ok', host='c0', release='pike', step='8',
                       db_dump=KEYSTONE),
                 clock('runner_on_ok', host='n0', release='pike', step='8',
                       db_dump=none_here),
                 clock('runner_on_ok', host='c0', release='pike', step='8')]
        dumps = db_dumps.manifests(found)
        self.assertEqual({'pike': {'c0': KEYSTONE}}, dumps)
        self.assertEqual('pike on c0 (keystone, nova, 3 KiB)',
                         db_dumps.describe(dumps))
        self.assertEqual('none', db_dumps.describe({}))

    def test_a_dump_alone_is_not_a_db_sync_that_ran(self):
        clock = test_journal.Clock()
        found = [clock('playbook_on_start', playbook='ffu.yaml'),
                 clock('runner_on_ok', host='n0', release='ocata', step='8',
                       db_dump=dict(KEYSTONE, databases=[])),
                 clock('runner_on_skipped', host='n0', release='ocata',
                       step='8'),
                 clock('playbook_on_stats')]
        self.assertFalse(journal.entries(found)['n0']['ocata:8']['ran'])
        # So walking it again is no repeat of a DB sync.
        self.assertEqual({}, journal.plan(found, restart=True)[2])

    def test_restore_undoes_the_db_sync_and_what_came_after(self):
        clock = test_journal.Clock()
        found = ([clock('playbook_on_start', playbook='ffu.yaml')] +
                 test_journal.walk(clock, 'c0', test_journal.OCATA +
                                   test_journal.PIKE) +
                 test_journal.walk(clock, 'n0', test_journal.OCATA +
                                   test_journal.PIKE) +
                 [clock('playbook_on_stats')])
        found.append(db_dumps.restore_event('pike', ['c0'], clock.now))
        c0 = journal.entries(found)['c0']
        self.assertEqual('finished', c0['pike:7']['state'])
        self.assertEqual(['restored', 'restored'],
                         [c0['pike:8']['state'], c0['pike:9']['state']])
        # The DB sync runs again without --repeat-db-sync, on every host.
        skip, skipped, repeats = journal.plan(found)
        self.assertEqual({}, repeats)
        self.assertNotIn('pike:8', skip['c0'])
        self.assertNotIn('pike:8', skip['n0'])
        self.assertIn('to run again after a DB restore pike 8-9',
                      dict(journal.summary(found))['c0'])


class TestRestoreResults(base.TestCase):

    def test_each_host_restored_failed_or_silent(self):
        clock = test_journal.Clock()
        found = [clock('runner_on_ok', host='c0', task='r'),
                 clock('runner_on_failed', host='d0', task='r',
                       msg='nova.sql.gz: FAILED')]
        restored, failed = restore.restore_results(found, ['c0', 'd0', 'e0'])
        self.assertEqual(['c0'], sorted(restored))
        self.assertEqual(['d0: nova.sql.gz: FAILED',
                          'e0: no answer (see the restore log)'], failed)

    def test_the_playbook_is_argv_only(self):
        plays = db_dumps.restore_playbook('pike')
        argv = plays[0]['tasks'][0]['command']['argv']
        self.assertEqual('pike', argv[-1])
        self.assertTrue(plays[0]['become'])

    def test_no_dump_of_the_release_says_which_there_are(self):
        work_dir = self.useFixture(fixtures.TempDir()).path
        path = journal.journal_file(work_dir, 'oc')
        journal.make_state_dir(work_dir, 'oc')
        with open(path, 'w') as f:
            f.write(json.dumps({'event': 'runner_on_ok', 'event_data': {
                'host': 'c0', 'release': 'ocata', 'step': '8',
                'db_dump': dict(KEYSTONE, release='ocata')}}) + '\n')
        result = restore.DbRestoreAction('oc', 'pike',
                                         work_dir=work_dir).run(None)
        self.assertEqual(
            'No database dump of pike in the journal of stack oc (%s); '
            'dumps on record: ocata on c0 (keystone, nova, 3 KiB). A dump '
            'is taken on the bootstrap nodes at the DB sync step of each '
            'release, by a config prepared by this tool.' % path,
            result.error)
        self.assertFalse(os.path.exists(os.path.join(
            os.path.dirname(path), 'db-restore')))
