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

Heat 27.0.1 never forgets finished engine threads, so unpatched it fails
every action with "Maximum number of threads reached" after ~1000 events
on a stack; each prepare/converge pair of the demo stack makes ~120. The
sandbox releases finished threads (tripleo_ffu.sandbox.heat_server).
"""

import time

from heatclient.common import template_utils

from tests.functional import base

CYCLES = 10


class TestHeatCycles(base.FunctionalTestCase):

    def _update(self, env_paths):
        heat = self.sandbox.heat_client()
        files, env = template_utils.process_multiple_environments_and_files(
            env_paths=env_paths)
        before = heat.stacks.get('overcloud').updated_time
        heat.stacks.update('overcloud', existing=True, environment=env,
                           files=files)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            stack = heat.stacks.get('overcloud')
            if (stack.updated_time != before and
                    not stack.stack_status.endswith('IN_PROGRESS')):
                return stack
            time.sleep(0.5)
        self.fail('update still %s after 180 s' % stack.stack_status)

    def test_many_prepare_converge_cycles(self):
        heat = self.sandbox.heat_client()
        events_before = len(heat.events.list('overcloud', nested_depth=5))
        for cycle in range(CYCLES):
            for envs in (base.PREPARE_ENVS, base.CONVERGE_ENVS):
                stack = self._update(envs)
                self.assertEqual('UPDATE_COMPLETE', stack.stack_status,
                                 'cycle %d: %s' % (
                                     cycle, stack.stack_status_reason))
        events = len(heat.events.list('overcloud', nested_depth=5))
        # Enough events went through the engine to have hit the limit.
        self.assertGreater(events - events_before, 1000)
