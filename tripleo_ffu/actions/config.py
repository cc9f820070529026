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

"""Config download: stack outputs -> <work_dir>/<stack>/."""

import json
import os

from heatclient import exc as heat_exc
from mistral_lib import actions

from tripleo_ffu.actions import clients
from tripleo_ffu.actions import failures
from tripleo_ffu.ansible import check
from tripleo_ffu.ansible import runner
from tripleo_ffu.config import deployments
from tripleo_ffu.config import download
from tripleo_ffu.config import errors
from tripleo_ffu.config import overcloudrc
from tripleo_ffu import files
from tripleo_ffu import journal
from tripleo_ffu import contract
from tripleo_ffu import db_dumps
from tripleo_ffu import paths
from tripleo_ffu import stacks

MAX_REPORTED_TASKS = 50


class DownloadConfigAction(actions.Action):
    """Write playbooks, per-role tasks and the inventory of a stack."""

    def __init__(self, stack, work_dir=None,
                 node_user=contract.DEFAULT_SSH_USER, heat_url=None):
        super(DownloadConfigAction, self).__init__()
        self.stack = stack
        self.work_dir = work_dir
        self.node_user = node_user
        self.heat_url = heat_url

    @failures.reports_failure(
        lambda self, cause: 'Config download for stack %s failed: %s'
        % (self.stack, cause))
    def run(self, context):
        heat = clients.heat_client(context, self.heat_url)
        try:
            stack = heat.stacks.get(self.stack, resolve_outputs=True)
        except heat_exc.HTTPNotFound:
            return actions.Result(error='Stack %s not found in Heat'
                                  % self.stack)
        outputs = download.outputs_by_key(getattr(stack, 'outputs', []))
        try:
            rendered, report = download.render_config(
                outputs, self.node_user, self.stack,
                deployments.gather(heat, self.stack),
                clients.undercloud_identity(context))
            rendered[paths.STACK_STATE] = json.dumps(
                stacks.state_record(stack), sort_keys=True)
            rc_text = overcloudrc.render(
                self.stack, outputs, heat.stacks.environment(stack.id))
            if rc_text:
                rendered[overcloudrc.FILE] = rc_text
            # Resolved here, in the executor: Mistral's engine builds the
            # action with the engine's environment.
            config_dir, previous = download.write_config(
                rendered, contract.resolve_work_dir(self.work_dir),
                self.stack)
            ansible_playbook = runner.find_ansible_playbook()
            problems = check.check_config(
                ansible_playbook, config_dir,
                os.path.join(config_dir, paths.INVENTORY_FILE))
            with files.open_private(
                    os.path.join(config_dir, paths.CHECK_REPORT)) as f:
                f.write(download.to_yaml(problems))
        except (errors.ConfigError, runner.PlaybookError, OSError) as e:
            return actions.Result(
                error='Config download for stack %s failed: %s'
                      % (self.stack, e))
        runtime = '%s (%s)' % (
            runner.ansible_version(ansible_playbook) or
            'ansible, version unknown', ansible_playbook)
        result = self._result(config_dir, previous, report, problems,
                              len(rendered), runtime)
        result['overcloudrc'] = (os.path.join(config_dir, overcloudrc.FILE)
                                 if rc_text else None)
        return result

    def _result(self, config_dir, previous, report, problems, file_count,
                runtime):
        fixed = report['fixed_step_order']
        converted = report['converted']
        message = ('Config of stack %s downloaded to %s and checked with %s.'
                   % (self.stack, config_dir, runtime))
        if report['deployments']:
            message += (' Wrote %d software deployment(s) for the deploy '
                        'steps.' % report['deployments'])
        if report['deployments_skipped']:
            message += (' Skipped %d deployment(s) of servers the stack '
                        'outputs do not list; see %s.' % (
                            len(report['deployments_skipped']),
                            paths.HYGIENE_REPORT))
        if fixed:
            message += (' Moved the step condition first in %d task(s); '
                        'see %s.' % (len(fixed), paths.HYGIENE_REPORT))
        if converted:
            message += (' Converted %d playbook expression(s) for the '
                        'Ansible runtime; see %s.' % (len(converted),
                                                      paths.HYGIENE_REPORT))
        if report['resume_points']:
            message += (' %d step loop(s) of the walk skip the (release, '
                        'step) pairs given in %s, so that a re-run resumes '
                        '(see %s).' % (len(report['resume_points']),
                                       journal.SKIP_VAR,
                                       paths.HYGIENE_REPORT))
        if report.get('db_dumps'):
            message += (' The bootstrap nodes dump their databases at the '
                        'DB sync step of each release, before it (kept in '
                        '%s on the node; "ffwd-upgrade restore --release '
                        '<release>" loads them back).' % db_dumps.DUMP_DIR)
        if problems:
            message += (' The Ansible runtime cannot load %d file(s): "run" '
                        'refuses a playbook while a task file or itself is '
                        'among them (fix the templates, then prepare '
                        'again); see %s.' % (len(problems),
                                             paths.CHECK_REPORT))
        return {'status': 'SUCCESS', 'message': message,
                'config_dir': config_dir,
                'previous_config_dir': previous,
                'inventory_file': '%s/%s' % (config_dir,
                                             paths.INVENTORY_FILE),
                'fixed_step_order': fixed[:MAX_REPORTED_TASKS],
                'no_step_condition': (
                    report['no_step_condition'][:MAX_REPORTED_TASKS]),
                'converted': converted,
                'resume_points': report['resume_points'],
                'db_dumps': report.get('db_dumps', []),
                'ansible_check': problems[:MAX_REPORTED_TASKS],
                'ansible': runtime,
                'deployments': report['deployments'],
                'file_count': file_count}
