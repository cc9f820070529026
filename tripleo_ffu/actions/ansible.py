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

"""Run a playbook of the downloaded config with ansible-playbook."""

import logging
import os

from mistral_lib import actions

from tripleo_ffu.actions import clients
from tripleo_ffu.actions import failures
from tripleo_ffu.actions import lock
from tripleo_ffu.ansible import check
from tripleo_ffu.ansible import events
from tripleo_ffu.ansible import inputs
from tripleo_ffu.ansible import runner
from tripleo_ffu import journal
from tripleo_ffu import locks
from tripleo_ffu import contract
from tripleo_ffu import db_dumps
from tripleo_ffu import paths
from tripleo_ffu import runs
from tripleo_ffu import stacks

LOG = logging.getLogger(__name__)


def failed_hosts(result):
    """The hosts that failed when others did not, sorted; else []."""
    if result.get('failure_count', 0) > len(result['failures']):
        return []  # Not all of them are known.
    failed = sorted(set(f['host'] for f in result['failures']
                        if f.get('host')))
    others = set(result.get('recap') or ()) - set(failed)
    return failed if failed and others else []


class AnsiblePlaybookAction(actions.Action):
    """Run `playbook` from <work_dir>/<stack>/; return a bounded result.

    Progress goes, as JSON lines, to runs.events_file(work_dir, stack,
    <workflow execution id>), where the CLI follows it.
    """

    def __init__(self, stack, work_dir=None,
                 playbook=contract.DEFAULT_PLAYBOOK, inventory_file=None,
                 node_user=None, tags=None, skip_tags=None,
                 limit_hosts=None, verbosity=0, extra_vars=None,
                 timeout=contract.DEFAULT_TIMEOUT_MIN, resume_from=None,
                 restart=False, repeat_db_sync=False):
        super(AnsiblePlaybookAction, self).__init__()
        self.stack = stack
        self.work_dir = work_dir
        # One playbook, or several run in order by one ansible-playbook
        # (run --roles), which stops at the first that fails.
        self.playbooks = list(playbook) if isinstance(
            playbook, (list, tuple)) else [playbook]
        self.playbook = ', '.join(self.playbooks)
        self.inventory_file = inventory_file
        self.node_user = node_user
        self.tags = tags
        self.skip_tags = skip_tags
        self.limit_hosts = limit_hosts
        self.verbosity = verbosity
        self.extra_vars = extra_vars
        self.timeout = timeout
        # The walk's resume (journal.py): by default each host skips the
        # (release, step) pairs it finished.
        self.resume_from = resume_from
        self.restart = restart
        self.repeat_db_sync = repeat_db_sync

    def _check_inputs(self, config_dir):
        if not os.path.isdir(config_dir):
            return ('No downloaded config for stack %s in %s: run '
                    '"openstack overcloud ffwd-upgrade prepare" first'
                    % (self.stack, os.path.dirname(config_dir)))
        try:
            inputs.check_playbooks(config_dir, self.playbooks)
        except inputs.InputError as e:
            return str(e)
        if not os.path.isfile(self._inventory(config_dir)):
            return 'Inventory %s does not exist' % self._inventory(config_dir)
        try:
            inputs.parse_extra_vars(self.extra_vars)
            inputs.check_limit(self._inventory(config_dir), self.limit_hosts)
        except inputs.InputError as e:
            return 'Not running %s: %s' % (self.playbook, e)
        blocking = [problem for playbook in self.playbooks
                    for problem in check.blocking_problems(config_dir,
                                                           playbook)]
        if blocking:
            return ('Not running %s: at prepare the Ansible runtime could '
                    'not load %s. Fix the templates, then run "openstack '
                    'overcloud ffwd-upgrade prepare" again' % (
                        self.playbook,
                        '; '.join(check.describe(p) for p in blocking)))
        return None

    def _stack_changed(self, context, config_dir):
        """Why not to run: the stack changed after prepare; else None."""
        record = locks.read(os.path.join(config_dir, paths.STACK_STATE))
        if not record:
            return None
        try:
            stack = clients.heat_client(context).stacks.get(
                self.stack, resolve_outputs=False)
        except Exception as e:
            # The run itself needs no Heat (run --no-workflow is for when
            # the undercloud is half broken): the check is skipped.
            LOG.warning('Could not check stack %s against the downloaded '
                        'config: %s', self.stack, e)
            return None
        return stacks.changed_since_prepare(record, stack, self.stack, 'run')

    def _inventory(self, config_dir):
        return self.inventory_file or os.path.join(config_dir,
                                                   paths.INVENTORY_FILE)

    @failures.reports_failure(
        lambda self, cause: 'Running %s on stack %s failed: %s. The run\'s '
        'record says how far Ansible went: "openstack overcloud ffwd-upgrade '
        'status %s".' % (self.playbook, self.stack, cause,
                         getattr(self, 'execution_id', '<execution id>')))
    def run(self, context):
        self.execution_id = context.execution.workflow_execution_id
        work_dir = contract.resolve_work_dir(self.work_dir)
        config_dir = paths.config_dir(work_dir, self.stack)
        problem = (self._check_inputs(config_dir) or
                   self._stack_changed(context, config_dir))
        if problem:
            return actions.Result(error=problem)
        execution_id = context.execution.workflow_execution_id or 'manual'
        try:
            ansible_playbook = runner.find_ansible_playbook()
        except runner.PlaybookError as e:
            return actions.Result(error=str(e))
        lock_path = locks.ansible_lock_path(work_dir, self.stack)
        with locks.guard(work_dir, self.stack):
            previous = locks.read(lock_path)
            if locks.still_running(previous):
                return actions.Result(error='Not running %s: %s' % (
                    self.playbook, lock.ansible_problem(previous,
                                                        self.stack)))
            try:
                resume = self._resume_plan(work_dir, config_dir)
            except (journal.RepeatRefused, ValueError) as e:
                return actions.Result(error='Not running %s: %s.' % (
                    self.playbook, e))
            run_dir = runs.create(work_dir, self.stack, execution_id)
            argv = runner.build_command(
                ansible_playbook, self.playbooks,
                self._inventory(config_dir), self.limit_hosts, self.tags,
                self.skip_tags,
                runner.write_extra_vars(run_dir, self.extra_vars,
                                        resume['extra_vars']),
                self.verbosity, self.node_user)
            events_file = runs.events_file(work_dir, self.stack,
                                           execution_id)
            started = runner.start_playbook(config_dir, argv, events_file,
                                            resume['journal_file'])
            record = dict(locks.process_identity(started['proc'].pid),
                          executor=locks.this_process(),
                          running=True, execution_id=execution_id,
                          stack=self.stack, playbook=self.playbook,
                          limit=self.limit_hosts,
                          command=runner.shown_command(argv),
                          ansible=runner.ansible_version(ansible_playbook),
                          events_file=events_file,
                          log_path=started.get('log_path'),
                          command_script=started.get('command_script'),
                          skipped=resume['skipped'],
                          journal_file=resume['journal_file'],
                          started_at=locks.now())
            try:
                self._record(work_dir, execution_id, lock_path, record)
            except Exception:
                # Never Ansible on the nodes without its supervisor.
                runner.stop_group(started['proc'].pid,
                                  reap=started['proc'].poll)
                raise
        result = runner.wait_playbook(started, float(self.timeout) * 60)
        self._describe(result)
        self._add_journal(result, resume)
        with locks.guard(work_dir, self.stack):
            # Kept after the end: the outcome survives a Mistral that
            # lost the action's result.
            self._record(work_dir, execution_id, lock_path, dict(
                record, running=False, ended_at=locks.now(),
                rc=result['rc'], status=result['status'],
                message=result['message'], recap=result['recap'],
                log_range=result.get('log_range')))
        if result['status'] != 'SUCCESS':
            # The one way an action reports failure: an error result.
            return actions.Result(error=result)
        return result

    def _resume_plan(self, work_dir, config_dir):
        """The journal this run writes and the pairs it skips.

        Runs given tags write no journal and skip nothing: a step they
        end may have run none of its tasks.
        """
        plan = {'journal_file': None, 'extra_vars': None, 'skipped': {},
                'repeats': {}}
        if self.tags or self.skip_tags:
            return plan
        plan['journal_file'] = journal.journal_file(work_dir, self.stack)
        journal.make_state_dir(work_dir, self.stack)
        if contract.DEFAULT_PLAYBOOK not in self.playbooks:
            return plan
        hosts = (inputs.hosts_matching(self._inventory(config_dir),
                                       self.limit_hosts)
                 if self.limit_hosts else None)
        skip, skipped, repeats = journal.plan(
            journal.read(plan['journal_file']), self.resume_from,
            self.restart, self.repeat_db_sync, hosts)
        if skip and not journal.config_can_skip(config_dir):
            raise journal.RepeatRefused(
                'the journal shows steps finished (%s), but the config in '
                '%s was downloaded by an earlier tripleo-ffu, whose '
                'playbooks cannot skip them: all would run again. Run '
                '"openstack overcloud ffwd-upgrade prepare" again (the '
                'journal stays), then run' % (
                    journal.describe(skipped) or 'from %s' % (
                        self.resume_from), config_dir))
        plan.update(extra_vars={journal.SKIP_VAR: skip} if skip else None,
                    skipped=skipped, repeats=repeats)
        return plan

    def _add_journal(self, result, resume):
        """What the run skipped and where each host is, in `result`."""
        result['skipped'] = resume['skipped']
        notes = []
        if resume['skipped']:
            notes.append('Skipped what the journal shows finished (%s).'
                         % journal.describe(resume['skipped']))
        if resume['repeats']:
            notes.append('Ran again, as asked (--repeat-db-sync): %s.'
                         % journal.describe(resume['repeats']))
        if resume['journal_file'] and (
                contract.DEFAULT_PLAYBOOK in self.playbooks):
            found = journal.read(resume['journal_file'])
            where = journal.summary(found)
            if where:
                notes.append('Journal (%s): %s.' % (
                    resume['journal_file'], '; '.join(
                        '%s %s' % line for line in where)))
            dumps = db_dumps.manifests(found)
            if dumps:
                notes.append('Database dumps (to go back to before a '
                             'release\'s DB sync: "openstack overcloud '
                             'ffwd-upgrade restore --release <release>"): '
                             '%s.' % db_dumps.describe(dumps))
        if notes:
            result['message'] = ' '.join([result['message']] + notes)

    def _record(self, work_dir, execution_id, lock_path, record):
        """The run's record: the stack's live one and the run's own."""
        locks.write(lock_path, record)
        runs.write_record(work_dir, self.stack, execution_id, record)

    def _describe(self, result):
        """Add the status and the operator's message to `result`."""
        if result['rc'] == 0 and not result['tasks_run'] and (
                self.tags or self.skip_tags):
            # Ansible's success when its tags selected nothing: the
            # operator asked for work that did not happen.
            result['status'] = 'FAILED'
            result['message'] = (
                'Playbook %s ran no task: %s selected none of its tasks '
                '(a task of a file the playbook includes with '
                'include_tasks runs only when that include is selected '
                'too). Nothing changed on the nodes. Run it again without '
                'them, or with tags that the tasks and their includes '
                'carry.' % (
                    self.playbook, ' '.join(
                        '%s %s' % (option, value) for option, value in (
                            ('--tags', self.tags),
                            ('--skip-tags', self.skip_tags)) if value)))
            return
        if result['rc'] == 0:
            result['status'] = 'SUCCESS'
            result['message'] = 'Playbook %s succeeded on %d host(s).' % (
                self.playbook, len(result['recap']))
            return
        result['status'] = 'FAILED'
        if result['timed_out']:
            where = events.during(result['last_task'])
            result['message'] = (
                'Playbook %s was stopped after %s minutes (timeout)%s: the '
                'nodes may be in the middle of that step, with services '
                'stopped. Check them, then run the step again with a '
                'longer --timeout. Log: %s' % (
                    self.playbook, self.timeout, where, result['log_path']))
            return
        failed = failed_hosts(result)
        if failed:
            # The other hosts went on (a controller a release ahead
            # refuses to go back): the step continues on the failed ones.
            again = ('for %s only: "%s" (the other hosts finished it; or '
                     'by hand: %s --limit %s)' % (
                         ', '.join(failed), self.rerun_command(failed),
                         result['command_script'], ':'.join(failed)))
        else:
            again = '("%s", or by hand: %s)' % (
                self.rerun_command(), result['command_script'])
        result['message'] = (
            'Playbook %s failed (rc %s): %s. Fix the cause, then run '
            'the step again %s' % (
                self.playbook, result['rc'],
                events.failure_sentence(result['failures'],
                                        result['log_path'],
                                        result['error_line'],
                                        result['tasks_run']),
                again))

    def rerun_command(self, hosts=None):
        """The CLI line that runs this step again (on `hosts` only)."""
        words = ['openstack overcloud ffwd-upgrade run']
        if self.stack != contract.DEFAULT_STACK:
            words.append('--stack %s' % self.stack)
        final_step = self.playbooks == list(contract.FINAL_STEP_PLAYBOOKS)
        if not final_step and self.playbook != contract.DEFAULT_PLAYBOOK:
            words.append('--playbook %s' % self.playbook)
        limit = ':'.join(hosts) if hosts else self.limit_hosts
        if limit:
            words.append('%s %s' % ('--nodes' if final_step else '--limit',
                                    limit.replace(':', ',')
                                    if final_step else limit))
        return ' '.join(words)
