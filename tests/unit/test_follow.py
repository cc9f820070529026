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
import logging
import os
import subprocess

import fixtures

from tests.unit import base
from tripleo_ffu import locks
from tripleo_ffu import contract
from tripleo_ffu import runs
from tripleo_ffu.workflows import follow
from tripleo_ffu.workflows import registration


def task(tid, name, state, created='2026-01-01 00:00:00', info=None):
    return base.Namespace(id=tid, name=name, state=state,
                          created_at=created, state_info=info)


class FakeMistral(object):
    """Plays back a script of (execution state, tasks, output) polls."""

    def __init__(self, polls, on_poll=None):
        self.polls = list(polls)
        self.index = -1
        self.on_poll = on_poll
        self.executions = base.Namespace(
            _get=self._get_fields, create=self._create, list=self._list,
            http_client=base.Namespace(base_url='http://m:8989/v2'))
        # Task results ({status...} of the actions), by task id.
        self.results = {}
        self.tasks = base.Namespace(
            list=self._tasks, get=lambda task_id: base.Namespace(
                result=json.dumps(self.results.get(task_id, {}))))
        self.created = []
        # Mistral has this package's workbook and actions.
        self.workbook = registration.workbook_definition()
        self.workbooks = base.Namespace(
            get=lambda name: base.Namespace(definition=self.workbook),
            create=self._set_workbook, update=self._set_workbook)
        self.actions = base.Namespace(get=lambda name: name)
        self.registered = []

    def _set_workbook(self, definition):
        self.registered.append(definition)
        self.workbook = definition

    def _get_fields(self, url):
        # What the follower reads: never the input.
        path, fields = url.split('?fields=')
        assert 'input' not in fields.split(','), fields
        return self._get(path.rsplit('/', 1)[-1])

    def _get(self, execution_id):
        self.index = min(self.index + 1, len(self.polls) - 1)
        if self.on_poll:
            self.on_poll(self.index)
        state, _, output, info = self.polls[self.index]
        return base.Namespace(id=execution_id, state=state,
                              output=json.dumps(output),
                              state_info=info)

    def _tasks(self, workflow_execution_id, sort_keys='', sort_dirs=''):
        # Mistral sorts by its sub-second creation time; the scripts list
        # tasks in that order already.
        assert (sort_keys, sort_dirs) == ('created_at', 'asc')
        return self.polls[self.index][1]

    def _create(self, name, workflow_input, description):
        self.created.append((name, workflow_input))
        # What keystoneauth logs of the request at debug level, as the
        # real client does: the input, passwords and all.
        logging.getLogger('keystoneauth.session').debug(
            "REQ: curl -g -i -X POST %s/executions -d '%s'",
            self.executions.http_client.base_url, json.dumps(
                {'workflow_name': name, 'input': json.dumps(workflow_input),
                 'description': description}))
        return base.Namespace(id='e1')

    def _list(self, **kwargs):
        return []


class TestFollower(base.TestCase):

    def setUp(self):
        super(TestFollower, self).setUp()
        self.lines = []
        self.clock = base.FakeClock()

    def _follower(self, mistral, events_path=None, verbose=False):
        return follow.Follower(mistral, self.lines.append, events_path,
                               verbose, poll_interval=1, clock=self.clock,
                               sleep=self.clock.sleep)

    def test_success_prints_each_change_once_in_order(self):
        t1 = '2026-01-01 00:00:01'
        t2 = '2026-01-01 00:00:02'
        mistral = FakeMistral([
            ('RUNNING', [task('a', 'update_stack', 'IDLE', t1)], {}, None),
            ('RUNNING', [task('a', 'update_stack', 'RUNNING', t1)], {}, None),
            ('RUNNING', [task('a', 'update_stack', 'RUNNING', t1)], {}, None),
            ('RUNNING', [task('a', 'update_stack', 'SUCCESS', t1),
                         task('b', 'wait_stack', 'RUNNING', t2)], {}, None),
            ('SUCCESS', [task('a', 'update_stack', 'SUCCESS', t1),
                         task('b', 'wait_stack', 'SUCCESS', t2)],
             {'status': 'SUCCESS', 'message': 'done'}, None),
        ])
        output = self._follower(mistral).follow('e1', 60)
        self.assertEqual({'status': 'SUCCESS', 'message': 'done'}, output)
        self.assertEqual(['[update_stack] RUNNING', '[update_stack] SUCCESS',
                          '[wait_stack] RUNNING', '[wait_stack] SUCCESS'],
                         self.lines)

    def test_error_names_the_failing_task(self):
        mistral = FakeMistral([
            ('ERROR', [task('a', 'run_playbook', 'ERROR',
                            info='No downloaded config'),
                       task('b', 'report_failure', 'SUCCESS')],
             {'status': 'FAILED', 'message': 'No downloaded config for x'},
             'Failure caused by error in tasks: report_failure'),
        ])
        e = self.assertRaises(follow.WorkflowFailed,
                              self._follower(mistral).follow, 'e1', 60)
        self.assertIn('No downloaded config for x (execution e1, state '
                      'ERROR)', str(e))
        self.assertEqual(['[run_playbook] ERROR: No downloaded config',
                          '[report_failure] SUCCESS'], self.lines)

    def test_error_without_output_uses_state_info(self):
        mistral = FakeMistral([('ERROR', [], None, 'engine lost it')])
        e = self.assertRaises(follow.WorkflowFailed,
                              self._follower(mistral).follow, 'e1', 60)
        self.assertIn('engine lost it', str(e))

    def test_timeout_says_what_still_runs_and_how_to_follow(self):
        mistral = FakeMistral([
            ('RUNNING', [task('a', 'run_playbook', 'RUNNING')], {}, None)])
        e = self.assertRaises(follow.FollowTimeout,
                              self._follower(mistral).follow, 'e1', 120)
        self.assertIn('Mistral still shows it RUNNING (task: run_playbook). '
                      'Its action may still be working.', str(e))
        self.assertIn('ffwd-upgrade status e1 --follow', str(e))
        self.assertEqual(120, self.clock.now)
        # Read once more at the deadline before giving up.
        self.assertEqual(['[run_playbook] RUNNING'], self.lines)

    def test_execution_that_ended_at_the_deadline_is_not_a_timeout(self):
        mistral = FakeMistral([
            ('RUNNING', [task('a', 'run_playbook', 'RUNNING')], {}, None),
            ('RUNNING', [task('a', 'run_playbook', 'RUNNING')], {}, None),
            ('SUCCESS', [task('a', 'run_playbook', 'SUCCESS')],
             {'message': 'done'}, None)])
        output = self._follower(mistral).follow('e1', 1)
        self.assertEqual('done', output['message'])

    def test_unreachable_names_the_endpoint(self):
        class ConnectFailure(Exception):
            pass

        mistral = FakeMistral([])

        def refuse(*args, **kwargs):
            raise ConnectFailure('refused')
        mistral.executions._get = refuse
        e = self.assertRaises(follow.MistralUnreachable,
                              self._follower(mistral).follow, 'e1', 60)
        self.assertIn('http://m:8989/v2', str(e))
        # An API restart is waited out, for a bounded moment.
        self.assertGreaterEqual(self.clock.now, follow.UNREACHABLE_GRACE_S)
        self.assertLess(self.clock.now, follow.UNREACHABLE_GRACE_S + 2)
        self.assertIn('Execution e1 had not ended when Mistral stopped '
                      'answering. Whether its action still runs cannot be '
                      'seen from here', str(e))

        # With the executor's records readable, they say what runs.
        work_dir = self.useFixture(fixtures.TempDir()).path
        path = locks.ansible_lock_path(work_dir, 'oc')
        os.makedirs(os.path.dirname(path))
        locks.write(path, dict(locks.this_process(), running=True,
                               execution_id='e1', playbook='p.yaml',
                               started_at='t0'))
        follower = self._follower(mistral)
        follower.stack, follower.work_dir = 'oc', work_dir
        e = self.assertRaises(follow.MistralUnreachable, follower.follow,
                              'e1', 60)
        self.assertIn('ansible-playbook (pid %d, playbook p.yaml, execution '
                      'e1) is still running on the nodes, started t0.'
                      % os.getpid(), str(e))

    def test_ctrl_c_propagates(self):
        mistral = FakeMistral([('RUNNING', [], {}, None)])

        def interrupt(seconds):
            raise KeyboardInterrupt()
        follower = self._follower(mistral)
        follower.sleep = interrupt
        self.assertRaises(KeyboardInterrupt, follower.follow, 'e1', 60)

    def test_ansible_events_streamed_before_task_end(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path, 'e')

        def write_events(poll):
            if poll == 1:
                with open(path, 'a') as f:
                    f.write(json.dumps({'event': 'runner_on_failed',
                                        'event_data': {'host': 'c0',
                                                       'task': 'sync',
                                                       'msg': 'x'}}) + '\n')
        mistral = FakeMistral([
            ('RUNNING', [task('a', 'run_playbook', 'RUNNING')], {}, None),
            ('ERROR', [task('a', 'run_playbook', 'SUCCESS'),
                       task('b', 'report_failure', 'SUCCESS',
                            '2026-01-01 00:00:09')],
             {'message': 'failed'}, None)], on_poll=write_events)
        self.assertRaises(follow.WorkflowFailed,
                          self._follower(mistral, path).follow, 'e1', 60)
        self.assertEqual(['[run_playbook] RUNNING',
                          '  FAILED: c0 | sync | x',
                          '[run_playbook] SUCCESS',
                          '[report_failure] SUCCESS'], self.lines)


class TestProgressLines(base.TestCase):

    def setUp(self):
        super(TestProgressLines, self).setUp()
        self.lines = []
        self.clock = base.FakeClock()

    def _follow(self, mistral, events_path=None):
        follower = follow.Follower(mistral, self.lines.append, events_path,
                                   poll_interval=1, clock=self.clock,
                                   sleep=self.clock.sleep)
        try:
            follower.follow('e1', 60)
        except follow.WorkflowFailed:
            pass

    def test_an_error_result_shows_its_message(self):
        error = {'status': 'FAILED', 'message': 'c0 failed at task "t"',
                 'recap': {'c0': {'failures': 1}}}
        mistral = FakeMistral([('ERROR', [
            task('r', 'run_playbook', 'ERROR', info=str(error)),
            task('f', 'report_failure', 'SUCCESS')], {}, None)])
        self._follow(mistral)
        self.assertEqual(['[run_playbook] ERROR: c0 failed at task "t"',
                          '[report_failure] SUCCESS'], self.lines)

    def test_mistral_6_error_text_is_read_from_the_task_result(self):
        # Mistral 6 writes state_info in its own shortened form.
        error = {'status': 'FAILED', 'rc': 2,
                 'message': 'c0 failed at task "t" (release ocata, step 2)'}
        info = '{status: FAILED, rc: 2, message: c0 failed at task ...'
        mistral = FakeMistral([('ERROR', [
            task('r', 'run_playbook', 'ERROR', info=info)], {}, 'failed')])
        mistral.results['r'] = error
        self._follow(mistral)
        self.assertEqual('[run_playbook] ERROR: c0 failed at task "t" '
                         '(release ocata, step 2)', self.lines[0])

    def test_mistral_6_without_field_lists(self):
        # Mistral 6 refuses ?fields=: the whole execution, input dropped.
        mistral = FakeMistral([('SUCCESS', [], {'status': 'SUCCESS'},
                                None)])
        asked = []

        def no_fields(url):
            asked.append(url)
            raise Exception('Unknown argument: "fields"')

        def whole(execution_id):
            found = mistral._get(execution_id)
            found.input = '{"extra_vars": {"ffu_db_password": "s3cret"}}'
            return found
        mistral.executions._get = no_fields
        mistral.executions.get = whole
        for _ in range(2):
            execution = follow.get_execution(mistral, 'e1')
            self.assertEqual('SUCCESS', execution.state)
            self.assertIsNone(execution.input)
        self.assertEqual(1, len(asked))

    def test_error_message(self):
        self.assertEqual('plain', follow.error_message('plain'))
        self.assertEqual('{not python', follow.error_message('{not python'))
        self.assertEqual("{'no': 'message'}",
                         follow.error_message("{'no': 'message'}"))

    def test_ties_in_the_workflows_order(self):
        same = '2026-01-01 00:00:01'
        # Mistral listed them inverted (same creation second).
        polls = [('SUCCESS', [task('s', 'report_success', 'SUCCESS', same),
                              task('d', 'download_config', 'SUCCESS', same),
                              task('u', 'unlock_stack', 'SUCCESS', same)],
                  {}, None)]
        mistral = FakeMistral(polls)
        get = mistral.executions._get
        mistral.executions._get = lambda url: base.Namespace(
            **dict(vars(get(url)),
                   workflow_name=contract.workflow_name('prepare')))
        self._follow(mistral)
        self.assertEqual(['[download_config] SUCCESS',
                          '[report_success] SUCCESS',
                          '[unlock_stack] SUCCESS'], self.lines)

    def test_release_and_step_transitions_without_the_bulk(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path, 'e')
        with open(path, 'w') as f:
            for release, step, task_name, changed in (
                    ('ocata', None, 'Note the release', False),
                    ('ocata', 0, 'include_tasks', False),
                    ('ocata', 0, 'Note the release', False),
                    ('ocata', 1, 'Stop keystone', True),
                    ('pike', 1, 'Stop keystone', True)):
                f.write(json.dumps({'event': 'runner_on_ok', 'event_data': {
                    'host': 'c0', 'task': task_name, 'release': release,
                    'step': step, 'changed': changed}}) + '\n')
        self._follow(FakeMistral([('SUCCESS', [], {}, None)]), path)
        self.assertEqual([
            '-- release ocata',
            '-- release ocata, step 0',
            '-- release ocata, step 1',
            '  changed: c0 | Stop keystone (release ocata, step 1)',
            '-- release pike, step 1',
            '  changed: c0 | Stop keystone (release pike, step 1)'],
            self.lines)


class TestExecutorRecords(base.TestCase):
    """What the follower learns from the lock task and the lock files."""

    def setUp(self):
        super(TestExecutorRecords, self).setUp()
        self.lines = []
        self.clock = base.FakeClock()
        self.work_dir = self.useFixture(fixtures.TempDir()).path
        os.makedirs(locks.locks_dir(self.work_dir))
        self.events_file = runs.events_file(self.work_dir, 'oc', 'e1')
        os.makedirs(os.path.dirname(self.events_file))

    def _mistral(self, polls, lock_result):
        mistral = FakeMistral(polls)
        mistral.tasks.get = lambda task_id: base.Namespace(
            result=json.dumps(lock_result))
        return mistral

    def _follow(self, mistral, execution_id='e1'):
        follower = follow.Follower(
            mistral, self.lines.append, poll_interval=1, clock=self.clock,
            sleep=self.clock.sleep, stack='oc', run_events=True)
        return follower, follower.follow(execution_id, 60)

    def test_events_found_where_the_executor_resolved_the_work_dir(self):
        with open(self.events_file, 'w') as f:
            f.write(json.dumps({'event': 'playbook_on_play_start',
                                'event_data': {'play': 'p'}}) + '\n')
        mistral = self._mistral([
            ('RUNNING', [task('l', 'lock_stack', 'SUCCESS')], {}, None),
            ('SUCCESS', [task('l', 'lock_stack', 'SUCCESS')], {}, None)],
            {'work_dir': self.work_dir, 'taken_over': {
                'step': 'run', 'execution_id': 'e0', 'state': 'ERROR'}})
        follower, _ = self._follow(mistral)
        self.assertEqual(self.work_dir, follower.work_dir)
        self.assertTrue(follower.events.local)
        self.assertEqual(['[lock_stack] SUCCESS',
                          '  took over the lock of run execution e0 (ERROR)',
                          'PLAY [p]'], self.lines)

    def test_running_execution_whose_executor_died_is_not_followed(self):
        ended = subprocess.Popen(['true'])
        ended.wait()
        locks.write(locks.step_lock_path(self.work_dir, 'oc'),
                    {'execution_id': 'e1', 'step': 'run',
                     'executor': locks.process_identity(ended.pid)})
        with open(self.events_file, 'w') as f:
            for event, data in (
                    ('playbook_on_task_start', {'task': 'Stop nova'}),
                    ('runner_on_ok', {'host': 'c0', 'task': 'Stop nova',
                                      'release': 'ocata', 'step': 2})):
                f.write(json.dumps({'event': event,
                                    'event_data': data}) + '\n')
        locks.write(locks.ansible_lock_path(self.work_dir, 'oc'), dict(
            locks.process_identity(ended.pid), running=True,
            execution_id='e1', playbook='p.yaml',
            events_file=self.events_file))
        mistral = self._mistral(
            [('RUNNING', [task('l', 'lock_stack', 'SUCCESS'),
                          task('r', 'run_playbook', 'RUNNING')], {}, None)],
            {'work_dir': self.work_dir})
        e = self.assertRaises(follow.ExecutionOrphaned, self._follow,
                              mistral)
        self.assertIn('Execution e1 still shows RUNNING in Mistral, but the '
                      'Mistral executor that ran it has stopped, so its '
                      'task run_playbook can no longer end', str(e))
        self.assertIn('ansible-playbook (pid %d, playbook p.yaml, execution '
                      'e1) was stopped before its end during task "Stop '
                      'nova" (release ocata, step 2), with its Mistral '
                      'executor: the nodes may be in the middle of that '
                      'step.' % ended.pid, str(e))


class TestRemoteProgress(base.TestCase):
    """A follower that cannot read the executor's work dir asks Mistral."""

    def test_events_through_the_run_events_action(self):
        served = [[{'event': 'playbook_on_play_start',
                    'event_data': {'play': 'p'}}], []]
        calls = []

        def create(name, input, run_sync, save_result):
            calls.append((name, input, run_sync, save_result))
            events = served.pop(0) if served else []
            return base.Namespace(output=json.dumps({'result': {
                'events': events, 'offset': input['offset'] + 10}}))
        mistral = FakeMistral([])
        mistral.action_executions = base.Namespace(create=create)
        source = follow.events_source(mistral, 'oc', 'e1',
                                      '/nowhere/this/host/can/read')
        self.assertFalse(source.local)
        self.assertEqual('p', source.read()[0]['event_data']['play'])
        self.assertEqual([], source.read())
        self.assertEqual(
            [('tripleo_ffu.run_events', {'stack': 'oc', 'execution_id': 'e1',
                                         'work_dir': '/nowhere/this/host/can/'
                                         'read', 'offset': 0}, True, False),
             ('tripleo_ffu.run_events', {'stack': 'oc', 'execution_id': 'e1',
                                         'work_dir': '/nowhere/this/host/can/'
                                         'read', 'offset': 10}, True, False)],
            calls)

    def test_the_action_serves_bounded_pages(self):
        from tripleo_ffu.actions import progress
        work_dir = self.useFixture(fixtures.TempDir()).path
        path = runs.events_file(work_dir, 'oc', 'e1')
        os.makedirs(os.path.dirname(path))
        line = json.dumps({'event': 'runner_on_ok',
                           'event_data': {'msg': 'x' * 1000}}) + '\n'
        with open(path, 'w') as f:
            f.write(line * 600)
        pages, offset = [], 0
        while True:
            page = progress.RunEventsAction('oc', 'e1', offset,
                                            work_dir).run(None)
            if not page['events']:
                break
            self.assertLessEqual(page['offset'] - offset, progress.MAX_BYTES)
            pages.append(len(page['events']))
            offset = page['offset']
        self.assertEqual(600, sum(pages))
        self.assertEqual(3, len(pages))


class TestStart(base.TestCase):

    def test_start_passes_input(self):
        mistral = FakeMistral([])
        execution = follow.start(mistral, 'run', {'stack': 'oc'})
        self.assertEqual('e1', execution.id)
        self.assertEqual([('tripleo.ffwd_upgrade.v1.run', {'stack': 'oc'})],
                         mistral.created)

    def test_workflow_not_registered(self):
        class APIException(Exception):
            error_code = 404

        mistral = FakeMistral([])

        def missing(*args, **kwargs):
            raise APIException('Workflow not found')
        mistral.executions.create = missing
        e = self.assertRaises(follow.WorkflowNotRegistered, follow.start,
                              mistral, 'prepare', {'stack': 'oc'})
        self.assertIn('openstack workbook create workbooks/ffwd_upgrade.yaml',
                      str(e))

    def test_other_refusal(self):
        mistral = FakeMistral([])

        def bad(*args, **kwargs):
            raise ValueError('Invalid input')
        mistral.executions.create = bad
        e = self.assertRaises(follow.FFUError, follow.start, mistral,
                              'prepare', {})
        self.assertIn('Mistral refused to start', str(e))


class TestListing(base.TestCase):

    def test_list_filters_on_the_server_then_by_stack_page_by_page(self):
        def ex(eid, stack):
            return base.Namespace(
                id=eid, workflow_name='tripleo.ffwd_upgrade.v1.run',
                input=json.dumps({'stack': stack}))
        # Newest first: another stack's executions fill the first page.
        server = [ex('9', 'other'), ex('8', 'other'), ex('7', 'overcloud'),
                  ex('6', 'other'), ex('5', 'overcloud'), ex('4', 'oc')]
        asked = []

        def listing(limit, marker, sort_keys, sort_dirs, workflow_name):
            asked.append((marker, workflow_name))
            start = [e.id for e in server].index(marker) + 1 if marker else 0
            return server[start:start + limit]
        mistral = FakeMistral([])
        mistral.executions.list = listing
        self.assertEqual(['7', '5'], [e.id for e in follow.list_executions(
            mistral, 'overcloud', limit=2, page_size=2)])
        self.assertEqual(
            [('', 'in:tripleo.ffwd_upgrade.v1.prepare,'
                  'tripleo.ffwd_upgrade.v1.run,'
                  'tripleo.ffwd_upgrade.v1.converge,'
                  'tripleo.ffwd_upgrade.v1.abort,'
                  'tripleo.ffwd_upgrade.v1.restore'),
             ('8', asked[0][1]), ('6', asked[0][1])], asked)

    def test_current_task_of_a_failed_execution(self):
        failed = base.Namespace(
            id='e', state='ERROR',
            workflow_name=contract.workflow_name('prepare'))
        tasks = [task('l', 'lock_stack', 'SUCCESS'),
                 task('u', 'update_stack', 'ERROR'),
                 task('r', 'report_failure', 'SUCCESS'),
                 task('x', 'unlock_after_failure', 'SUCCESS')]
        self.assertEqual('update_stack', follow.current_task(None, failed,
                                                             tasks))

    def test_parse_output_tolerates_garbage(self):
        self.assertEqual({}, follow.parse_output(
            base.Namespace(output='not json')))
        self.assertEqual({'a': 1}, follow.parse_output(
            base.Namespace(output={'a': 1})))


class TestRegistration(base.TestCase):
    """The workbook an undercloud upgrade deleted comes back by itself."""

    def setUp(self):
        super(TestRegistration, self).setUp()
        self.mistral = FakeMistral([])

    def test_current_workbook_left_alone(self):
        self.assertIsNone(registration.ensure_registered(self.mistral))
        self.assertEqual([], self.mistral.registered)

    def test_missing_workbook_registered(self):
        class APIException(Exception):
            error_code = 404

        def deleted(name):
            raise APIException('Workbook not found [name=%s]' % name)
        self.mistral.workbooks.get = deleted
        said = registration.ensure_registered(self.mistral)
        self.assertIn('Registered workbook tripleo.ffwd_upgrade.v1 in '
                      'Mistral: it was missing', said)
        self.assertEqual([registration.workbook_definition()],
                         self.mistral.registered)

    def test_stale_workbook_updated(self):
        self.mistral.workbook = 'an older definition'
        said = registration.ensure_registered(self.mistral)
        self.assertIn('Updated workbook tripleo.ffwd_upgrade.v1', said)
        self.assertEqual(registration.workbook_definition(),
                         self.mistral.workbook)

    def test_missing_actions_named_with_what_to_do(self):
        def get(name):
            if name == 'tripleo_ffu.step_lock':
                raise Exception('Action not found [name=%s]' % name)
            return name
        self.mistral.actions.get = get
        e = self.assertRaises(follow.FFUError,
                              registration.ensure_registered, self.mistral)
        self.assertIn('Mistral does not have the tripleo-ffu actions '
                      'tripleo_ffu.step_lock: install tripleo-ffu', str(e))
        self.assertIn('restart them', str(e))
        self.assertEqual([], self.mistral.registered)
