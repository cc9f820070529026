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

"""The sandbox's Heat survives many updates of one stack.

Heat 27.0.1 starts a thread for every event it dispatches and never removes
finished threads from the stack's thread group, so past 1000 events on one
(nested) stack every action fails with "Maximum number of threads
reached". The sandbox releases finished threads
(tripleo_ffu_sandbox.heat_server); these tests go past that mark.
"""

import os
import time

from heatclient.common import template_utils

from tests.functional import base

# Each member's update makes two events on the group's nested stack, and
# an update costs ~M^2 (the engine loads the whole stack for each member),
# so many small updates reach the mark fastest.
MEMBERS = 20
UPDATES = 26
THREAD_LIMIT = 1000
LEAK_TEMPLATE = '''
heat_template_version: 2016-10-14
parameters:
  round:
    type: string
    default: '0'
resources:
  group:
    type: OS::Heat::ResourceGroup
    properties:
      count: %d
      resource_def:
        type: OS::Heat::Value
        properties:
          value: {get_param: round}
''' % MEMBERS


class TestHeatCycles(base.FunctionalTestCase):

    def _wait(self, heat, name, before, timeout=300):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stack = heat.stacks.get(name)
            if (stack.updated_time != before and
                    not stack.stack_status.endswith('IN_PROGRESS')):
                return stack
            time.sleep(0.5)
        self.fail('%s still %s after %d s' % (name, stack.stack_status,
                                              timeout))

    def test_past_the_thread_limit_of_one_stack(self):
        self.assertGreater(MEMBERS * 2 * UPDATES, THREAD_LIMIT)
        heat = self.sandbox.heat_client()
        name = 'thread-leak-check-%d' % os.getpid()
        heat.stacks.create(stack_name=name, template=LEAK_TEMPLATE)
        self.addCleanup(heat.stacks.delete, name)
        stack = self._wait(heat, name, 'never')
        self.assertEqual('CREATE_COMPLETE', stack.stack_status,
                         stack.stack_status_reason)
        for update in range(1, UPDATES + 1):
            before = heat.stacks.get(name).updated_time
            heat.stacks.update(name, existing=True,
                               parameters={'round': str(update)})
            stack = self._wait(heat, name, before)
            self.assertEqual('UPDATE_COMPLETE', stack.stack_status,
                             'update %d: %s' % (update,
                                                stack.stack_status_reason))

    def test_prepare_converge_cycles_of_the_demo_stack(self):
        heat = self.sandbox.heat_client()
        for cycle in range(3):
            for envs in (base.PREPARE_ENVS, base.CONVERGE_ENVS):
                files, env = (
                    template_utils.process_multiple_environments_and_files(
                        env_paths=envs))
                before = heat.stacks.get('overcloud').updated_time
                heat.stacks.update('overcloud', existing=True,
                                   environment=env, files=files)
                stack = self._wait(heat, 'overcloud', before)
                self.assertEqual('UPDATE_COMPLETE', stack.stack_status,
                                 'cycle %d: %s' % (
                                     cycle, stack.stack_status_reason))
