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

"""The Newton stack's deployment agent as a sandbox server (agent.py).

It tells each node container which Heat servers it is, for the node's
own os-collect-config (node/occ.py). Started by `up` when the sandbox has
a Newton stack, so that updates after the create (converge back to
signalled deployments, an operator's later stack update) find their
servers known to the nodes, as on a real overcloud.
"""

import os
import sys

from tripleo_ffu_sandbox import processes
from tripleo_ffu_sandbox import state


class DeploymentAgent(state.Component):

    name = 'agent'
    label = 'deployment agent'
    pids = ('agent',)

    def wanted(self):
        return bool(self.state.info.get('newton_stack'))

    def healthy(self):
        return self.state.alive('agent')

    def where(self):
        return 'tells the nodes their servers in stack %s' % (
            self.state.info.get('newton_stack'))

    def start(self):
        if self.state.alive('agent'):
            return
        info = self.state.info
        processes.start(
            [sys.executable, '-m', 'tripleo_ffu_sandbox.agent',
             '--state-dir', self.state.state_dir,
             '--stack', info['newton_stack'],
             '--computes', str(info.get('queens_computes', 1))],
            self.log(), self.state.pid_file('agent'))

    def forget_servers(self):
        """What it learned of another stack's servers."""
        from tripleo_ffu_sandbox import agent
        try:
            os.unlink(os.path.join(self.state.state_dir,
                                   agent.KNOWN_SERVERS))
        except FileNotFoundError:
            pass
