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

from heatclient import exc as heat_exc
from mistral_lib import actions

from tripleo_ffu.actions import clients
from tripleo_ffu.config import download
from tripleo_ffu.config import errors
from tripleo_ffu import paths

MAX_REPORTED_TASKS = 50


class DownloadConfigAction(actions.Action):
    """Write playbooks, per-role tasks and the inventory of a stack."""

    def __init__(self, stack, work_dir=paths.DEFAULT_WORK_DIR,
                 node_user='heat-admin', heat_url=None):
        super().__init__()
        self.stack = stack
        self.work_dir = work_dir
        self.node_user = node_user
        self.heat_url = heat_url

    def run(self, context):
        heat = clients.heat_client(context, self.heat_url)
        try:
            stack = heat.stacks.get(self.stack, resolve_outputs=True)
        except heat_exc.HTTPNotFound:
            return actions.Result(error='Stack %s not found in Heat'
                                  % self.stack)
        outputs = download.outputs_by_key(getattr(stack, 'outputs', []))
        try:
            files, report = download.render_config(outputs, self.node_user)
            config_dir, previous = download.write_config(
                files, self.work_dir, self.stack)
        except (errors.ConfigError, OSError) as e:
            return actions.Result(
                error='Config download for stack %s failed: %s'
                      % (self.stack, e))
        fixed = report['fixed_step_order']
        message = 'Config of stack %s downloaded to %s.' % (self.stack,
                                                            config_dir)
        if fixed:
            message += (' Moved the step condition first in %d task(s); '
                        'see %s.' % (len(fixed), paths.HYGIENE_REPORT))
        return {'status': 'SUCCESS', 'message': message,
                'config_dir': config_dir,
                'previous_config_dir': previous,
                'inventory_file': '%s/%s' % (config_dir,
                                             paths.INVENTORY_FILE),
                'fixed_step_order': fixed[:MAX_REPORTED_TASKS],
                'no_step_condition': (
                    report['no_step_condition'][:MAX_REPORTED_TASKS]),
                'file_count': len(files)}
