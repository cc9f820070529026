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

"""The go/no-go pre-flight, run on the Mistral executor (preflight.py)."""

import json
import logging
import os

from heatclient import exc as heat_exc
from mistral_lib import actions

from tripleo_ffu.actions import clients
from tripleo_ffu.actions import failures
from tripleo_ffu.actions import lock
from tripleo_ffu.actions import stack as stack_actions
from tripleo_ffu.ansible import check
from tripleo_ffu.ansible import inputs
from tripleo_ffu.ansible import runner
from tripleo_ffu import contract
from tripleo_ffu import files
from tripleo_ffu import journal
from tripleo_ffu import locks
from tripleo_ffu import paths
from tripleo_ffu import preflight
from tripleo_ffu import stacks
from tripleo_ffu import templates
from tripleo_ffu.workflows import registration

LOG = logging.getLogger(__name__)
RECORD_FILE = 'preflight.jsonl'
# What a step that its pre-flight stopped has not done.
NOTHING_DONE = {'prepare': 'Nothing was changed: stack %s was not updated. ',
                'run': 'Nothing was run on the nodes of stack %s. '}
NODE_TIMEOUT_S = 180


class PreflightAction(actions.Action):
    """Check that `step` (or the upgrade) can go; a table of rows.

    `skip`: record that the operator skipped it, and check nothing.
    """

    def __init__(self, stack, work_dir=None, step=None, skip=False,
                 heat_url=None, mistral_url=None,
                 node_timeout=NODE_TIMEOUT_S, templates=None,
                 roles_file=None, networks_file=None, plan_environment=None,
                 environments=None, environment=None, files=None,
                 allow_lost_mappings=False):
        super(PreflightAction, self).__init__()
        self.stack = stack
        # prepare's own inputs: its checks before the update, made here.
        self.templates = templates
        self.roles_file = roles_file
        self.networks_file = networks_file
        self.plan_environment = plan_environment
        self.environments = environments or []
        self.environment = environment or {}
        self.files = files or {}
        self.allow_lost_mappings = allow_lost_mappings
        self.work_dir = work_dir
        self.step = step
        self.skip = skip
        self.heat_url = heat_url
        self.mistral_url = mistral_url
        self.node_timeout = node_timeout

    @failures.reports_failure(
        lambda self, cause: 'The pre-flight of stack %s could not run: %s'
        % (self.stack, cause))
    def run(self, context):
        work_dir = contract.resolve_work_dir(self.work_dir)
        execution_id = context.execution.workflow_execution_id
        state_dir = journal.state_dir(work_dir, self.stack)
        if self.skip:
            self._record(work_dir, execution_id, [], skipped=True)
            return {'status': 'SUCCESS', 'checks': [], 'skipped': True,
                    'message': 'Pre-flight skipped, as asked; recorded in '
                               '%s.' % os.path.join(state_dir, RECORD_FILE)}
        rows = self._stack_rows(context, execution_id)
        if self.templates:
            rows += self._prepare_rows(context, work_dir)
        stat = os.statvfs(work_dir)
        rows.append(preflight.work_dir_row(work_dir,
                                           stat.f_bavail * stat.f_frsize))
        rows.append(self._registration_row(context))
        config_dir = paths.config_dir(work_dir, self.stack)
        inventory = os.path.join(config_dir, paths.INVENTORY_FILE)
        if self.step == 'prepare' or not os.path.isfile(inventory):
            rows.append(preflight.row(
                'Downloaded config', preflight.WARN if self.step != 'prepare'
                else preflight.PASS,
                'prepare downloads it, then the walk, runtime and node '
                'checks run' if self.step == 'prepare' else
                'none in %s yet: run prepare, then the pre-flight again for '
                'the walk, runtime and node checks' % config_dir))
        else:
            rows += self._config_rows(config_dir, inventory, work_dir,
                                      execution_id)
        self._record(work_dir, execution_id, rows)
        result = {'status': 'SUCCESS', 'checks': rows, 'skipped': False,
                  'verdict': preflight.verdict(rows)}
        if result['verdict'] == preflight.FAIL:
            result.update(status='FAILED', message='%s. %sFix them, then '
                          'run the step again (or check again with "openstack '
                          'overcloud ffwd-upgrade preflight --stack %s").' % (
                              preflight.failed_sentence(rows),
                              NOTHING_DONE[self.step] % self.stack
                              if self.step in NOTHING_DONE else '',
                              self.stack))
            return actions.Result(error=result)
        result['message'] = 'Pre-flight of stack %s: %s (%d checks).' % (
            self.stack, result['verdict'], len(rows))
        return result

    def _stack_rows(self, context, execution_id):
        try:
            heat = clients.heat_client(context, self.heat_url)
            stack = heat.stacks.get(self.stack, resolve_outputs=False)
        except heat_exc.HTTPNotFound:
            return preflight.stack_rows(self.stack, None, None, None)
        except Exception as e:
            # The run needs no Heat (run --no-workflow is for a half-broken
            # undercloud); prepare will fail on its own with the reason.
            return [preflight.row('Stack %s' % self.stack, preflight.WARN,
                                  'could not ask Heat: %s' % e)]
        stuck = (stacks.stuck_reason(heat, stack, self.stack)
                 if stack.stack_status.endswith('IN_PROGRESS') else None)
        ahead = None
        try:
            mistral = clients.mistral_client(context, self.mistral_url)
            found = lock.execution_ahead(mistral, self.stack, execution_id)
            if found is not None:
                ahead = '%s execution %s is %s (since %s)' % (
                    lock.step_of(found), found.id, found.state,
                    found.created_at)
        except Exception as e:
            # A run without Mistral (--no-workflow) has the lock file.
            return preflight.stack_rows(
                self.stack, stack.stack_status, stuck, None)[:1] + [
                preflight.row('Other ffwd-upgrade steps', preflight.WARN,
                              'could not ask Mistral: %s' % e)]
        return preflight.stack_rows(self.stack, stack.stack_status, stuck,
                                    ahead)

    def _prepare_rows(self, context, work_dir):
        """Prepare's checks of its templates and environments, made now.

        Rendered into the pre-flight's own directory: prepare's stays as
        the last prepare left it.
        """
        try:
            heat = clients.heat_client(context, self.heat_url)
            stack = heat.stacks.get(self.stack, resolve_outputs=False)
        except Exception:
            return []  # The stack row says why.
        rendered = os.path.join(journal.make_state_dir(work_dir, self.stack),
                                'preflight', templates.RENDERED_DIR)
        try:
            arguments, lost = stack_actions.templates_update(
                heat, stack, self.stack, rendered, self.templates,
                self.roles_file, self.networks_file, self.plan_environment,
                'prepare', self.environments, self.environment, self.files)
        except templates.TemplatesError as e:
            return preflight.prepare_rows(self.templates, error=str(e))
        defaults = arguments['environment'].get('parameter_defaults') or {}
        return preflight.prepare_rows(
            self.templates, lost=lost,
            allow_lost=self.allow_lost_mappings,
            lifecycle=templates.LIFECYCLE_ENVIRONMENTS['prepare'],
            releases=defaults.get('FastForwardUpgradeReleases'))

    def _registration_row(self, context):
        check_name = 'Workbook and actions in Mistral'
        try:
            mistral = clients.mistral_client(context, self.mistral_url)
            missing = registration.missing_actions(
                mistral, registration.project_actions())
            workbook = mistral.workbooks.get(contract.WORKBOOK_NAME)
        except Exception as e:
            return preflight.row(check_name, preflight.WARN,
                                 'could not ask Mistral: %s' % e)
        if missing:
            return preflight.row(check_name, preflight.FAIL,
                                 'missing actions: %s' % ', '.join(missing))
        current = (workbook.definition or '').strip() == (
            registration.workbook_definition().strip())
        return preflight.row(
            check_name, preflight.PASS if current else preflight.WARN,
            '%s and %d actions%s' % (
                contract.WORKBOOK_NAME, len(registration.project_actions()),
                '' if current else '; the workbook differs from the '
                'package\'s (the CLI registers it again)'))

    def _config_rows(self, config_dir, inventory, work_dir, execution_id):
        rows = [preflight.releases_row(preflight.playbook_releases(
            config_dir)), preflight.workaround_row(config_dir)]
        try:
            ansible_playbook = runner.find_ansible_playbook()
            version = runner.ansible_version(ansible_playbook)
        except runner.PlaybookError as e:
            ansible_playbook, version = str(e), None
        blocking = [check.describe(p) for p in check.blocking_problems(
            config_dir, contract.DEFAULT_PLAYBOOK)]
        rows += preflight.runtime_rows(version, ansible_playbook, blocking)
        if version:
            rows += self._node_rows(ansible_playbook, config_dir, inventory,
                                    work_dir, execution_id)
        return rows

    def _node_rows(self, ansible_playbook, config_dir, inventory, work_dir,
                   execution_id):
        """The nodes answer the node playbook over the inventory's SSH."""
        directory = os.path.join(
            journal.make_state_dir(work_dir, self.stack), 'preflight')
        found, error_line = runner.run_node_playbook(
            ansible_playbook, config_dir, preflight.node_playbook(),
            directory, 'node-checks-%s' % (execution_id or 'manual'),
            self.node_timeout)
        return preflight.node_rows(
            found, inputs.hosts_matching(inventory, 'overcloud'), error_line)

    def _record(self, work_dir, execution_id, rows, skipped=False):
        """Each pre-flight (or its skip) in the stack's state, a line.

        Best effort: a full work dir is one of the things it reports.
        """
        state_dir = journal.state_dir(work_dir, self.stack)
        try:
            journal.make_state_dir(work_dir, self.stack)
            with files.open_private(os.path.join(state_dir, RECORD_FILE),
                                    append=True) as f:
                f.write(json.dumps({'time': locks.now(), 'step': self.step,
                                    'execution_id': execution_id,
                                    'skipped': skipped, 'verdict': None if
                                    skipped else preflight.verdict(rows),
                                    'checks': rows}, sort_keys=True) + '\n')
        except EnvironmentError as e:
            LOG.warning('Could not record the pre-flight in %s: %s',
                        state_dir, e)
