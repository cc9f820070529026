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

import os

import fixtures
import yaml

from tests.unit import base
from tripleo_ffu import preflight


def results(rows):
    return [(r['check'], r['result']) for r in rows]


class TestRows(base.TestCase):

    def test_prepares_own_checks(self):
        self.assertEqual([(preflight.TEMPLATES_CHECK, 'fail')],
                         results(preflight.prepare_rows(
                             '/t', error='bad.yaml: not YAML')))
        good = preflight.prepare_rows(
            '/t', lifecycle='environments/lifecycle/upgrade-prepare.yaml',
            releases=['ocata', 'pike', 'queens'])
        self.assertEqual([(preflight.TEMPLATES_CHECK, 'pass'),
                          (preflight.LIFECYCLE_CHECK, 'pass'),
                          (preflight.MAPPINGS_CHECK, 'pass'),
                          ('FastForwardUpgradeReleases', 'pass')],
                         results(good))
        lost = preflight.prepare_rows('/t', lost='1 resource mapping(s)',
                                      lifecycle='l')
        self.assertEqual('fail', lost[2]['result'])
        self.assertEqual('1 resource mapping(s)', lost[2]['detail'])
        allowed = preflight.prepare_rows('/t', lost='1 resource mapping(s)',
                                         allow_lost=True, lifecycle='l')
        self.assertEqual('warn', allowed[2]['result'])
        self.assertEqual(3, len(allowed))

    def test_stack(self):
        self.assertEqual([('Stack oc', 'pass'),
                          ('Other ffwd-upgrade steps', 'pass')],
                         results(preflight.stack_rows(
                             'oc', 'UPDATE_COMPLETE', None, None)))
        stuck = preflight.stack_rows('oc', 'UPDATE_IN_PROGRESS',
                                     'STUCK: cancel it', 'run e1 RUNNING')
        self.assertEqual(['fail', 'fail'], [r['result'] for r in stuck])
        self.assertEqual('STUCK: cancel it', stuck[0]['detail'])
        # Prepare again is how a failed update is fixed: not a blocker.
        self.assertEqual('warn', preflight.stack_rows(
            'oc', 'UPDATE_FAILED', None, None)[0]['result'])
        self.assertEqual('not found in Heat', preflight.stack_rows(
            'oc', None, None, None)[0]['detail'])

    def test_work_dir(self):
        gib = preflight.GIB
        self.assertEqual(['fail', 'warn', 'pass'], [
            preflight.work_dir_row('/w', free)['result']
            for free in (gib // 2, 2 * gib, 50 * gib)])

    def test_releases(self):
        self.assertEqual('pass', preflight.releases_row(
            ['ocata', 'pike', 'queens'])['result'])
        for wrong in (['pike', 'ocata', 'queens'], ['ocata', 'pike'],
                      ['ocata', 'pike', 'rocky'], ['ocata', 'x', 'queens']):
            self.assertEqual('fail', preflight.releases_row(wrong)['result'],
                             wrong)
        self.assertEqual('warn', preflight.releases_row(None)['result'])

    def test_releases_read_from_the_downloaded_walk(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        for plays, expected in (
                ([{'tasks': [{'set_fact': {'releases': ['ocata', 'pike',
                                                        'queens']}}]}],
                 ['ocata', 'pike', 'queens']),
                ([{'vars': {'releases':
                            "{{ 'ocata,pike,queens'.split(',') }}"}}],
                 ['ocata', 'pike', 'queens']),
                ([{'tasks': []}], None)):
            with open(os.path.join(tmp, 'fast_forward_upgrade_playbook.yaml'),
                      'w') as f:
                yaml.safe_dump(plays, f)
            self.assertEqual(expected, preflight.playbook_releases(tmp))

    def test_workarounds(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        self.assertEqual('warn', preflight.workaround_row(tmp)['result'])
        with open(os.path.join(tmp, 'fast_forward_upgrade_prep_tasks.yaml'),
                  'w') as f:
            yaml.safe_dump([{'name': 'Prep Workarounds for Controller',
                             'shell': 'rm -f /usr/libexec/os-refresh-config'
                                      '/configure.d/40-hiera-datafiles'}], f)
        row = preflight.workaround_row(tmp)
        self.assertEqual(('pass', 'planned: Prep Workarounds for '
                          'Controller'), (row['result'], row['detail']))

    def test_nodes(self):
        ssh = preflight.NODE_CHECKS['ssh']
        space = preflight.NODE_CHECKS['dump_space']

        def event(kind, host, task, msg=''):
            return {'event': kind, 'event_data': {'host': host, 'task': task,
                                                  'msg': msg}}
        found = [event('runner_on_ok', 'c0', ssh),
                 event('runner_on_unreachable', 'n0', ssh,
                       'Failed to connect\nConnection refused'),
                 event('runner_on_failed', 'c0', space, '10 KiB free')]
        rows = preflight.node_rows(found, ['c0', 'n0', 'n1'])
        self.assertEqual([(ssh, 'fail'), (space, 'fail'),
                          (preflight.NODE_CHECKS['ceilometer'], 'pass')],
                         results(rows))
        self.assertEqual('n0: Connection refused; n1: no answer',
                         rows[0]['detail'])
        rows = preflight.node_rows([], ['c0'], 'ERROR! bad playbook')
        self.assertEqual('c0: no answer (ERROR! bad playbook)',
                         rows[0]['detail'])

    def test_node_playbook_is_argv_only(self):
        # Free-form commands are split by Ansible: the scripts go as argv.
        tasks = preflight.node_playbook()[0]['tasks']
        self.assertEqual([], [t for t in tasks if 'shell' in t])
        self.assertEqual({}, tasks[0]['ping'])

    def test_verdict(self):
        ok = preflight.row('a', 'pass', '')
        warn = preflight.row('b', 'warn', '')
        bad = preflight.row('c', 'fail', 'why')
        self.assertEqual('pass', preflight.verdict([ok]))
        self.assertEqual('warn', preflight.verdict([ok, warn]))
        self.assertEqual('fail', preflight.verdict([ok, warn, bad]))
        self.assertEqual('Pre-flight failed 1 check(s): c (why)',
                         preflight.failed_sentence([ok, bad]))
