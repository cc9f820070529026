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
import sys
import textwrap

import fixtures

from tests.unit import base
from tripleo_ffu.ansible import check
from tripleo_ffu.ansible import events
from tripleo_ffu.ansible import runner
from tripleo_ffu import contract


def event(kind, **data):
    return {'event': kind, 'time': 0, 'event_data': data}


FAILED_RUN = [
    event('playbook_on_start', playbook='ffu.yaml'),
    event('playbook_on_play_start', play='FFU'),
    event('playbook_on_task_start', task='db sync'),
    event('runner_on_ok', host='c0', task='db sync', changed=True),
    event('runner_on_failed', host='c1', task='db sync', msg='boom\nno db',
          ignore_errors=False, release='pike', step=8),
    event('runner_on_failed', host='c0', task='probe', msg='meh',
          ignore_errors=True),
    event('runner_on_unreachable', host='n0', task='db sync',
          msg='ssh: timeout'),
    event('runner_on_skipped', host='c0', task='other'),
    event('playbook_on_stats', recap={
        'c0': {'ok': 2, 'changed': 1, 'failures': 0, 'unreachable': 0},
        'c1': {'ok': 0, 'changed': 0, 'failures': 1, 'unreachable': 0}}),
]


class TestEvents(base.TestCase):

    def test_summarize_failures_and_recap(self):
        recap, failures = events.summarize(FAILED_RUN)
        self.assertEqual({'c0', 'c1'}, set(recap))
        self.assertEqual([('c1', 'db sync', False), ('n0', 'db sync', True)],
                         [(f['host'], f['task'], f['unreachable'])
                          for f in failures])

    def test_tasks_started_leaves_out_fact_gathering(self):
        started = [{'event': 'playbook_on_task_start',
                    'event_data': {'task': name}}
                   for name in (events.FACTS_TASK, 'db sync')]
        self.assertEqual(1, events.tasks_started(started))
        self.assertEqual(0, events.tasks_started(started[:1]))

    def test_failure_sentence_names_host_task_and_log(self):
        _, failures = events.summarize(FAILED_RUN)
        text = events.failure_sentence(failures, '/w/ansible.log')
        self.assertEqual(
            'c1 failed at task "db sync" (release pike, step 8): no db; n0 '
            'unreachable at task "db sync": ssh: timeout. Full log: '
            '/w/ansible.log', text)

    def test_failure_sentence_caps_hosts(self):
        failures = [{'host': 'h%d' % i, 'task': 't', 'unreachable': False,
                     'message': ''} for i in range(8)]
        text = events.failure_sentence(failures, 'L')
        self.assertIn('(and 3 more)', text)
        self.assertIn('no message', text)
        self.assertIn('before any task', events.failure_sentence([], 'L'))

    def test_format_event(self):
        lines = [events.format_event(e) for e in FAILED_RUN]
        self.assertEqual('PLAYBOOK [ffu.yaml]', lines[0])
        self.assertIsNone(lines[2])  # task start only when verbose
        self.assertEqual('  changed: c0 | db sync', lines[3])
        self.assertEqual('  FAILED: c1 | db sync (release pike, step 8) | '
                         'boom\nno db', lines[4])
        self.assertTrue(lines[5].startswith('  failed (ignored): c0'))
        self.assertTrue(lines[6].startswith('  UNREACHABLE: n0'))
        self.assertIsNone(lines[7])
        self.assertIn('c1 ok=0 changed=0 failed=1', lines[8])
        self.assertEqual('TASK [db sync]',
                         events.format_event(FAILED_RUN[2], verbose=True))
        self.assertIsNone(events.format_event({'event': 'unknown'}))
        # Unchanged results only with -v.
        ok = {'event': 'runner_on_ok', 'event_data': {
            'host': 'c0', 'task': 'include_tasks', 'release': 'pike',
            'step': 1}}
        self.assertIsNone(events.format_event(ok))
        self.assertEqual('  ok: c0 | include_tasks (release pike, step 1)',
                         events.format_event(ok, verbose=True))
        self.assertEqual(('pike', 1), events.release_step(ok))
        self.assertIsNone(events.release_step(FAILED_RUN[0]))

    def test_read_new_events_keeps_partial_line(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path, 'e')
        self.assertEqual(([], 0), events.read_new_events(path, 0))
        with open(path, 'w') as f:
            f.write(json.dumps(FAILED_RUN[0]) + '\n' + '{"event": "par')
        got, offset = events.read_new_events(path, 0)
        self.assertEqual([FAILED_RUN[0]], got)
        with open(path, 'a') as f:
            f.write('tial"}\nnot json\n')
        got, offset2 = events.read_new_events(path, offset)
        self.assertEqual([{'event': 'partial'}], got)
        self.assertEqual(os.path.getsize(path), offset2)


FAKE_PLAYBOOK = textwrap.dedent('''\
    #!{python}
    import json, os, sys, time
    mode = open(os.path.join(os.path.dirname(sys.argv[0]), 'mode')).read()
    with open(os.environ['TRIPLEO_FFU_EVENTS_FILE'], 'a') as f:
        def emit(kind, **data):
            f.write(json.dumps({{'event': kind, 'event_data': data}}) + '\\n')
        emit('playbook_on_start', playbook=sys.argv[-1])
        if mode == 'fail':
            emit('runner_on_failed', host='c1', task='t', msg='x' * 5000)
            emit('runner_on_unreachable', host='n0', task='t', msg='down')
        emit('playbook_on_stats', recap={{'c1': {{'ok': 1}}}})
    print('huge log line\\n' * 20000)
    if mode == 'hang':
        time.sleep(60)
    sys.exit(2 if mode == 'fail' else 0)
''')


class TestRunner(base.TestCase):

    def setUp(self):
        super(TestRunner, self).setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.playbook = os.path.join(self.dir, 'ansible-playbook')
        with open(self.playbook, 'w') as f:
            f.write(FAKE_PLAYBOOK.format(python=sys.executable))
        os.chmod(self.playbook, stat.S_IRWXU)
        self.events_file = os.path.join(self.dir, 'ev', 'x.jsonl')

    def _run(self, mode, timeout_s=30):
        with open(os.path.join(self.dir, 'mode'), 'w') as f:
            f.write(mode)
        argv = runner.build_command(self.playbook, 'p.yaml', 'inv.yaml')
        return runner.run_playbook(self.dir, argv, self.events_file,
                                   timeout_s)

    def test_build_command(self):
        root = ['--become', '--become-user', 'root']
        self.assertEqual(
            ['ap', '-i', 'inv', 'pb'] + root + [
                '-vv', '--limit', 'c0', '--tags', 't', '--skip-tags', 's',
                '--extra-vars', '@/run/extra-vars.json'],
            runner.build_command('ap', 'pb', 'inv', 'c0', 't', 's',
                                 '/run/extra-vars.json', 2))
        self.assertIn('-vvvvv', runner.build_command('a', 'p', 'i',
                                                     verbosity=9))
        # Several playbooks (run --roles): in order, one ansible-playbook.
        self.assertEqual(['a', '-i', 'i', 'p1', 'p2'] + root,
                         runner.build_command('a', ['p1', 'p2'], 'i'))
        # --ssh-user wins over the inventory's user: both names, as extra
        # vars, after the operator's.
        self.assertEqual(
            ['a', '-i', 'i', 'p'] + root + [
                '--extra-vars', '@x.json', '--extra-vars',
                '{"ansible_ssh_user": "tripleo-admin", "ansible_user": '
                '"tripleo-admin"}'],
            runner.build_command('a', 'p', 'i', extra_vars_file='x.json',
                                 remote_user='tripleo-admin'))

    def test_extra_vars_go_to_a_private_file(self):
        path = runner.write_extra_vars(self.dir, 'db_password=s3cret k=v')
        self.assertEqual(0o600, stat.S_IMODE(os.stat(path).st_mode))
        with open(path) as f:
            self.assertEqual({'db_password': 's3cret', 'k': 'v'},
                             json.load(f))
        argv = runner.build_command('ap', 'pb', 'inv', extra_vars_file=path)
        self.assertNotIn('s3cret', ' '.join(argv))
        self.assertIsNone(runner.write_extra_vars(self.dir, {}))
        self.assertIsNone(runner.write_extra_vars(self.dir, None))

    def test_success_writes_cfg_script_and_recap(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'ANSIBLE_PRIVATE_KEY_FILE', '/keys/id'))
        result = self._run('ok')
        self.assertEqual(0, result['rc'])
        self.assertFalse(result['timed_out'])
        self.assertEqual({'c1': {'ok': 1}}, result['recap'])
        with open(os.path.join(self.dir, 'ansible.cfg')) as f:
            cfg = f.read()
        self.assertIn('log_path = %s/ansible.log' % self.dir, cfg)
        self.assertIn('callbacks_enabled = tripleo_ffu_events', cfg)
        self.assertIn('host_key_checking = False', cfg)
        self.assertIn('interpreter_python = auto_silent', cfg)
        with open(result['command_script']) as f:
            script = f.read()
        self.assertIn('export TRIPLEO_FFU_EVENTS_FILE=', script)
        # The executor's Ansible settings are part of what it ran.
        self.assertIn('export ANSIBLE_PRIVATE_KEY_FILE=/keys/id', script)
        self.assertIn("exec %s -i inv.yaml p.yaml" % self.playbook, script)
        self.assertEqual(0o700, stat.S_IMODE(
            os.stat(result['command_script']).st_mode))

    def test_failure_is_bounded(self):
        result = self._run('fail')
        self.assertEqual(2, result['rc'])
        self.assertEqual(['c1', 'n0'],
                         [f['host'] for f in result['failures']])
        # The huge stdout stays in a file; the result stays small.
        self.assertLess(len(json.dumps(result)), 20000)
        self.assertGreater(os.path.getsize(
            os.path.join(self.dir, 'ansible-stdout.log')), 200000)

    def test_timeout_kills_the_run(self):
        result = self._run('hang', timeout_s=1)
        self.assertTrue(result['timed_out'])
        self.assertNotEqual(0, result['rc'])

    def test_find_ansible_playbook_beside_python(self):
        self.useFixture(fixtures.EnvironmentVariable(
            contract.ANSIBLE_PLAYBOOK_ENV))
        found = runner.find_ansible_playbook()
        self.assertTrue(found.endswith('ansible-playbook'))

    def test_the_ansible_playbook_given_is_used_or_refused(self):
        env = contract.ANSIBLE_PLAYBOOK_ENV
        self.useFixture(fixtures.EnvironmentVariable(env, '/bin/true'))
        self.assertEqual('/bin/true', runner.find_ansible_playbook())
        self.useFixture(fixtures.EnvironmentVariable(env, 'true'))
        self.assertTrue(runner.find_ansible_playbook().endswith('/true'))
        self.useFixture(fixtures.EnvironmentVariable(env, '/nowhere/ap'))
        e = self.assertRaises(runner.PlaybookError,
                              runner.find_ansible_playbook)
        self.assertEqual('%s=/nowhere/ap: no such executable' % env, str(e))


class TestCallbackMessage(base.TestCase):

    def test_upgrade_context_from_the_includes(self):
        from tripleo_ffu.ansible.callback_plugins import tripleo_ffu_events

        def node(parent=None, **node_vars):
            return base.Namespace(vars=node_vars, _parent=parent)
        outer = node(release='ocata', other='x')
        include = node(node(outer), step=4, release='pike')
        task = node(node(include))
        self.assertEqual({'release': 'pike', 'step': 4},
                         tripleo_ffu_events.upgrade_context(task))
        self.assertEqual({}, tripleo_ffu_events.upgrade_context(node()))

    def test_message_prefers_msg_with_stderr(self):
        from tripleo_ffu.ansible.callback_plugins import tripleo_ffu_events
        message = tripleo_ffu_events._message
        self.assertEqual('non-zero return code: oops', message(
            {'msg': 'non-zero return code', 'stderr': 'oops\n'}))
        self.assertEqual('out', message({'stdout': 'out'}))
        self.assertEqual(2000, len(message({'msg': 'y' * 3000})))
        # THT's "Debug output for task ...": a debug var failed by
        # failed_when; what it shows is the error.
        self.assertEqual('Traceback (most recent call last):\nOSError: x',
                         message({
                             'failed_when_result': True, 'changed': False,
                             '_ansible_no_log': False,
                             'outputs.stdout_lines|default([])|union('
                             'outputs.stderr_lines|default([]))': [
                                 'Traceback (most recent call last):',
                                 'OSError: x']}))


class TestCheckReport(base.TestCase):

    def setUp(self):
        super(TestCheckReport, self).setUp()
        self.config_dir = self.useFixture(fixtures.TempDir()).path
        os.makedirs(os.path.join(self.config_dir, 'Controller'))
        self.tasks = os.path.join(self.config_dir, 'Controller',
                                  'x_tasks.yaml')
        with open(self.tasks, 'w') as f:
            f.write(textwrap.dedent('''\
                - name: First
                  debug: msg=1
                - frobnicate: name=x
                  name: Second one
                  when: step|int == 2
                - block:
                  - name: Nested
                    frobnicate: {}
                '''))

    def test_failure_names_file_line_and_task(self):
        output = textwrap.dedent('''\
            [WARNING]: something harmless
            ERROR! couldn't resolve module/action 'frobnicate'. This often ...

            The error appears to be in '%s': line 3, column 3, but may
            be elsewhere in the file depending on the exact syntax problem.
            ''' % self.tasks)
        self.assertEqual(
            {'file': 'Controller/x_tasks.yaml', 'line': 3,
             'task': 'Second one',
             'error': "couldn't resolve module/action 'frobnicate'. This "
                      "often ..."},
            check.parse_failure(output, self.config_dir))
        self.assertEqual('Nested', check._task_at(self.tasks, 8))
        self.assertEqual('First', check._task_at(self.tasks, 2))

    def test_failure_without_a_place(self):
        problem = check.parse_failure('boom\nERROR! Unable to parse '
                                      'inventory\n', self.config_dir)
        self.assertEqual({'file': None, 'line': None, 'task': None,
                          'error': 'Unable to parse inventory'}, problem)
        self.assertEqual('the config: Unable to parse inventory',
                         check.describe(problem))

    def test_blocking_problems(self):
        problems = [{'file': 'deploy_steps_playbook.yaml', 'line': 27,
                     'task': 'Common roles', 'error': 'role missing'},
                    {'file': 'Controller/x_tasks.yaml', 'line': 3,
                     'task': 'Second one', 'error': 'no module'}]
        self.assertEqual([], check.blocking_problems(self.config_dir,
                                                     'any_playbook.yaml'))
        with open(os.path.join(self.config_dir, 'ansible-check.yaml'),
                  'w') as f:
            json.dump(problems, f)
        self.assertEqual(problems[1:], check.blocking_problems(
            self.config_dir, 'fast_forward_upgrade_playbook.yaml'))
        self.assertEqual(problems, check.blocking_problems(
            self.config_dir, 'deploy_steps_playbook.yaml'))
        self.assertEqual(
            'Controller/x_tasks.yaml line 3 (task "Second one"): no module',
            check.describe(problems[1]))

    def test_first_error_line(self):
        self.assertEqual(
            "[ERROR]: couldn't resolve module",
            events.first_error_line("PLAY [x]\n[ERROR]: couldn't resolve "
                                    "module\nERROR! later\n"))
        self.assertIsNone(events.first_error_line('all fine\n'))
        # A task file cut in half: Ansible 2.9's words, the file named.
        self.assertEqual(
            'ERROR! We were unable to read either as JSON nor YAML, these '
            'are the errors we got from each (in /w/oc/release_tasks.yaml, '
            'line 5)', events.first_error_line(
                "TASK [include_tasks] ****\nERROR! We were unable to read "
                "either as JSON nor YAML, these are the errors we got from "
                "each:\nJSON: Expecting value: line 1 column 1 (char 0)\n\n"
                "Syntax Error while loading YAML.\n  found unexpected end of "
                "stream\n\nThe error appears to be in '/w/oc/release_tasks."
                "yaml': line 5, column 17, but may\nbe elsewhere in the file "
                "depending on the exact syntax problem.\n"))
        self.assertIn('Ansible stopped before any task ran without a failed '
                      'task: no error line in its output; see /l',
                      events.failure_sentence([], '/l'))
