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

"""`openstack overcloud ffwd-upgrade prepare | run | converge | status`.

Thin commands: parse, confirm, start the workflow, follow it, print. All
the upgrade behaviour lives in the workflows and their actions.
"""

import argparse
import functools
import logging
import os
import sys

from osc_lib.command import command
from osc_lib import exceptions

from tripleo_ffu.ansible import check
from tripleo_ffu.ansible import events
from tripleo_ffu.ansible import inputs
from tripleo_ffu import contract
from tripleo_ffu import errors
from tripleo_ffu import files
from tripleo_ffu import journal
from tripleo_ffu import locks
from tripleo_ffu import paths
from tripleo_ffu import preflight
from tripleo_ffu import records
from tripleo_ffu import runs
from tripleo_ffu import templates
from tripleo_ffu.v1 import deploy_options
from tripleo_ffu.v1 import environment
from tripleo_ffu.v1 import redact
from tripleo_ffu.workflows import follow
from tripleo_ffu.workflows import registration

LOG = logging.getLogger(__name__)

DEFAULT_TIMEOUT = contract.DEFAULT_TIMEOUT_MIN
DEFAULT_SSH_USER = contract.DEFAULT_SSH_USER
CONFIRM_WARNING = (
    'WARNING: the fast-forward upgrade is a critical operation that takes '
    'the overcloud control plane down. Make sure you have a valid backup '
    'of the overcloud (databases and configuration) before you go on.')
# Inputs safe to show; environment, files, parameters and extra_vars may
# carry passwords and are never printed.
SHOWN_INPUTS = ('stack', 'work_dir', 'playbook', 'node_user', 'tags',
                'skip_tags', 'limit_hosts', 'timeout', 'resume_from',
                'restart', 'repeat_db_sync')


def default_stack():
    return contract.default_stack()


def positive_int(value):
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise argparse.ArgumentTypeError('must be a positive whole number '
                                         'of minutes, got %r' % value)
    return number


def exit_on_failure(take_action):
    """The one place where a command's failure becomes its exit message.

    osc-lib prints a CommandError's message and exits 1; anything else
    would be a traceback. Every failure of the operator's kind is an
    FFUError whose message is the whole sentence.
    """
    @functools.wraps(take_action)
    def take_action_or_exit(self, parsed_args):
        try:
            return take_action(self, parsed_args)
        except errors.FFUError as e:
            raise exceptions.CommandError(str(e))
        except KeyboardInterrupt as e:
            raise exceptions.CommandError(str(e) or 'Interrupted.')
    return take_action_or_exit


def add_stack_option(parser, what):
    parser.add_argument(
        '--stack', default=default_stack(),
        help='%s (default: $%s, else "%s").' % (
            what, contract.STACK_ENV, contract.DEFAULT_STACK))


def add_skip_preflight_option(parser):
    parser.add_argument(
        '--skip-preflight', action='store_true',
        help='Do not run the pre-flight checks first (the skip is recorded '
             'in the stack\'s state in the work dir).')


def add_timeout_option(parser, what, short=False):
    parser.add_argument(
        *(('--timeout', '-t') if short else ('--timeout',)),
        type=positive_int, default=DEFAULT_TIMEOUT,
        metavar='<minutes>',
        help='%s, in minutes (default %d).' % (what, DEFAULT_TIMEOUT))


def add_work_dir_option(parser, what, unset):
    """--work-dir: `what` it is for, and what an unset one means."""
    parser.add_argument(
        '--work-dir', default=os.environ.get(contract.WORK_DIR_ENV),
        help='%s (default: $%s, else %s).' % (
            what, contract.WORK_DIR_ENV, unset))


def confirm(step, stack, stdin=None, stdout=None, warning=CONFIRM_WARNING):
    """Ask the operator to type `yes`; return True only if they did."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stdout.write('%s\n' % warning)
    if not stdin.isatty():
        stdout.write('No terminal to confirm on: pass --yes to run '
                     '"ffwd-upgrade %s" unattended.\n' % step)
        return False
    stdout.write('Type "yes" to run ffwd-upgrade %s on stack %s: '
                 % (step, stack))
    stdout.flush()
    answer = stdin.readline()
    return answer.strip().lower() == 'yes'


class FFWDUpgradeBase(command.Command):
    """Common options and the start-follow-report cycle."""

    auth_required = True
    step = None
    redactor = None

    def get_parser(self, prog_name):
        parser = super(FFWDUpgradeBase, self).get_parser(prog_name)
        add_stack_option(parser, 'Name or ID of the overcloud stack')
        parser.add_argument(
            '--yes', action='store_true',
            help='Skip the confirmation (the upgrade is a critical '
                 'operation: have a valid backup).')
        add_timeout_option(parser, 'Bound on the whole wait',
                           short=self.step != 'run')
        add_work_dir_option(
            parser, 'Work dir of the Mistral executor holding <stack>/',
            'the executor\'s own: its $%s, else %s' % (
                contract.WORK_DIR_ENV, contract.DEFAULT_WORK_DIR))
        return parser

    def workflow_input(self, parsed_args):
        raise NotImplementedError()

    # Whether the step runs Ansible, whose events are shown.
    run_events = False

    def _write(self, line):
        write_line(self.app, line)

    def run(self, parsed_args):
        # Before osc-lib logs the parsed arguments at debug level.
        self.redactor = redact.install(redact.argument_values(
            getattr(parsed_args, 'extra_vars', None)))
        return super(FFWDUpgradeBase, self).run(parsed_args)

    def notices(self, parsed_args):
        """Lines about options given that change nothing here."""
        return []

    def dry_run(self, parsed_args, workflow_input):
        """Print what would be sent instead of starting: True if so."""
        return False

    def confirm_warning(self, parsed_args):
        return CONFIRM_WARNING

    @exit_on_failure
    def take_action(self, parsed_args):
        workflow_input = self.workflow_input(parsed_args)
        if self.redactor is None:
            self.redactor = redact.install()
        self.redactor.add(redact.secret_values(workflow_input))
        for line in self.notices(parsed_args):
            self._write(line)
        if self.dry_run(parsed_args, workflow_input):
            return
        if not parsed_args.yes and not confirm(
                self.step, parsed_args.stack, self.app.stdin,
                self.app.stdout, self.confirm_warning(parsed_args)):
            raise errors.FFUError(
                'Cancelled: ffwd-upgrade %s was not confirmed; nothing was '
                'started.' % self.step)
        if getattr(parsed_args, 'no_workflow', False):
            output = self.run_here(workflow_input)
        else:
            output = self.run_in_mistral(parsed_args, workflow_input)
        self.report(output)
        if output.get('overcloudrc'):
            self._write(write_overcloudrc(output['overcloudrc'],
                                          parsed_args.stack))
        self._write('FFWD Upgrade %s on stack %s complete.' % (
            self.step.capitalize(), parsed_args.stack))

    def run_in_mistral(self, parsed_args, workflow_input):
        mistral = self.app.client_manager.workflow_engine
        ensure_registered(self.app, mistral)
        execution = follow.start(mistral, self.step, workflow_input)
        self._write('Started %s (execution %s) on stack %s.' % (
            contract.workflow_name(self.step), execution.id,
            parsed_args.stack))
        return follow_to_end(
            mistral, execution.id, follow_timeout(parsed_args.timeout),
            self._write, parsed_args.stack, parsed_args.work_dir,
            self.run_events, self.app.options.verbose_level > 1)

    def run_here(self, workflow_input):
        # Imported here: the action code (mistral-lib) is needed only for
        # --no-workflow, not to load the commands.
        from tripleo_ffu.v1 import local_run

        try:
            mistral = self.app.client_manager.workflow_engine
        except Exception:
            mistral = None
        return local_run.run_here(workflow_input, self._write,
                                  self.app.options.verbose_level > 1,
                                  mistral)

    def report(self, output):
        if output.get('message'):
            self._write(output['message'])


def write_overcloudrc(source, stack, directory='.'):
    """Copy the executor's overcloudrc to <stack>rc here, as upstream.

    Returns the line saying where it is. The file holds the overcloud's
    admin password: 0600, and never printed.
    """
    target = os.path.abspath(os.path.join(directory, '%src' % stack))
    try:
        with open(source) as f:
            text = f.read()
        with files.open_private(target) as f:
            f.write(text)
    except EnvironmentError as e:
        return ('The overcloudrc of stack %s is %s on the Mistral '
                'executor\'s host, readable by its user only (%s here): '
                'copy it from there.' % (stack, source, e.strerror or e))
    return 'Wrote %s (0600): the overcloud\'s credentials.' % target


def write_line(app, line):
    """A progress line, flushed so it shows even when stdout is a pipe."""
    app.stdout.write(line + '\n')
    app.stdout.flush()


def ensure_registered(app, mistral):
    """Register a missing or stale workbook, saying so in one line."""
    said = registration.ensure_registered(mistral)
    if said:
        write_line(app, said)


def follow_timeout(minutes):
    """How long the CLI follows: the action's bound plus Mistral's grace.

    The workflow lets its action run `minutes` and Mistral's task
    timeout adds contract.ACTION_GRACE_S; giving up sooner would call an
    execution still bounded by those "running".
    """
    return minutes * 60 + contract.ACTION_GRACE_S + 30


def follow_to_end(mistral, execution_id, timeout_s, write, stack, work_dir,
                  run_events, verbose):
    """Follow an execution; turn every way it can end badly into an error."""
    follower = follow.Follower(mistral, write, verbose=verbose, stack=stack,
                               work_dir=work_dir, run_events=run_events)
    try:
        return follower.follow(execution_id, timeout_s)
    except KeyboardInterrupt:
        raise errors.FFUError(
            'Interrupted: stopped following execution %s; it goes on in '
            'Mistral. Follow it again with "openstack overcloud '
            'ffwd-upgrade status %s --follow".' % (
                execution_id, execution_id))


class StackUpdateCommand(FFWDUpgradeBase):
    """prepare and converge: a PATCH stack update, with new templates or not.

    The parser is upstream's `overcloud deploy` one (deploy_options).
    """

    def get_parser(self, prog_name):
        parser = super(StackUpdateCommand, self).get_parser(prog_name)
        add_stack_update_options(parser)
        return parser

    def notices(self, parsed_args):
        return deploy_options.notices(parsed_args)

    def workflow_input(self, parsed_args):
        return dict(stack_update_input(parsed_args, self.step),
                    stack=parsed_args.stack, timeout=parsed_args.timeout,
                    work_dir=parsed_args.work_dir)

    def dry_run(self, parsed_args, workflow_input):
        if not (parsed_args.dry_run or parsed_args.update_plan_only):
            return False
        self._write('Dry run: nothing was started. ffwd-upgrade %s would '
                    'update stack %s with:' % (self.step, parsed_args.stack))
        for line in describe_update(workflow_input, self.step):
            self._write('  ' + line)
        return True


def add_stack_update_options(parser):
    """prepare's and converge's options: upstream's deploy ones and ours."""
    parser.add_argument(
        '-e', '--environment-file', dest='environment_files',
        action='append', default=[], metavar='<file>',
        help='Environment file; repeatable, later files win.')
    parser.add_argument(
        '--environment-directory', dest='environment_directories',
        action='append', default=[], metavar='<dir>',
        help='Directory of environment files (*.yaml, name order), '
             'applied before the -e files; repeatable (default: %s '
             'when it exists).' % deploy_options.DEFAULT_ENV_DIRECTORY)
    parser.add_argument(
        '--allow-lost-mappings', action='store_true',
        help='With --templates: update even when resource mappings of '
             'the stack\'s environment would go back to the templates\' '
             'defaults (refused otherwise, naming them: the sign of an '
             'environment file of the original deploy left out).')
    deploy_options.add_options(parser)


def stack_update_input(parsed_args, step):
    """The template and environment inputs of a prepare or converge.

    Raises FFUError naming the file that cannot be used.
    """
    if parsed_args.no_proxy:
        os.environ['no_proxy'] = parsed_args.no_proxy
    if parsed_args.answers_file:
        apply_answers_file(parsed_args)
    env_dirs = deploy_options.environment_directories(parsed_args)
    parameters = deploy_options.parameters(parsed_args)
    if parsed_args.templates:
        found = templates_input(parsed_args, step, env_dirs)
        found['allow_lost_mappings'] = parsed_args.allow_lost_mappings
        if parameters:
            found['environments'].append(
                {'environment': {'parameter_defaults': parameters}})
        return found
    env, files, env_paths = environment.load(
        parsed_args.environment_files, env_dirs)
    for path in env_paths:
        LOG.debug('environment file: %s', path)
    if parameters:
        env = dict(env, parameter_defaults=dict(
            env.get('parameter_defaults') or {}, **parameters))
    return {'environment': env, 'files': files}


def apply_answers_file(parsed_args):
    """Upstream's --answers-file: templates, and environments first."""
    answers = templates.load_yaml(parsed_args.answers_file, 'answers file')
    if not isinstance(answers, dict):
        raise errors.FFUError('The answers file %s holds no mapping'
                              % parsed_args.answers_file)
    if not parsed_args.templates and answers.get('templates'):
        parsed_args.templates = answers['templates']
    parsed_args.environment_files = list(
        answers.get('environments') or []) + parsed_args.environment_files


def templates_input(parsed_args, step, env_dirs):
    """The workflow input that moves the stack to --templates.

    Paths, not contents: the executor renders the tree on its own host
    (the undercloud), and the template tree would not fit Mistral's
    execution input anyway. The operator's environment files outside the
    templates travel as content, as without --templates.
    """
    tht = templates.check_templates_dir(
        os.path.abspath(parsed_args.templates))
    lifecycle = templates.LIFECYCLE_ENVIRONMENTS[step]
    if not environment.in_templates(tht, lifecycle):
        raise errors.FFUError(
            'The templates in %s have no %s: fast-forward upgrade needs '
            'Queens templates (tripleo-heat-templates 8.x) or later'
            % (tht, lifecycle))
    roles_file = networks_file = None
    if parsed_args.roles_file:
        roles_file = os.path.abspath(parsed_args.roles_file)
        templates.roles_data(tht, roles_file)
    if parsed_args.networks_file:
        networks_file = os.path.abspath(parsed_args.networks_file)
        templates.networks_data(tht, networks_file)
    plan = None
    if parsed_args.plan_environment_file:
        plan = templates.load_yaml(parsed_args.plan_environment_file,
                                   'plan environment file') or {}
    environments, files, env_paths = environment.load_ordered(
        parsed_args.environment_files, env_dirs, tht)
    for path in env_paths:
        LOG.debug('environment file: %s', path)
    return {'templates': tht, 'roles_file': roles_file,
            'networks_file': networks_file, 'plan_environment': plan,
            'environments': environments, 'files': files}


def describe_update(workflow_input, step):
    """What a prepare or converge sends, one line each, no values."""
    if not workflow_input.get('templates'):
        env = workflow_input.get('environment') or {}
        return ['the templates it has (no --templates)',
                'environment: %d registry entries, %d parameter defaults, '
                '%d files' % (len(env.get('resource_registry') or {}),
                              len(env.get('parameter_defaults') or {}),
                              len(workflow_input.get('files') or {}))]
    lines = ['templates: %s, rendered by the executor' %
             workflow_input['templates'],
             'roles file: %s' % (workflow_input.get('roles_file') or
                                 'the templates\' roles_data.yaml'),
             'networks file: %s' % (workflow_input.get('networks_file') or
                                    'the templates\' network_data.yaml'),
             'environments, in order:']
    paths, defaults = templates.plan_environment(
        workflow_input['templates'], workflow_input.get('plan_environment'))
    lines += ['  %s (plan environment)' % path for path in paths]
    if defaults:
        lines.append('  the plan environment\'s %d parameter defaults'
                     % len(defaults))
    lines.append('  %s (lifecycle)' % templates.LIFECYCLE_ENVIRONMENTS[step])
    for item in workflow_input.get('environments') or []:
        if item.get('path'):
            lines.append('  %s' % item['path'])
        else:
            env = item.get('environment') or {}
            registry = env.get('resource_registry') or {}
            defaults = env.get('parameter_defaults') or {}
            lines.append('  %s (%d registry entries, %d parameter '
                         'defaults)' % (item.get('name') or 'parameters',
                                        len(registry), len(defaults)))
    return lines


class FFWDUpgradePrepare(StackUpdateCommand):
    """Update the stack for the fast-forward upgrade, download its config."""

    step = 'prepare'

    def get_parser(self, prog_name):
        parser = super(FFWDUpgradePrepare, self).get_parser(prog_name)
        parser.add_argument(
            '--ssh-user', dest='ssh_user',
            help='User Ansible connects as, written to the generated '
                 'inventory (default %s).' % DEFAULT_SSH_USER)
        add_skip_preflight_option(parser)
        return parser

    def workflow_input(self, parsed_args):
        workflow_input = super(FFWDUpgradePrepare, self).workflow_input(
            parsed_args)
        workflow_input.update(node_user=parsed_args.ssh_user or
                              DEFAULT_SSH_USER)
        if parsed_args.skip_preflight:
            workflow_input['skip_preflight'] = True
        return workflow_input

    def report(self, output):
        super(FFWDUpgradePrepare, self).report(output)
        for fixed in output.get('fixed_step_order') or []:
            self._write('  step condition moved first: %(role)s %(file)s '
                        '"%(task)s"' % fixed)
        for task in output.get('no_step_condition') or []:
            self._write('  no step condition (runs at every step): %(role)s '
                        '%(file)s "%(task)s"' % task)
        for change in output.get('converted') or []:
            self._write('  converted: %(file)s %(task)s: "%(was)s" -> '
                        '"%(now)s" (%(why)s)' % change)
        for problem in output.get('ansible_check') or []:
            self._write('  cannot load: %s' % check.describe(problem))


class FFWDUpgradeConverge(StackUpdateCommand):
    """Update the stack back to normal deployments after the upgrade."""

    step = 'converge'

    def notices(self, parsed_args):
        lines = super(FFWDUpgradeConverge, self).notices(parsed_args)
        if parsed_args.ssh_user:
            lines.append('Note: --overcloud-ssh-user has no effect at '
                         'converge: prepare wrote the inventory.')
        return lines


class FFWDUpgradeAbort(FFWDUpgradeBase):
    """Put the stack back as it was before prepare (no walk yet)."""

    step = 'abort'

    def workflow_input(self, parsed_args):
        return {'stack': parsed_args.stack, 'timeout': parsed_args.timeout,
                'work_dir': parsed_args.work_dir}


class FFWDUpgradeRestore(FFWDUpgradeBase):
    """Load back the databases dumped before a release's DB sync."""

    step = 'restore'

    def get_parser(self, prog_name):
        parser = super(FFWDUpgradeRestore, self).get_parser(prog_name)
        parser.add_argument(
            '--release', required=True, choices=journal.RELEASES,
            help='The release whose DB sync to undo: the databases the '
                 'bootstrap nodes dumped just before it are loaded back.')
        return parser

    def confirm_warning(self, parsed_args):
        return ('WARNING: this replaces the databases of the nodes that '
                'dumped them with the dumps taken before the %s DB sync: '
                'whatever was written to them since is lost. The next run '
                'does that DB sync again.' % parsed_args.release)

    def workflow_input(self, parsed_args):
        return {'stack': parsed_args.stack, 'release': parsed_args.release,
                'timeout': parsed_args.timeout,
                'work_dir': parsed_args.work_dir}


class FFWDUpgradePreflight(command.Lister):
    """Check that the upgrade of a stack can go: one go/no-go table.

    Given prepare's arguments (--templates, -e, ...), prepare's own checks
    of them are made too.
    """

    auth_required = True
    COLUMNS = ('Check', 'Result', 'Detail')
    failed = False

    def get_parser(self, prog_name):
        parser = super(FFWDUpgradePreflight, self).get_parser(prog_name)
        add_stack_option(parser, 'Stack to check')
        add_work_dir_option(
            parser, 'Work dir of the Mistral executor holding <stack>/',
            'the executor\'s own: its $%s, else %s' % (
                contract.WORK_DIR_ENV, contract.DEFAULT_WORK_DIR))
        parser.add_argument(
            '--timeout', type=positive_int, default=10, metavar='<minutes>',
            help='Bound on the wait, in minutes (default 10).')
        add_stack_update_options(parser)
        return parser

    def run(self, parsed_args):
        code = super(FFWDUpgradePreflight, self).run(parsed_args)
        # The table is shown either way; a failed check fails the command.
        return code or (1 if self.failed else 0)

    @exit_on_failure
    def take_action(self, parsed_args):
        rows, prepare_input = prepare_checks_input(parsed_args)
        redact.install().add(redact.secret_values(prepare_input))
        mistral = self.app.client_manager.workflow_engine
        ensure_registered(self.app, mistral)
        execution = follow.start(mistral, 'preflight', dict(
            prepare_input, stack=parsed_args.stack,
            work_dir=parsed_args.work_dir))
        try:
            follow_to_end(mistral, execution.id,
                          parsed_args.timeout * 60, lambda line: None,
                          parsed_args.stack, parsed_args.work_dir, False,
                          False)
            error = None
        except errors.FFUError as e:
            error = e
        output = follow.parse_output(follow.call(
            mistral, mistral.executions.get, execution.id))
        checks = rows + (output.get('checks') or [])
        if not output.get('checks'):
            raise error or errors.FFUError(
                'The pre-flight (execution %s) returned no check'
                % execution.id)
        self.failed = error is not None or any(
            c.get('result') == preflight.FAIL for c in checks)
        if self.failed:
            # Beside the table (stdout stays the table, for -f json).
            self.app.stderr.write('%s\n' % (
                preflight.failed_sentence(rows) if any(
                    r['result'] == preflight.FAIL for r in rows)
                else output.get('message') or error))
        return self.COLUMNS, [(c.get('check'), c.get('result'),
                               c.get('detail')) for c in checks]


def prepare_checks_input(parsed_args):
    """(rows made here, pre-flight input) from prepare's arguments.

    Without --templates, -e or --answers-file: none. A file that cannot
    be read is a failed row (the rest is checked all the same).
    """
    if not (parsed_args.templates or parsed_args.environment_files or
            parsed_args.answers_file):
        return [], {}
    try:
        found = stack_update_input(parsed_args, 'prepare')
    except errors.FFUError as e:
        return [preflight.row(preflight.TEMPLATES_CHECK, preflight.FAIL,
                              str(e))], {}
    if found.get('templates'):
        return [], found
    # The stack keeps its templates: the environments go as given, and
    # the lifecycle one must be among them.
    lifecycle = templates.LIFECYCLE_ENVIRONMENTS['prepare']
    given = any(path.endswith(lifecycle)
                for path in parsed_args.environment_files)
    return [preflight.row(preflight.TEMPLATES_CHECK, preflight.PASS,
                          'the environment files load (the stack keeps its '
                          'templates)'),
            preflight.row(preflight.LIFECYCLE_CHECK,
                          preflight.PASS if given else preflight.FAIL,
                          lifecycle if given else 'none of the -e files is '
                          '%s: without --templates prepare sends only '
                          'them; add it' % lifecycle)], {}


class FFWDUpgradeRun(FFWDUpgradeBase):
    """Run the fast-forward upgrade playbook on the overcloud."""

    step = 'run'

    def get_parser(self, prog_name):
        parser = super(FFWDUpgradeRun, self).get_parser(prog_name)
        parser.add_argument(
            '--static-inventory', metavar='<path>',
            help='Inventory to use as-is instead of the generated one.')
        parser.add_argument(
            '--ssh-user', metavar='<user>',
            help='User Ansible connects as, over the one the inventory '
                 'names (written at prepare, %s unless prepare was given '
                 'another).' % DEFAULT_SSH_USER)
        parser.add_argument(
            '--playbook', default=None,
            help='Playbook of the downloaded config to run (default %s).'
                 % contract.DEFAULT_PLAYBOOK)
        parser.add_argument('--limit', metavar='<hosts>',
                            help='Ansible --limit pattern.')
        final = parser.add_mutually_exclusive_group()
        final.add_argument(
            '--roles', metavar='<role>[,<role>...]',
            help='The final Queens step of these roles, after the FFU '
                 'walk: %s in order, as upstream\'s "overcloud upgrade run '
                 '--roles" (not with --playbook or --limit).'
                 % ', '.join(contract.FINAL_STEP_PLAYBOOKS))
        final.add_argument(
            '--nodes', metavar='<node>[,<node>...]',
            help='As --roles, for these nodes (inventory host names).')
        resume = parser.add_mutually_exclusive_group()
        resume.add_argument(
            '--from', dest='resume_from', metavar='<release>:<step>',
            help='Walk from this release and step (e.g. pike:4) on every '
                 'host, skipping the steps before it. By default a re-run '
                 'resumes: each host skips the steps the journal shows it '
                 'finished.')
        resume.add_argument(
            '--restart', action='store_true',
            help='Walk every release and step again, whatever the journal '
                 'says.')
        parser.add_argument(
            '--repeat-db-sync', action='store_true',
            help='Let --from or --restart run a finished DB sync step (8) '
                 'again; refused without it (only after restoring the '
                 'databases).')
        add_skip_preflight_option(parser)
        parser.add_argument('--tags', help='Ansible --tags.')
        parser.add_argument('--skip-tags', help='Ansible --skip-tags.')
        parser.add_argument(
            '--extra-vars', metavar='<vars>',
            help='Ansible --extra-vars: key=value pairs, JSON or @file.')
        parser.add_argument(
            '--no-workflow', action='store_true',
            help='Run the playbook from this process instead of through '
                 'Mistral: the same checks, stack lock, progress and '
                 'record. For when Mistral itself is broken (its API, '
                 'engine or executor down, or the workbook cannot be '
                 'registered); run it on the Mistral executor\'s host, as '
                 'the executor\'s user (its work dir and SSH key).')
        return parser

    def workflow_input(self, parsed_args):
        inventory = parsed_args.static_inventory
        if inventory:
            inventory = os.path.abspath(inventory)
            if not os.path.isfile(inventory):
                raise errors.FFUError(
                    'Static inventory %s does not exist' % inventory)
        playbook, limit = run_target(parsed_args)
        workflow_input = {
            'stack': parsed_args.stack, 'work_dir': parsed_args.work_dir,
            'playbook': playbook, 'inventory_file': inventory,
            'node_user': parsed_args.ssh_user, 'tags': parsed_args.tags,
            'skip_tags': parsed_args.skip_tags,
            'limit_hosts': limit,
            # OSC's default verbosity is 1; Ansible's default is 0.
            'verbosity': max(self.app.options.verbose_level - 1, 0),
            'timeout': parsed_args.timeout}
        workflow_input.update(resume_input(parsed_args, playbook))
        if parsed_args.skip_preflight:
            workflow_input['skip_preflight'] = True
        try:
            if parsed_args.extra_vars:
                workflow_input['extra_vars'] = inputs.parse_extra_vars(
                    parsed_args.extra_vars)
            # Where this CLI can read the downloaded config (the executor's
            # host), a playbook it lacks and an empty --limit are refused
            # before anything starts; the run action checks them again for
            # other clients.
            config_dir = paths.config_dir(
                contract.resolve_work_dir(parsed_args.work_dir),
                parsed_args.stack)
            if os.access(config_dir, os.R_OK | os.X_OK):
                inputs.check_playbooks(config_dir, playbook if isinstance(
                    playbook, list) else [playbook])
            inventory = inventory or os.path.join(config_dir,
                                                  paths.INVENTORY_FILE)
            if limit and os.access(inventory, os.R_OK):
                inputs.check_limit(inventory, limit)
        except inputs.InputError as e:
            raise errors.FFUError('%s; nothing was started.' % e)
        return workflow_input

    run_events = True

    def report(self, output):
        super(FFWDUpgradeRun, self).report(output)
        for line in events.recap_lines(output.get('recap')):
            self._write('  ' + line)
        if output.get('log_path'):
            self._write('Ansible log: %s' % output['log_path'])


def resume_input(parsed_args, playbook):
    """The walk's resume inputs (--from, --restart, --repeat-db-sync)."""
    given = {'resume_from': parsed_args.resume_from,
             'restart': parsed_args.restart,
             'repeat_db_sync': parsed_args.repeat_db_sync}
    if not any(given.values()):
        return {}
    if playbook != contract.DEFAULT_PLAYBOOK:
        raise errors.FFUError(
            '--from, --restart and --repeat-db-sync choose the steps of the '
            'walk (%s), not of other playbooks; nothing was started.'
            % contract.DEFAULT_PLAYBOOK)
    if parsed_args.resume_from:
        try:
            journal.parse_pair(parsed_args.resume_from)
        except ValueError as e:
            raise errors.FFUError('--from %s; nothing was started.' % e)
    return given


def run_target(parsed_args):
    """(playbook or playbooks, --limit pattern) of a run."""
    names = parsed_args.roles or parsed_args.nodes
    if not names:
        return (parsed_args.playbook or contract.DEFAULT_PLAYBOOK,
                parsed_args.limit)
    option = '--roles' if parsed_args.roles else '--nodes'
    if parsed_args.playbook or parsed_args.limit:
        raise errors.FFUError(
            '%s runs the final step\'s playbooks on what it names: not '
            'with --playbook or --limit; nothing was started.' % option)
    hosts = [n.strip() for n in names.split(',') if n.strip()]
    if not hosts:
        raise errors.FFUError('%s names nothing; nothing was started.'
                              % option)
    return list(contract.FINAL_STEP_PLAYBOOKS), ':'.join(hosts)


class FFWDUpgradeStatus(command.Lister):
    """Show the ffwd-upgrade executions of a stack, newest first."""

    auth_required = True
    COLUMNS = ('ID', 'Step', 'State', 'Started', 'Updated', 'Task')

    def get_parser(self, prog_name):
        parser = super(FFWDUpgradeStatus, self).get_parser(prog_name)
        parser.add_argument(
            'execution', nargs='?', metavar='<execution id>',
            help='Show this execution in detail instead of the list.')
        add_stack_option(parser, 'Stack whose executions to list')
        parser.add_argument(
            '--limit', type=positive_int, default=20,
            help='At most this many executions (default 20).')
        parser.add_argument(
            '--follow', action='store_true',
            help='With an execution id: follow it to its end first.')
        add_timeout_option(parser, 'Bound on --follow')
        add_work_dir_option(
            parser, 'Where this host finds the runs made with '
                    '--no-workflow and the records of the executor',
            contract.DEFAULT_WORK_DIR)
        return parser

    def _row(self, mistral, execution, tasks=None):
        step = (execution.workflow_name or '').rsplit('.', 1)[-1]
        return (execution.id, step, execution.state, execution.created_at,
                execution.updated_at,
                follow.current_task(mistral, execution, tasks))

    @exit_on_failure
    def take_action(self, parsed_args):
        redact.install()
        if (parsed_args.execution or '').startswith(
                contract.LOCAL_RUN_PREFIX):
            # Mistral never knew it: its record is all there is.
            return self._local_detail(parsed_args)
        mistral = self.app.client_manager.workflow_engine
        ensure_registered(self.app, mistral)
        if parsed_args.execution:
            return self._detail(mistral, parsed_args)
        executions = follow.list_executions(mistral, parsed_args.stack,
                                            parsed_args.limit)
        rows = [self._row(mistral, e) for e in executions]
        return self.COLUMNS, newest_first(rows + local_run_rows(
            contract.resolve_work_dir(parsed_args.work_dir),
            parsed_args.stack))[:parsed_args.limit]

    def _detail(self, mistral, parsed_args):
        execution_id = parsed_args.execution
        try:
            execution = follow.call(mistral, mistral.executions.get,
                                    execution_id)
        except follow.FFUError:
            raise
        except Exception as e:
            raise errors.FFUError('No execution %s: %s' % (execution_id, e))
        if parsed_args.follow and execution.state not in (
                follow.FINAL_STATES):
            inputs = follow.execution_input(execution)
            try:
                follow_to_end(mistral, execution_id,
                              follow_timeout(parsed_args.timeout),
                              lambda line: write_line(self.app, line),
                              inputs.get('stack', contract.DEFAULT_STACK),
                              inputs.get('work_dir'),
                              execution.workflow_name ==
                              contract.workflow_name('run'),
                              self.app.options.verbose_level > 1)
            finally:
                execution = follow.call(mistral, mistral.executions.get,
                                        execution_id)
        tasks = follow.call(mistral, mistral.tasks.list,
                            workflow_execution_id=execution_id)
        inputs = follow.execution_input(execution)
        row = self._row(mistral, execution, tasks)
        fields = list(zip(self.COLUMNS, row)) + [
            ('Message', follow.parse_output(execution).get('message') or
             execution.state_info or ''),
            ('Tasks', ', '.join('%s=%s' % (t.name, t.state) for t in
                                follow.in_order(tasks,
                                                execution.workflow_name))),
            ('Inputs', ', '.join('%s=%s' % (k, inputs[k])
                                 for k in SHOWN_INPUTS
                                 if inputs.get(k) not in (None, '')))]
        stack = inputs.get('stack', contract.DEFAULT_STACK)
        work_dir = inputs.get('work_dir') or follow.lock_task_result(
            mistral, tasks).get('work_dir')
        said = executor_records(execution, stack, work_dir)
        if said:
            fields.append(('Executor records', said))
        fields += records.run_details(records.ansible_record(
            work_dir, stack, execution.id))
        return ('Field', 'Value'), fields

    def _local_detail(self, parsed_args):
        """status <id> of a run made with --no-workflow: its record."""
        record = records.ansible_record(
            contract.resolve_work_dir(parsed_args.work_dir),
            parsed_args.stack, parsed_args.execution)
        if not record:
            raise errors.FFUError(
                'No run %s of stack %s in %s (runs made with --no-workflow '
                'are read from the work dir: --work-dir)' % (
                    parsed_args.execution, parsed_args.stack,
                    contract.resolve_work_dir(parsed_args.work_dir)))
        row = local_run_row(record)
        fields = list(zip(self.COLUMNS, row)) + [
            ('Message', record.get('message') or ''),
            ('Executor records', records.describe_ansible(record))]
        return ('Field', 'Value'), fields + records.run_details(record)


def local_run_row(record):
    """A status row for a run made with --no-workflow (no Mistral)."""
    state = 'RUNNING' if record.get('running') else (
        record.get('status') or 'ERROR')
    if record.get('running') and not locks.still_running(record):
        state = 'STOPPED'
    return (record.get('execution_id'), 'run (no workflow)', state,
            record.get('started_at'), record.get('ended_at') or '',
            record.get('playbook'))


def local_run_rows(work_dir, stack):
    return [local_run_row(r) for r in runs.list_records(work_dir, stack)
            if str(r.get('execution_id')).startswith(
                contract.LOCAL_RUN_PREFIX)]


def newest_first(rows):
    """Mistral's rows and local runs' rows by start time, newest first."""
    return sorted(rows, key=lambda row: str(row[3] or '')[:19],
                  reverse=True)


def executor_records(execution, stack, work_dir):
    """What the executor's own records say, when this host can read them.

    Mistral may have lost the action (executor killed or restarted): the
    lock and ansible records in the executor's work dir tell the truth.
    """
    said = []
    if execution.state not in follow.FINAL_STATES and (
            records.executor_gone(work_dir, stack, execution.id)):
        said.append('Mistral shows it %s, but the Mistral executor that ran '
                    'it has stopped: its action can no longer end.'
                    % execution.state)
    record = records.ansible_record(work_dir, stack, execution.id)
    agrees = record and not record.get('running') and (
        execution.state in follow.FINAL_STATES) and (
        (record.get('status') == 'SUCCESS') == (execution.state == 'SUCCESS'))
    if record and not agrees:
        # Only what Mistral does not say already: a run still going, or
        # an outcome Mistral lost or got wrong.
        said.append(records.describe_ansible(record))
    return ' '.join(said)
