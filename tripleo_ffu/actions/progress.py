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

"""A run's Ansible progress for clients that cannot read the work dir.

A UI, or an openstack CLI on another host, calls this read-only action
synchronously (an ad-hoc action execution with run_sync and without
save_result) with the byte offset it has read up to, and gets the events
after it, bounded, with the next offset: the same events the CLI on the
executor's host reads from the file.
"""

from mistral_lib import actions

from tripleo_ffu.actions import failures
from tripleo_ffu.ansible import events as events_mod
from tripleo_ffu import contract
from tripleo_ffu import runs

# Well under Mistral's limit on an action's result.
MAX_BYTES = 256 * 1024


class RunEventsAction(actions.Action):
    """{events, offset} of run `execution_id` after byte `offset`."""

    def __init__(self, stack, execution_id, offset=0, work_dir=None):
        super(RunEventsAction, self).__init__()
        self.stack = stack
        self.execution_id = execution_id
        self.offset = offset
        self.work_dir = work_dir

    @failures.reports_failure(
        lambda self, cause: 'Could not read the events of run %s of stack '
        '%s: %s' % (self.execution_id, self.stack, cause))
    def run(self, context):
        path = runs.events_file(contract.resolve_work_dir(self.work_dir),
                                self.stack, self.execution_id)
        events, offset = events_mod.read_new_events(path, int(self.offset),
                                                    MAX_BYTES)
        return {'events': events, 'offset': offset}
