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

"""The Newton stack's deployment agents, on a fake Heat.

agent.py tells each node its servers (get-occ-config.sh's part); occ.py,
in each node, applies and signals their deployments (os-collect-config's
and heat-config-notify's). The real thing (a Newton create on the
sandbox's Heat and node containers) is functional.
"""

import json
import os
import types

import fixtures

from tests.unit import base
from tripleo_ffu_sandbox import agent
from tripleo_ffu_sandbox.node import occ

NODES = {('Controller', 0): {'hostname': 'n-controller-0',
                             'address': '127.0.10.11'},
         ('Compute', 0): {'hostname': 'n-novacompute-0',
                          'address': '127.0.10.21'}}
HOSTS_ENTRY = {'name': 'n-Controller-abc123-0-def456-Controller-x-'
                       'HostsEntryConfig-y', 'group': 'script'}


class FakeHeat(object):

    def __init__(self, deployments, configs):
        self.deployments = deployments
        self.configs = configs
        self.software_deployments = types.SimpleNamespace(
            list=lambda: self.deployments)
        self.software_configs = types.SimpleNamespace(
            get=lambda cid: types.SimpleNamespace(
                to_dict=lambda: self.configs[cid]))


def deployment(did, config_id, server='s1', status='IN_PROGRESS'):
    return types.SimpleNamespace(id=did, config_id=config_id,
                                 server_id=server, status=status)


class TestAgent(base.TestCase):

    def setUp(self):
        super(TestAgent, self).setUp()
        self.told = []

    def agent(self, heat, stack=None):
        return agent.Agent(heat, NODES,
                           lambda node, servers: self.told.append(
                               (node['hostname'], servers)), stack)

    def test_a_node_is_told_its_servers_when_they_change(self):
        heat = FakeHeat([deployment('d1', 'c1'),
                         deployment('d2', 'c9', server='s7',
                                    status='COMPLETE')],
                        {'c1': HOSTS_ENTRY})
        teller = self.agent(heat)
        self.assertTrue(teller.learn())
        self.assertEqual(['n-controller-0'], teller.tell_nodes())
        self.assertEqual([('n-controller-0', {'s1': 'Controller-0'})],
                         self.told)
        # Nothing new: nobody is told again, unless forced (a reset node).
        self.assertFalse(teller.learn())
        self.assertEqual([], teller.tell_nodes())
        self.assertEqual(['n-controller-0'], teller.tell_nodes(force=True))

    def test_queens_deployment_by_its_stack(self):
        """Queens' HostsEntryDeployment names its node stack in an input."""
        queens = {'name': 'HostsEntryDeployment', 'group': 'script',
                  'inputs': [{'name': 'deploy_stack_id',
                              'value': 'n-Compute-abc-0-def/1234'}]}
        heat = FakeHeat([deployment('d1', 'c1', server='s2')],
                        {'c1': queens})
        teller = self.agent(heat)
        teller.learn()
        self.assertEqual({'s2': ('Compute', 0)}, teller.servers)

    def test_a_server_first_seen_is_looked_up_in_the_stack(self):
        """The prepare script's deployment names no node: by server."""
        servers = self.useFixture(fixtures.MockPatch(
            'tripleo_ffu.node_script.servers',
            return_value={'Controller-0': 's9', 'Other-3': 's10'})).mock
        script = {'name': 'ffwd-upgrade-prepare', 'group': 'script',
                  'inputs': [{'name': 'deploy_stack_id',
                              'value': 'n-ffwd-upgrade-prepare-x/1'}]}
        heat = FakeHeat([deployment('d1', 'c1', server='s9'),
                         deployment('d2', 'c1', server='s10')],
                        {'c1': script})
        teller = self.agent(heat, 'n')
        teller.learn()
        servers.assert_called_once_with(heat, 'n')
        self.assertEqual({'s9': ('Controller', 0)}, teller.servers)

    def test_unknown_server_waits(self):
        other = dict(HOSTS_ENTRY, name='x-Compute-abc-7-y-HostsEntryConfig')
        teller = self.agent(FakeHeat([deployment('d1', 'c1')],
                                     {'c1': other}))
        self.assertFalse(teller.learn())
        self.assertEqual([], teller.tell_nodes())


class FakeNodeHeat(object):
    """What occ.py calls of Heat's REST API."""

    def __init__(self, deployments, configs):
        self.deployments = deployments
        self.configs = configs
        self.signals = []

    def waiting(self, server_id):
        return [d for d in self.deployments
                if d['server_id'] == server_id and
                d['status'] == 'IN_PROGRESS']

    def config(self, config_id):
        return self.configs[config_id]

    def signal(self, deployment_id, result):
        self.signals.append((deployment_id, result))
        for d in self.deployments:
            if d['id'] == deployment_id:
                d['status'] = 'COMPLETE'


class TestNodeAgent(base.TestCase):

    def setUp(self):
        super(TestNodeAgent, self).setUp()
        root = self.useFixture(fixtures.TempDir()).path
        for name in ('DEPLOYED', 'SHELL_CONFIG_DIR'):
            self.useFixture(fixtures.MonkeyPatch(
                'tripleo_ffu_sandbox.node.occ.%s' % name,
                os.path.join(root, name.lower())))
        os.makedirs(occ.DEPLOYED)
        # heat-config: writes the result of each deployment it is given.
        self.hook = os.path.join(root, 'heat-config')
        with open(self.hook, 'w') as f:
            f.write('#!/bin/sh\ncat "$HEAT_SHELL_CONFIG" >> %s/applied\n'
                    'id=$(python3 -c "import json,sys; print(json.load('
                    'open(sys.argv[1]))[0][\'id\'])" "$HEAT_SHELL_CONFIG")\n'
                    'echo \'{"deploy_status_code": 0, "hostname": "h"}\' '
                    '> %s/$id.notify.json\n' % (root, occ.DEPLOYED))
        os.chmod(self.hook, 0o755)
        self.useFixture(fixtures.MonkeyPatch(
            'tripleo_ffu_sandbox.node.occ.HEAT_CONFIG_HOOK', self.hook))
        self.applied = os.path.join(root, 'applied')

    def test_each_waiting_deployment_applied_and_signalled(self):
        heat = FakeNodeHeat(
            [{'id': 'd1', 'config_id': 'c1', 'server_id': 's1',
              'status': 'IN_PROGRESS', 'action': 'CREATE'},
             {'id': 'd2', 'config_id': 'c2', 'server_id': 's2',
              'status': 'IN_PROGRESS', 'action': 'CREATE'},
             {'id': 'd3', 'config_id': 'c3', 'server_id': 's1',
              'status': 'COMPLETE', 'action': 'CREATE'}],
            {'c1': {'id': 'c1', 'group': 'script', 'config': 'x',
                    'creation_time': 'ignored'}})
        self.assertEqual(1, occ.run_once(heat, {'s1': 'Controller-0'}))
        self.assertEqual([('d1', {'deploy_status_code': 0,
                                  'hostname': 'h'})], heat.signals)
        with open(self.applied) as f:
            self.assertEqual([{'id': 'c1', 'group': 'script', 'name': None,
                               'config': 'x', 'inputs': None,
                               'outputs': None, 'options': None}],
                             json.loads(f.read()))
        self.assertEqual(0, occ.run_once(heat, {'s1': 'Controller-0'}))

    def test_applied_before_its_signal_is_only_signalled(self):
        with open(occ.notify_path('c1'), 'w') as f:
            json.dump({'deploy_status_code': 2}, f)
        heat = FakeNodeHeat([{'id': 'd1', 'config_id': 'c1',
                              'server_id': 's1', 'status': 'IN_PROGRESS'}],
                            {})
        self.assertEqual(1, occ.run_once(heat, {'s1': 'Controller-0'}))
        self.assertEqual([('d1', {'deploy_status_code': 2})], heat.signals)
        self.assertFalse(os.path.exists(self.applied))

    def test_no_result_from_heat_config_is_a_failure(self):
        with open(self.hook, 'w') as f:
            f.write('#!/bin/sh\nexit 0\n')
        heat = FakeNodeHeat([{'id': 'd1', 'config_id': 'c1',
                              'server_id': 's1', 'status': 'IN_PROGRESS'}],
                            {'c1': {'id': 'c1', 'group': 'script'}})
        occ.run_once(heat, {'s1': 'Controller-0'})
        result = heat.signals[0][1]
        self.assertEqual(1, result['deploy_status_code'])
        self.assertIn('heat-config left no result for config c1',
                      result['deploy_stderr'])
