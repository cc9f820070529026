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

from tests.unit import base
from tripleo_ffu import journal


class Clock(object):

    def __init__(self):
        self.now = 1000.0

    def __call__(self, event, **data):
        self.now += 1
        return {'event': event, 'time': self.now, 'event_data': data}


def walk(clock, host, pairs, fail_at=None, task='t'):
    """A host's results through `pairs` (a result per pair)."""
    found = []
    for release, step in pairs:
        kind = 'runner_on_ok'
        if (release, step) == fail_at:
            kind = 'runner_on_failed'
        found.append(clock(kind, host=host, task=task, release=release,
                           step=str(step), msg='boom'))
        if kind != 'runner_on_ok':
            break
    return found


OCATA = [('ocata', s) for s in range(10)]
PIKE = [('pike', s) for s in range(10)]


class TestEntries(base.TestCase):

    def test_a_failed_step_and_the_ones_before(self):
        clock = Clock()
        found = ([clock('playbook_on_start', playbook='ffu.yaml')] +
                 walk(clock, 'c0', OCATA + PIKE, fail_at=('pike', 8),
                      task='keystone db sync') +
                 [clock('playbook_on_stats')])
        hosts = journal.entries(found)
        c0 = hosts['c0']
        self.assertEqual(['ocata:%d' % s for s in range(10)] +
                         ['pike:%d' % s for s in range(8)],
                         journal.finished(c0))
        self.assertEqual('failed', c0['pike:8']['state'])
        self.assertEqual('keystone db sync', c0['pike:8']['task'])
        self.assertEqual(1.0, c0['ocata:0']['seconds'])

    def test_killed_then_rerun(self):
        clock = Clock()
        found = ([clock('playbook_on_start', playbook='ffu.yaml')] +
                 walk(clock, 'c0', OCATA[:5]) +
                 # ansible-playbook killed: no stats; a new run starts.
                 [clock('playbook_on_start', playbook='ffu.yaml')])
        c0 = journal.entries(found)['c0']
        self.assertEqual('interrupted', c0['ocata:4']['state'])
        self.assertEqual(['ocata:0', 'ocata:1', 'ocata:2', 'ocata:3'],
                         journal.finished(c0))
        # The re-run finishes it: the newest run of a pair wins.
        found += walk(clock, 'c0', OCATA[4:]) + [clock('playbook_on_stats')]
        c0 = journal.entries(found)['c0']
        self.assertEqual('finished', c0['ocata:4']['state'])
        self.assertEqual(10, len(journal.finished(c0)))

    def test_steps_left_for_a_step_less_task_are_finished(self):
        clock = Clock()
        found = (walk(clock, 'c0', OCATA[:2]) +
                 [clock('runner_on_ok', host='c0', task='post')])
        self.assertEqual(['ocata:0', 'ocata:1'],
                         journal.finished(journal.entries(found)['c0']))

    def test_stopped_by_another_hosts_failure(self):
        clock = Clock()
        found = (walk(clock, 'c0', OCATA[:3]) +
                 walk(clock, 'n0', OCATA[:3], fail_at=('ocata', 2)) +
                 [clock('playbook_on_stats')])
        hosts = journal.entries(found)
        self.assertEqual('stopped', hosts['c0']['ocata:2']['state'])
        self.assertEqual('failed', hosts['n0']['ocata:2']['state'])

    def test_a_step_of_skipped_tasks_only_did_not_run(self):
        clock = Clock()
        found = [clock('runner_on_skipped', host='n0', task='t',
                       release='ocata', step='8'),
                 clock('runner_on_ok', host='c0', task='t',
                       release='ocata', step='8'),
                 clock('playbook_on_stats')]
        hosts = journal.entries(found)
        self.assertFalse(hosts['n0']['ocata:8']['ran'])
        self.assertTrue(hosts['c0']['ocata:8']['ran'])
        self.assertRaises(journal.RepeatRefused, journal.plan, found,
                          restart=True)
        # Only the node that ran it would repeat it.
        journal.plan(found, restart=True, hosts=['n0'])

    def test_ignored_errors_do_not_fail(self):
        clock = Clock()
        found = [clock('runner_on_failed', host='c0', task='t',
                       release='ocata', step='0', ignore_errors=True),
                 clock('playbook_on_stats')]
        self.assertEqual(['ocata:0'],
                         journal.finished(journal.entries(found)['c0']))


class TestPlan(base.TestCase):

    def setUp(self):
        super(TestPlan, self).setUp()
        clock = Clock()
        self.events = ([clock('playbook_on_start', playbook='ffu.yaml')] +
                       walk(clock, 'c0', OCATA + PIKE,
                            fail_at=('pike', 8)) +
                       walk(clock, 'n0', OCATA[:4] + PIKE[:4]) +
                       [clock('runner_on_ok', host='n0', task='post'),
                        clock('playbook_on_stats')])

    def test_resume_skips_what_each_host_finished(self):
        skip, skipped, repeats = journal.plan(self.events)
        # Step 0 of a release left unfinished runs again: the steps after
        # it test the facts it registers.
        self.assertEqual(17, len(skip['c0']))
        self.assertNotIn('pike:8', skip['c0'])
        self.assertNotIn('pike:0', skip['c0'])
        self.assertIn('ocata:0', skip['c0'])
        self.assertEqual(['ocata:1', 'ocata:2', 'ocata:3', 'pike:1',
                          'pike:2', 'pike:3'], skip['n0'])
        self.assertEqual('c0: ocata 0-9, pike 1-7; n0: ocata 1-3, pike 1-3',
                         journal.describe(skipped))
        self.assertEqual({}, repeats)

    def test_restart_would_repeat_the_db_sync(self):
        e = self.assertRaises(journal.RepeatRefused, journal.plan,
                              self.events, restart=True)
        self.assertIn('c0: ocata 8', str(e))
        self.assertIn('--repeat-db-sync', str(e))
        skip, skipped, repeats = journal.plan(self.events, restart=True,
                                              repeat_once_steps=True)
        self.assertEqual({}, skip)
        self.assertEqual({'c0': ['ocata:8']}, repeats)

    def test_from_a_step(self):
        skip, _, _ = journal.plan(self.events, resume_from='pike:4')
        self.assertNotIn('pike:0', skip['all'])
        self.assertIn('pike:3', skip['all'])
        skip, skipped, _ = journal.plan(self.events, resume_from='pike:0')
        self.assertEqual(['ocata:%d' % s for s in range(10)],
                         [k for k in skip['all'] if k.startswith('ocata')])
        self.assertNotIn('pike:0', skip['all'])
        self.assertEqual({'c0': ['ocata:%d' % s for s in range(10)],
                          'n0': ['ocata:0', 'ocata:1', 'ocata:2',
                                 'ocata:3']}, skipped)
        self.assertRaises(journal.RepeatRefused, journal.plan, self.events,
                          resume_from='ocata:5')

    def test_limit_plans_for_its_hosts(self):
        skip, _, _ = journal.plan(self.events, restart=True, hosts=['n0'])
        self.assertEqual({}, skip)
        skip, _, _ = journal.plan(self.events, hosts=['n0'])
        self.assertEqual(['n0'], list(skip))

    def test_bad_from(self):
        for text in ('pike', 'pike:10', 'folsom:1', 'pike:x', ':3'):
            self.assertRaises(ValueError, journal.plan, self.events,
                              resume_from=text)

    def test_no_journal(self):
        self.assertEqual(({}, {}, {}), journal.plan([]))


class TestSummary(base.TestCase):

    def test_compress(self):
        self.assertEqual('ocata 0-9, pike 0-2,5,7-8', journal.compress(
            ['pike:8', 'pike:7'] + ['ocata:%d' % s for s in range(10)] +
            ['pike:0', 'pike:1', 'pike:2', 'pike:5']))

    def test_summary(self):
        clock = Clock()
        found = (walk(clock, 'c0', OCATA[:3], fail_at=('ocata', 2),
                      task='db sync') +
                 walk(clock, 'n0', OCATA[:2]))
        self.assertEqual(
            [('c0', 'finished ocata 0-1 (2 s); FAILED ocata step 2 at task '
                    '"db sync"'),
             ('n0', 'finished ocata 0 (1 s); running ocata step 1')],
            journal.summary(found))
