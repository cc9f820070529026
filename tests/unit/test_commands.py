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

import fixtures
from osc_lib import exceptions

from tests.unit import base
from tests.unit.test_follow import FakeMistral
from tests.unit.test_follow import task
from tripleo_ffu import compat
from tripleo_ffu import preflight
from tripleo_ffu.v1 import environment
from tripleo_ffu.v1 import ffwd_upgrade

SUCCESS = [('SUCCESS', [task('a', 'update_stack', 'SUCCESS')],
            {'status': 'SUCCESS', 'message': 'Stack oc is UPDATE_COMPLETE.',
             'fixed_step_order': [{'role': 'Controller', 'file': 'f',
                                   'task': 'Stop'}]}, None)]


class CommandTestCase(base.TestCase):

    def setUp(self):
        super(CommandTestCase, self).setUp()
        self.useFixture(fixtures.EnvironmentVariable('OVERCLOUD_STACK_NAME',
                                                     None))
        self.useFixture(fixtures.EnvironmentVariable('TRIPLEO_FFU_WORK_DIR',
                                                     None))
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def command(self, cls, polls=SUCCESS, **app_kwargs):
        self.mistral = FakeMistral(polls)
        app = base.fake_app(self.mistral, **app_kwargs)
        return cls(app, None)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        compat.makedirs(os.path.dirname(path))
        with open(path, 'w') as f:
            f.write(text)
        return path


class TestOptions(CommandTestCase):

    def test_common_defaults(self):
        for cls in (ffwd_upgrade.FFWDUpgradePrepare,
                    ffwd_upgrade.FFWDUpgradeRun,
                    ffwd_upgrade.FFWDUpgradeConverge):
            args = self.check_parser(self.command(cls), [])
            self.assertEqual('overcloud', args.stack)
            self.assertFalse(args.yes)
            self.assertEqual(240, args.timeout)
            # None: the executor resolves it (its own environment).
            self.assertIsNone(args.work_dir)

    def test_env_vars(self):
        self.useFixture(fixtures.EnvironmentVariable('OVERCLOUD_STACK_NAME',
                                                     'prod'))
        self.useFixture(fixtures.EnvironmentVariable('TRIPLEO_FFU_WORK_DIR',
                                                     '/w'))
        args = self.check_parser(
            self.command(ffwd_upgrade.FFWDUpgradeRun), [])
        self.assertEqual(('prod', '/w'), (args.stack, args.work_dir))

    def test_bad_timeout(self):
        cmd = self.command(ffwd_upgrade.FFWDUpgradePrepare)
        for bad in ('0', '-5', 'soon'):
            self.assertRaises(base.ParserError, self.check_parser, cmd,
                              ['--timeout', bad])
        self.assertEqual(30, self.check_parser(cmd, ['--timeout', '30'])
                         .timeout)

    def test_run_defaults_and_values(self):
        cmd = self.command(ffwd_upgrade.FFWDUpgradeRun)
        args = self.check_parser(cmd, [])
        # None: the user the inventory names (heat-admin from prepare).
        self.assertIsNone(args.ssh_user)
        # None: the FFU playbook (run_target), unless --roles or --nodes.
        self.assertIsNone(args.playbook)
        self.assertEqual(('fast_forward_upgrade_playbook.yaml', None),
                         ffwd_upgrade.run_target(args))
        self.assertIsNone(args.static_inventory)
        self.assertEqual((None, None, None, None), (
            args.limit, args.tags, args.skip_tags, args.extra_vars))
        args = self.check_parser(cmd, [
            '--ssh-user', 'tripleo-admin', '--playbook', 'p.yaml',
            '--limit', 'Controller', '--tags', 'a', '--skip-tags', 'b',
            '--extra-vars', 'x=1', '--static-inventory', 'inv'])
        self.assertEqual(('tripleo-admin', 'p.yaml', 'Controller', 'a', 'b',
                          'x=1', 'inv'), (
            args.ssh_user, args.playbook, args.limit, args.tags,
            args.skip_tags, args.extra_vars, args.static_inventory))

    def test_run_roles_and_nodes_run_the_final_step(self):
        cmd = self.command(ffwd_upgrade.FFWDUpgradeRun)
        final = ['upgrade_steps_playbook.yaml', 'deploy_steps_playbook.yaml',
                 'post_upgrade_steps_playbook.yaml']
        self.assertEqual((final, 'Controller'), ffwd_upgrade.run_target(
            self.check_parser(cmd, ['--roles', 'Controller'])))
        self.assertEqual((final, 'c-0:c-1'), ffwd_upgrade.run_target(
            self.check_parser(cmd, ['--nodes', 'c-0, c-1'])))
        self.assertRaises(base.ParserError, self.check_parser, cmd,
                          ['--roles', 'A', '--nodes', 'b'])
        for extra in (['--playbook', 'p.yaml'], ['--limit', 'x']):
            e = self.assertRaises(
                ffwd_upgrade.errors.FFUError, ffwd_upgrade.run_target,
                self.check_parser(cmd, ['--roles', 'A'] + extra))
            self.assertIn('--roles runs the final step', str(e))
        self.assertRaises(ffwd_upgrade.errors.FFUError,
                          ffwd_upgrade.run_target,
                          self.check_parser(cmd, ['--nodes', ',']))

    def test_run_resume_options(self):
        cmd = self.command(ffwd_upgrade.FFWDUpgradeRun)
        walk = 'fast_forward_upgrade_playbook.yaml'
        self.assertEqual({}, ffwd_upgrade.resume_input(
            self.check_parser(cmd, []), walk))
        self.assertEqual(
            {'resume_from': 'pike:4', 'restart': False,
             'repeat_db_sync': True},
            ffwd_upgrade.resume_input(self.check_parser(
                cmd, ['--from', 'pike:4', '--repeat-db-sync']), walk))
        self.assertRaises(base.ParserError, self.check_parser, cmd,
                          ['--from', 'pike:4', '--restart'])
        e = self.assertRaises(
            ffwd_upgrade.errors.FFUError, ffwd_upgrade.resume_input,
            self.check_parser(cmd, ['--from', 'pike']), walk)
        self.assertIn('"pike" is not <release>:<step>', str(e))
        self.assertIn('nothing was started', str(e))
        e = self.assertRaises(
            ffwd_upgrade.errors.FFUError, ffwd_upgrade.resume_input,
            self.check_parser(cmd, ['--restart']), ['upgrade_steps.yaml'])
        self.assertIn('choose the steps of the walk', str(e))
        self.assertTrue(self.check_parser(cmd, ['--skip-preflight'])
                        .skip_preflight)

    def test_environment_files_keep_order(self):
        cmd = self.command(ffwd_upgrade.FFWDUpgradePrepare)
        args = self.check_parser(cmd, ['-e', 'a', '--environment-file', 'b',
                                       '-e', 'c', '--environment-directory',
                                       'd'])
        self.assertEqual(['a', 'b', 'c'], args.environment_files)
        self.assertEqual(['d'], args.environment_directories)

    def test_status_options(self):
        cmd = self.command(ffwd_upgrade.FFWDUpgradeStatus)
        args = self.check_parser(cmd, [])
        self.assertEqual((None, 'overcloud', 20, False), (
            args.execution, args.stack, args.limit, args.follow))
        self.assertRaises(base.ParserError, self.check_parser, cmd,
                          ['--limit', 'x'])


class TestRestoreAndPreflightOptions(CommandTestCase):

    def test_restore_needs_a_release_and_says_what_is_lost(self):
        cmd = self.command(ffwd_upgrade.FFWDUpgradeRestore)
        self.assertRaises(base.ParserError, self.check_parser, cmd, [])
        self.assertRaises(base.ParserError, self.check_parser, cmd,
                          ['--release', 'kilo'])
        args = self.check_parser(cmd, ['--release', 'pike', '--stack', 's'])
        self.assertEqual({'stack': 's', 'release': 'pike', 'timeout': 240,
                          'work_dir': None}, cmd.workflow_input(args))
        self.assertIn('dumps taken before the pike DB sync: whatever was '
                      'written to them since is lost',
                      cmd.confirm_warning(args))

    def test_preflight_checks_prepares_arguments(self):
        cmd = self.command(ffwd_upgrade.FFWDUpgradePreflight)
        self.assertEqual(([], {}), ffwd_upgrade.prepare_checks_input(
            self.check_parser(cmd, [])))
        # A file that cannot be read: a failed row, nothing sent.
        rows, sent = ffwd_upgrade.prepare_checks_input(self.check_parser(
            cmd, ['-e', os.path.join(self.tmp, 'missing.yaml')]))
        self.assertEqual({}, sent)
        self.assertEqual([(preflight.TEMPLATES_CHECK, 'fail')],
                         [(r['check'], r['result']) for r in rows])
        self.assertIn('missing.yaml', rows[0]['detail'])
        # Without --templates, the lifecycle environment must be given.
        env = self.write('env.yaml', 'parameter_defaults: {A: 1}\n')
        rows, sent = ffwd_upgrade.prepare_checks_input(
            self.check_parser(cmd, ['-e', env]))
        self.assertEqual([(preflight.TEMPLATES_CHECK, 'pass'),
                          (preflight.LIFECYCLE_CHECK, 'fail')],
                         [(r['check'], r['result']) for r in rows])
        lifecycle = self.write(
            'tht/environments/lifecycle/ffwd-upgrade-prepare.yaml', '{}\n')
        rows, sent = ffwd_upgrade.prepare_checks_input(
            self.check_parser(cmd, ['-e', env, '-e', lifecycle]))
        self.assertEqual('pass', rows[1]['result'])


class TestOvercloudrc(CommandTestCase):

    def test_copied_here_privately_as_upstream(self):
        source = self.write('exec/overcloudrc', 'export OS_PASSWORD=pw\n')
        here = os.path.join(self.tmp, 'here')
        os.mkdir(here)
        said = ffwd_upgrade.write_overcloudrc(source, 'oc', here)
        target = os.path.join(here, 'ocrc')
        self.assertEqual('Wrote %s (0600): the overcloud\'s credentials.'
                         % target, said)
        self.assertEqual(0o600, os.stat(target).st_mode & 0o777)

    def test_unreadable_says_where_it_is(self):
        said = ffwd_upgrade.write_overcloudrc('/nonexistent/overcloudrc',
                                              'oc', self.tmp)
        self.assertIn('The overcloudrc of stack oc is /nonexistent/'
                      'overcloudrc on the Mistral executor\'s host', said)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, 'ocrc')))


class TestConfirmation(CommandTestCase):

    def _run(self, **app_kwargs):
        cmd = self.command(ffwd_upgrade.FFWDUpgradeConverge, **app_kwargs)
        args = self.check_parser(cmd, [])
        return cmd, args

    def test_yes_typed(self):
        cmd, args = self._run(stdin_text='yes\n')
        cmd.take_action(args)
        self.assertEqual(1, len(self.mistral.created))
        self.assertIn('valid backup', cmd.app.stdout.getvalue())

    def test_anything_else_cancels(self):
        for text in ('no\n', 'y\n', '\n', ''):  # '' is EOF
            cmd, args = self._run(stdin_text=text)
            e = self.assertRaises(exceptions.CommandError, cmd.take_action,
                                  args)
            self.assertIn('nothing was started', str(e))
            self.assertEqual([], self.mistral.created)

    def test_no_terminal_cancels(self):
        cmd, args = self._run(stdin_text='yes\n', tty=False)
        self.assertRaises(exceptions.CommandError, cmd.take_action, args)
        self.assertEqual([], self.mistral.created)
        self.assertIn('pass --yes', cmd.app.stdout.getvalue())


class TestEnvironmentFiles(CommandTestCase):

    def test_merge_order_and_nested_files(self):
        self.write('tpl/svc.yaml', 'heat_template_version: 2016-10-14\n')
        first = self.write('env1.yaml', 'parameter_defaults:\n  A: 1\n'
                           '  B: 1\nresource_registry:\n'
                           '  OS::Svc: tpl/svc.yaml\n')
        second = self.write('env2.yaml', 'parameter_defaults:\n  B: 2\n')
        env, files, paths = environment.load([first, second])
        self.assertEqual({'A': 1, 'B': 2}, env['parameter_defaults'])
        registered = env['resource_registry']['OS::Svc']
        self.assertTrue(registered.endswith('/tpl/svc.yaml'))
        self.assertIn(registered, files)
        self.assertEqual([first, second], paths)

    def test_directories_come_first_in_name_order(self):
        d = os.path.dirname(self.write('dir/b.yaml', 'parameter_defaults:\n'
                                       '  X: b\n'))
        self.write('dir/a.yaml', 'parameter_defaults:\n  X: a\n')
        self.write('dir/notes.txt', 'ignored')
        last = self.write('last.yaml', 'parameter_defaults:\n  X: last\n')
        env, _, paths = environment.load([last], [d])
        self.assertEqual('last', env['parameter_defaults']['X'])
        self.assertEqual(['a.yaml', 'b.yaml', 'last.yaml'],
                         [os.path.basename(p) for p in paths])

    def test_errors_name_the_file(self):
        bad_yaml = self.write('bad.yaml', 'parameter_defaults: [\n')
        bad_section = self.write('sec.yaml', 'parameters_defaults: {}\n')
        bad_ref = self.write('ref.yaml', 'resource_registry:\n'
                             '  OS::X: missing.yaml\n')
        cases = [('/no/such.yaml', 'does not exist'),
                 (bad_yaml, 'is not usable'),
                 (bad_section, 'wrong section'),
                 (bad_ref, 'missing.yaml')]
        for path, text in cases:
            e = self.assertRaises(environment.EnvironmentFileError,
                                  environment.load, [path])
            self.assertIn(path, str(e))
            self.assertIn(text, str(e))
        self.assertRaises(environment.EnvironmentFileError,
                          environment.load, [], ['/no/dir'])

    def test_unreadable(self):
        if os.geteuid() == 0:
            self.skipTest('root reads every file')
        path = self.write('secret.yaml', '{}')
        os.chmod(path, 0)
        e = self.assertRaises(environment.EnvironmentFileError,
                              environment.load, [path])
        self.assertIn('not readable', str(e))

    def test_no_files(self):
        self.assertEqual(({}, {}, []), environment.load([], []))

    def test_bad_file_starts_nothing(self):
        cmd = self.command(ffwd_upgrade.FFWDUpgradePrepare)
        args = self.check_parser(cmd, ['-e', '/no/such.yaml', '--yes'])
        self.assertRaises(exceptions.CommandError, cmd.take_action, args)
        self.assertEqual([], self.mistral.created)


class TestTakeAction(CommandTestCase):

    def test_prepare_input_and_final_line(self):
        env = self.write('e.yaml', 'parameter_defaults:\n  P: 1\n')
        cmd = self.command(ffwd_upgrade.FFWDUpgradePrepare)
        args = self.check_parser(cmd, ['-e', env, '--yes', '--stack', 'oc',
                                       '--ssh-user', 'u', '--timeout', '5',
                                       '--work-dir', '/w'])
        cmd.take_action(args)
        name, workflow_input = self.mistral.created[0]
        self.assertEqual('tripleo.ffwd_upgrade.v1.prepare', name)
        self.assertEqual({'stack': 'oc', 'environment': {
            'parameter_defaults': {'P': 1}}, 'files': {}, 'timeout': 5,
            'work_dir': '/w', 'node_user': 'u'}, workflow_input)
        out = cmd.app.stdout.getvalue().splitlines()
        self.assertEqual('Started tripleo.ffwd_upgrade.v1.prepare '
                         '(execution e1) on stack oc.', out[0])
        self.assertIn('  step condition moved first: Controller f "Stop"',
                      out)
        self.assertEqual('FFWD Upgrade Prepare on stack oc complete.',
                         out[-1])

    def test_run_input(self):
        inventory = self.write('inv.yaml', 'all:\n  hosts:\n    c0: {}\n')
        cmd = self.command(ffwd_upgrade.FFWDUpgradeRun, verbose_level=3)
        args = self.check_parser(cmd, [
            '--yes', '--static-inventory', inventory, '--limit', 'c0',
            '--extra-vars', '{"a": 1}'])
        cmd.take_action(args)
        name, workflow_input = self.mistral.created[0]
        self.assertEqual('tripleo.ffwd_upgrade.v1.run', name)
        self.assertEqual(inventory, workflow_input['inventory_file'])
        self.assertEqual('c0', workflow_input['limit_hosts'])
        self.assertEqual({'a': 1}, workflow_input['extra_vars'])
        self.assertEqual(2, workflow_input['verbosity'])
        self.assertIn('FFWD Upgrade Run on stack overcloud complete.',
                      cmd.app.stdout.getvalue())

    def test_run_bad_inputs_start_nothing(self):
        inventory = self.write('inv.yaml', 'all:\n  hosts:\n    c0: {}\n')
        cmd = self.command(ffwd_upgrade.FFWDUpgradeRun)
        for argv, message in (
                (['--extra-vars', '{bad json'], '--extra-vars (JSON/YAML) '
                 'does not parse'),
                (['--extra-vars', 'novalue'], '"novalue" is not key=value'),
                (['--extra-vars', 'a=1 b="open'], '--extra-vars a=1 '
                 'b="open: No closing quotation'),
                (['--extra-vars', '@/no/file'], '--extra-vars @/no/file: '),
                (['--limit', 'c1'], '--limit c1 matches no host')):
            args = self.check_parser(cmd, ['--yes', '--static-inventory',
                                           inventory] + argv)
            e = self.assertRaises(exceptions.CommandError, cmd.take_action,
                                  args)
            self.assertIn(message, str(e))
            self.assertIn('nothing was started', str(e))
        self.assertEqual([], self.mistral.created)

    def test_run_playbook_the_config_lacks_starts_nothing(self):
        self.write('oc/fast_forward_upgrade_playbook.yaml', '[]\n')
        cmd = self.command(ffwd_upgrade.FFWDUpgradeRun)
        for argv in (['--playbook', 'nope.yaml'], ['--roles', 'Controller']):
            args = self.check_parser(cmd, ['--yes', '--stack', 'oc',
                                           '--work-dir', self.tmp] + argv)
            e = self.assertRaises(exceptions.CommandError, cmd.take_action,
                                  args)
            self.assertIn('is not in %s/oc; the config has: '
                          'fast_forward_upgrade_playbook.yaml; nothing was '
                          'started' % self.tmp, str(e))
        self.assertEqual([], self.mistral.created)

    def test_run_missing_static_inventory(self):
        cmd = self.command(ffwd_upgrade.FFWDUpgradeRun)
        args = self.check_parser(cmd, ['--yes', '--static-inventory', '/no'])
        self.assertRaises(exceptions.CommandError, cmd.take_action, args)
        self.assertEqual([], self.mistral.created)

    def test_failure_is_a_command_error_without_final_line(self):
        polls = [('ERROR', [], {'status': 'FAILED', 'message': 'c0 failed '
                                'at task "sync"'}, None)]
        cmd = self.command(ffwd_upgrade.FFWDUpgradeRun, polls)
        args = self.check_parser(cmd, ['--yes'])
        e = self.assertRaises(exceptions.CommandError, cmd.take_action, args)
        self.assertIn('c0 failed at task "sync"', str(e))
        self.assertNotIn('complete.', cmd.app.stdout.getvalue())

    def test_ctrl_c_says_how_to_follow_again(self):
        cmd = self.command(ffwd_upgrade.FFWDUpgradeConverge,
                           [('RUNNING', [], {}, None)])
        args = self.check_parser(cmd, ['--yes'])

        def interrupt(*a, **kw):
            raise KeyboardInterrupt()
        self.useFixture(fixtures.MonkeyPatch(
            'tripleo_ffu.workflows.follow.Follower.follow', interrupt))
        e = self.assertRaises(exceptions.CommandError, cmd.take_action, args)
        self.assertIn('ffwd-upgrade status e1 --follow', str(e))

    def test_secrets_never_printed(self):
        # Everything the command and its clients log at debug level (as
        # with openstack -vv --debug), beside what it prints.
        logs = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        env = self.write('pw.yaml', 'parameter_defaults:\n'
                         '  AdminPassword: s3cr3t-value\n')
        cmd = self.command(ffwd_upgrade.FFWDUpgradePrepare, verbose_level=3)
        args = self.check_parser(cmd, ['-e', env, '--yes'])
        cmd.take_action(args)
        # The client did log the request (the check below can fail).
        self.assertIn('REQ: curl -g -i -X POST', logs.output)
        for shown in (cmd.app.stdout.getvalue(), logs.output):
            self.assertNotIn('s3cr3t-value', shown)


class TestStatus(CommandTestCase):

    def _execution(self, eid, step, state, stack='overcloud'):
        return base.Namespace(
            id=eid, workflow_name='tripleo.ffwd_upgrade.v1.' + step,
            state=state, created_at='c', updated_at='u', state_info='boom',
            input=json.dumps({'stack': stack, 'environment': {
                'parameter_defaults': {'AdminPassword': 'pw'}},
                'work_dir': '/w'}),
            output=json.dumps({'message': 'it broke'}))

    def test_list_and_detail(self):
        cmd = self.command(ffwd_upgrade.FFWDUpgradeStatus)
        executions = [self._execution('2', 'run', 'ERROR'),
                      self._execution('1', 'prepare', 'SUCCESS')]
        self.mistral.executions.list = lambda **kw: executions
        self.mistral.executions.get = lambda eid: executions[0]
        self.mistral.tasks.list = lambda workflow_execution_id: [
            task('t', 'run_playbook', 'ERROR')]
        columns, rows = cmd.take_action(self.check_parser(cmd, []))
        self.assertEqual(('ID', 'Step', 'State', 'Started', 'Updated',
                          'Task'), columns)
        self.assertEqual([('2', 'run', 'ERROR', 'c', 'u', 'run_playbook'),
                          ('1', 'prepare', 'SUCCESS', 'c', 'u', '')],
                         list(rows))
        columns, rows = cmd.take_action(self.check_parser(cmd, ['2']))
        # One field per line, as "openstack ... show" prints.
        self.assertEqual(('Field', 'Value'), columns)
        detail = dict(rows)
        self.assertEqual('it broke', detail['Message'])
        self.assertEqual('run_playbook=ERROR', detail['Tasks'])
        self.assertIn('work_dir=/w', detail['Inputs'])
        self.assertNotIn('pw', detail['Inputs'])


class TestImports(base.TestCase):

    def test_commands_load_without_the_action_code(self):
        # Beside python-tripleoclient (whose venv need not have
        # mistral-lib) and for a quick start-up: actions load on demand.
        import subprocess
        import sys
        out = subprocess.check_output(
            [sys.executable, '-c', 'import sys, tripleo_ffu.v1.ffwd_upgrade; '
             'print(sorted(m for m in sys.modules if m.startswith('
             '("mistral_lib", "tripleo_ffu.actions"))))'],
            universal_newlines=True)
        self.assertEqual('[]', out.strip())
