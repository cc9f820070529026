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

import fixtures
from heatclient import exc as heat_exc

from tests.unit import base
from tests.unit import test_actions
from tripleo_ffu.actions import nodes
from tripleo_ffu import node_script


def resource(name, rtype, physical_id, holder='sid', status='CREATE_COMPLETE',
             stack='oc-Controller-x1-0-y1'):
    stack = 'http://h/v1/p/stacks/%s/%s' % (stack, holder)
    return base.Namespace(
        resource_name=name, resource_type=rtype,
        physical_resource_id=physical_id, resource_status=status,
        links=[{'rel': 'self', 'href': '%s/resources/%s' % (stack, name)},
               {'rel': 'stack', 'href': stack}])


class TestNodeScript(base.TestCase):

    def test_upstreams_prepare_script(self):
        self.assertEqual(
            '#!/bin/bash\nrm -f /usr/libexec/os-apply-config/templates/'
            'etc/os-net-config/config.json || true\n',
            node_script.PREPARE_SCRIPT)

    def test_servers_by_their_own_name_at_any_depth(self):
        heat = base.mock.Mock()
        heat.resources.list.return_value = [
            resource('deployed-server', 'OS::Heat::DeployedServer', 'd1',
                     holder='h1'),
            resource('NovaCompute', 'OS::Nova::Server', 'n1', holder='h2'),
            resource('NetworkDeployment', 'OS::Heat::StructuredDeployment',
                     'x'),
            resource('Unbuilt', 'OS::Nova::Server', None),
            resource('deployed-server-config', 'OS::Heat::SoftwareConfig',
                     'c1', holder='h3',
                     stack='oc-Compute-ab1-0-cd2-Compute-ef3-deployed-'
                           'server-gh4'),
            resource('NovaCompute', 'OS::Nova::Server', 'n2', holder='h4',
                     stack='unrelated'),
            # After a prepare: config-download-software.yaml's stand-in in
            # every deployment (named server_resource), no node.
            resource('TripleOServer', 'OS::Heat::DeployedServer', 't1',
                     holder='h5'),
            resource('TripleOServer', 'OS::Heat::DeployedServer', 't2',
                     holder='h6'),
        ]
        names = {'h1': 'oc-controller-0', 'h2': None, 'h4': None,
                 'h5': 'server_resource', 'h6': 'server_resource'}
        heat.resources.get.side_effect = lambda holder, name: (
            base.Namespace(attributes={'name': names[holder]}))
        # Newton's deployed server by its role and index; a server with no
        # name of its own and out of a node's stack, by its id.
        self.assertEqual({'oc-controller-0': 'd1', 'Controller-0': 'n1',
                          'Compute-0': 'c1', 'n2': 'n2'},
                         node_script.servers(heat, 'sid'))
        heat.resources.list.assert_called_once_with(
            'sid', nested_depth=node_script.SERVER_DEPTH)

    def test_template_deploys_the_script_on_each_server(self):
        template = node_script.deployment_template(
            {'a': 'id-a', 'b': 'id-b'}, '#!/bin/sh\ntrue\n', 'cfg')
        group = template['resources']['Deployments']['properties']
        self.assertEqual({'a': 'id-a', 'b': 'id-b'}, group['servers'])
        self.assertEqual(['CREATE'], group['actions'])
        config = template['resources']['Config']['properties']
        self.assertEqual(('script', '#!/bin/sh\ntrue\n'),
                         (config['group'], config['config']))
        self.assertEqual({'get_attr': ['Deployments', 'deploy_stderrs']},
                         template['outputs']['deploy_stderrs']['value'])

    def test_node_label(self):
        self.assertEqual('Controller-0', node_script.node_label(
            'oc-Controller-u5ch7sq6d3-0-ws7c7nbr6x4f'))
        self.assertEqual('ObjectStorage-12', node_script.node_label(
            'oc-ObjectStorage-u5ch7s-12-ws7c7n-ObjectStorage-x'))
        self.assertIsNone(node_script.node_label('oc-ControllerServers'))

    def test_failures_name_the_server_code_and_last_error(self):
        self.assertEqual(
            ['b (exit 1: rm: cannot remove: Read-only file system)',
             'c (exit 2)'],
            node_script.failures({
                'deploy_status_codes': {'a': 0, 'b': 1, 'c': 2},
                'deploy_stderrs': {'a': '', 'c': '\n',
                                   'b': 'x\nrm: cannot remove: Read-only '
                                        'file system\n'}}))
        self.assertEqual([], node_script.failures({}))


class TestRunOnServers(base.TestCase):

    def setUp(self):
        super(TestRunOnServers, self).setUp()
        self.heat = self.useFixture(test_actions.HeatFixture()).heat
        self.useFixture(fixtures.MockPatch('time.sleep'))
        self.servers = self.useFixture(fixtures.MockPatch(
            'tripleo_ffu.node_script.servers',
            return_value={'oc-controller-0': 'd1',
                          'oc-novacompute-0': 'd2'})).mock
        self.helper = {}

        def get(name, resolve_outputs=False):
            if name == 'oc':
                return base.Namespace(id='sid', stack_status='UPDATE_COMPLETE')
            if name not in self.helper:
                raise heat_exc.HTTPNotFound()
            return self.helper[name]
        self.heat.stacks.get.side_effect = get

        def create(stack_name, **kwargs):
            self.created = kwargs
            self.helper[stack_name] = self.outcome

        def delete(stack_id):
            self.helper.clear()
        self.heat.stacks.create.side_effect = create
        self.heat.stacks.delete.side_effect = delete

    def _run(self):
        return nodes.RunOnServersAction('oc').run(test_actions.context())

    def test_each_server_ran_it_then_the_helper_stack_is_deleted(self):
        self.outcome = base.Namespace(
            id='hid', stack_status='CREATE_COMPLETE', stack_status_reason='',
            outputs=[{'output_key': 'deploy_status_codes',
                      'output_value': {'oc-controller-0': 0,
                                       'oc-novacompute-0': 0}}])
        result = self._run()
        self.assertEqual(
            'Ran the ffwd-upgrade-prepare script on 2 server(s): '
            'oc-controller-0, oc-novacompute-0.', result['message'])
        self.assertEqual(nodes.DEFAULT_TIMEOUT_MIN,
                         self.created['timeout_mins'])
        self.assertEqual(node_script.PREPARE_SCRIPT, self.created[
            'template']['resources']['Config']['properties']['config'])
        self.assertEqual({}, self.helper)

    def test_a_failed_server_stops_prepare_before_the_update(self):
        self.outcome = base.Namespace(
            id='hid', stack_status='CREATE_FAILED',
            stack_status_reason='Resource CREATE failed: Error: '
                                'Deployment exited with non-zero status',
            outputs=[{'output_key': 'deploy_status_codes',
                      'output_value': {'oc-controller-0': 0,
                                       'oc-novacompute-0': 1}},
                     {'output_key': 'deploy_stderrs',
                      'output_value': {'oc-novacompute-0': 'denied\n'}}])
        self.heat.resources.list.return_value = [
            resource('oc-novacompute-0', 'OS::Heat::SoftwareDeployment',
                     'x', status='CREATE_FAILED')]
        error = self._run().error
        self.assertIn('The ffwd-upgrade-prepare script failed on '
                      'oc-novacompute-0 (exit 1: denied)', error)
        self.assertIn('Stack oc was not updated; fix those servers, then '
                      'run prepare again.', error)
        self.assertEqual({}, self.helper)

    def test_a_silent_server_is_named(self):
        self.outcome = base.Namespace(
            id='hid', stack_status='CREATE_FAILED',
            stack_status_reason='Timed out', outputs=[])
        self.heat.resources.list.return_value = [
            resource('oc-controller-0', 'OS::Heat::SoftwareDeployment', 'x',
                     status='CREATE_COMPLETE'),
            resource('oc-novacompute-0', 'OS::Heat::SoftwareDeployment', 'y',
                     status='CREATE_FAILED')]
        error = self._run().error
        self.assertIn('failed on oc-novacompute-0 (no answer within 10 min: '
                      'is its os-collect-config running?)', error)
        self.assertNotIn('oc-controller-0 (', error)

    def test_no_such_stack(self):
        action = nodes.RunOnServersAction('other')
        self.assertEqual('Stack other not found in Heat: check --stack (or '
                         'OVERCLOUD_STACK_NAME)',
                         action.run(test_actions.context()).error)

    def test_no_servers_nothing_to_run(self):
        self.servers.return_value = {}
        self.assertEqual('Stack oc has no servers: no ffwd-upgrade-prepare '
                         'script to run.', self._run()['message'])
        self.heat.stacks.create.assert_not_called()

    def test_a_helper_stack_left_by_a_crash_is_deleted_first(self):
        self.helper['oc-ffwd-upgrade-prepare'] = base.Namespace(
            id='old', stack_status='CREATE_IN_PROGRESS')
        self.outcome = base.Namespace(
            id='hid', stack_status='CREATE_COMPLETE', stack_status_reason='',
            outputs=[])
        self._run()
        first_delete = self.heat.stacks.delete.call_args_list[0]
        self.assertEqual(('old',), first_delete[0])
