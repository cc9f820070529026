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

"""The os-collect-config stand-in of the Newton stack, on a fake Heat.

The real thing (a Newton create on the sandbox's Heat) is functional.
"""

import json
import os
import types

import fixtures

from tests.unit import base
from tripleo_ffu_sandbox import agent

NODES = {('Controller', 0): {'hostname': 'n-controller-0',
                             'address': '127.0.10.11'}}
HOSTS_ENTRY = {'name': 'n-Controller-abc123-0-def456-Controller-x-'
                       'HostsEntryConfig-y', 'group': 'script',
               'outputs': [{'name': 'hosts_entry'},
                           {'name': 'ip_address'}, {'name': 'hostname'}]}
STEP = {'name': 'ControllerDeployment_Step1', 'group': 'puppet'}


class FakeHeat(object):

    def __init__(self, deployments, configs):
        self.deployments = deployments
        self.configs = configs
        self.signalled = []
        self.software_deployments = types.SimpleNamespace(
            list=lambda: self.deployments, update=self._update)
        self.software_configs = types.SimpleNamespace(
            get=lambda cid: types.SimpleNamespace(
                to_dict=lambda: self.configs[cid]))

    def _update(self, deployment_id, **kwargs):
        self.signalled.append((deployment_id, kwargs))
        for d in self.deployments:
            if d.id == deployment_id:
                d.status = kwargs['status']


def deployment(did, config_id, server='s1', status='IN_PROGRESS'):
    return types.SimpleNamespace(id=did, config_id=config_id,
                                 server_id=server, status=status)


class TestAgent(base.TestCase):

    def setUp(self):
        super(TestAgent, self).setUp()
        self.records = self.useFixture(fixtures.TempDir()).path

    def test_hosts_entry_gets_the_nodes_name_and_address(self):
        heat = FakeHeat([deployment('d1', 'c1'), deployment('d2', 'c2'),
                         deployment('d3', 'c2', status='COMPLETE')],
                        {'c1': HOSTS_ENTRY, 'c2': STEP})
        self.assertEqual(2, agent.Agent(heat, NODES, self.records)
                         .run_once())
        values = dict(heat.signalled)['d1']['output_values']
        self.assertEqual({'hostname': 'n-controller-0',
                          'ip_address': '127.0.10.11',
                          'hosts_entry': '127.0.10.11 n-controller-0',
                          'deploy_stdout': '', 'deploy_stderr': '',
                          'deploy_status_code': 0}, values)
        self.assertEqual('COMPLETE', dict(heat.signalled)['d2']['status'])
        # Recorded for its node, as the hooks would have run it.
        with open(os.path.join(self.records, 'n-controller-0',
                               'c2.json')) as f:
            self.assertEqual('puppet', json.load(f)['group'])

    def test_queens_hosts_entry_by_its_stack(self):
        """Queens' HostsEntryDeployment: named so, the hostname alone."""
        queens = {'name': 'HostsEntryDeployment', 'group': 'script',
                  'outputs': [{'name': 'hostname'}],
                  'inputs': [{'name': 'deploy_stack_id',
                              'value': 'n-Controller-abc-0-def/1234'}]}
        heat = FakeHeat([deployment('d1', 'c1')], {'c1': queens})
        self.assertEqual(1, agent.Agent(heat, NODES, self.records)
                         .run_once())
        values = dict(heat.signalled)['d1']['output_values']
        self.assertEqual('n-controller-0', values['hostname'])
        self.assertNotIn('ip_address', values)

    def test_a_server_first_seen_is_looked_up_in_the_stack(self):
        """After a restart: the prepare script's deployment, by server."""
        servers = self.useFixture(fixtures.MockPatch(
            'tripleo_ffu.node_script.servers',
            return_value={'Controller-0': 's9'})).mock
        script = {'name': 'ffwd-upgrade-prepare', 'group': 'script',
                  'inputs': [{'name': 'deploy_stack_id',
                              'value': 'n-ffwd-upgrade-prepare-x/1'}]}
        heat = FakeHeat([deployment('d1', 'c1', server='s9')],
                        {'c1': script})
        self.assertEqual(1, agent.Agent(heat, NODES, self.records, 'n')
                         .run_once())
        servers.assert_called_once_with(heat, 'n')
        self.assertTrue(os.path.exists(os.path.join(
            self.records, 'n-controller-0', 'c1.json')))

    def test_unknown_server_config_waits(self):
        other = dict(HOSTS_ENTRY, name='x-Compute-abc-7-y-HostsEntryConfig')
        heat = FakeHeat([deployment('d1', 'c1')], {'c1': other})
        self.assertEqual(0, agent.Agent(heat, NODES, self.records)
                         .run_once())
        self.assertEqual([], heat.signalled)
