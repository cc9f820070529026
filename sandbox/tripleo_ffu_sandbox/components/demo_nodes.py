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

"""The demo overcloud's nodes: directories, and a workload that answers.

Each demo node is a directory whose state node/node_tool.py keeps; the
demo templates' tasks call that tool with a local connection. The
workload (workload.py) answers on loopback from the compute's directory
throughout the upgrade. For the real tripleo-heat-templates stack, see
node_containers.py.
"""

import os
import shutil
import sys

from tripleo_ffu_sandbox.node import node_tool
from tripleo_ffu_sandbox import processes
from tripleo_ffu_sandbox import state

# The demo overcloud's nodes: role, packages, services, databases.
NODES = {
    'overcloud-controller-0': {
        'role': 'Controller',
        'packages': ['keystone', 'mariadb', 'rabbitmq-server', 'haproxy',
                     'keepalived', 'docker', 'openstack-tripleo-common'],
        'services': ['keystone', 'mariadb', 'rabbitmq-server', 'haproxy',
                     'keepalived', 'docker'],
        'databases': ['keystone'],
    },
    'overcloud-novacompute-0': {
        'role': 'Compute',
        'packages': ['nova', 'docker', 'openstack-tripleo-common'],
        'services': ['nova', 'docker'],
        'databases': [],
    },
}
WORKLOAD_NODE = 'overcloud-novacompute-0'


class DemoNode(object):
    """One demo node: its name, its spec and the state it reports."""

    def __init__(self, nodes_dir, hostname):
        self.hostname = hostname
        self.spec = NODES[hostname]
        self.root = os.path.join(nodes_dir, hostname)

    def init(self, fresh=False):
        if fresh:
            shutil.rmtree(self.root, ignore_errors=True)
        node = node_tool.Node(self.root)
        if not os.path.exists(node.state_file):
            node.init(self.spec['packages'], self.spec['services'],
                      self.spec['databases'])

    def report(self):
        return node_tool.Node(self.root).show()


class DemoNodes(state.Component):
    """The demo nodes and their workload (what status shows of them)."""

    name = 'workload'
    label = 'demo workload'
    pids = ('workload',)

    def nodes(self):
        return [DemoNode(self.state.nodes_dir, hostname)
                for hostname in sorted(NODES)]

    def where(self):
        return self.state.workload_url

    def healthy(self):
        return processes.http_ok(self.state.workload_url)

    def start(self):
        for node in self.nodes():
            node.init()
        if not self.state.alive('workload'):
            self._start_workload()

    def reset(self):
        """Put the nodes back at Newton (packages, repos, databases)."""
        for node in self.nodes():
            node.init(fresh=True)
        self.state.out('Demo nodes reset to newton in %s'
                       % self.state.nodes_dir)

    def _start_workload(self):
        port = self.state.info['workload_port']
        self.state.check_port('the demo workload', port)
        proc = processes.start(
            [sys.executable, '-m', 'tripleo_ffu_sandbox.workload',
             '--port', str(port),
             '--root', os.path.join(self.state.nodes_dir, WORKLOAD_NODE)],
            self.log(), self.state.pid_file('workload'))
        processes.wait_until(self.healthy, 30, 'the demo workload',
                             self.log(), proc)
