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

import json
import errno
import os
import re
import subprocess

import fixtures
from heatclient import exc as heat_exc
from mistral_lib import actions as mistral_actions
import yaml

from tests.unit import base
from tripleo_ffu.actions import ansible as ansible_action
from tripleo_ffu.actions import clients
from tripleo_ffu.actions import config as config_action
from tripleo_ffu.actions import failures
from tripleo_ffu.actions import lock as lock_action
from tripleo_ffu.actions import notify
from tripleo_ffu.actions import stack as stack_action
from tripleo_ffu.ansible import runner
from tripleo_ffu import journal
from tripleo_ffu import locks
from tripleo_ffu import contract
from tripleo_ffu import paths
from tripleo_ffu import runs
from tripleo_ffu import stacks


def context(token=None, catalog=None, execution_id='exec-1',
            workflow_name='tripleo.ffwd_upgrade.v1.run'):
    return base.Namespace(
        security=base.Namespace(auth_token=token,
                                service_catalog=catalog,
                                region_name=None),
        execution=base.Namespace(workflow_execution_id=execution_id,
                                 workflow_name=workflow_name))


def fake_stack(status='CREATE_COMPLETE', updated=None, reason='',
               outputs=None):
    return base.Namespace(id='sid', stack_status=status,
                          updated_time=updated,
                          stack_status_reason=reason,
                          outputs=outputs or [])


class HeatFixture(fixtures.Fixture):
    def _setUp(self):
        self.heat = base.mock.Mock()
        self.heat.resources.list.return_value = []
        self.heat.stacks.environment.return_value = {}
        self.useFixture(fixtures.MockPatch(
            'tripleo_ffu.actions.clients.heat_client',
            return_value=self.heat))


CATALOG = [
    {'type': 'identity', 'endpoints': [
        {'interface': 'public', 'url': 'http://k:5000'}]},
    {'type': 'orchestration', 'endpoints': [
        {'interface': 'public', 'region': 'r1', 'url': 'http://pub/v1/p'},
        {'interface': 'internal', 'region': 'r1', 'url': 'http://int/v1/p'}]},
]


class TestClients(base.TestCase):

    def test_catalog_prefers_internal(self):
        self.assertEqual('http://int/v1/p', clients.endpoint_from_catalog(
            CATALOG, 'orchestration'))
        self.assertEqual('http://pub/v1/p', clients.endpoint_from_catalog(
            CATALOG, 'orchestration', interface='admin'))
        self.assertIsNone(clients.endpoint_from_catalog(
            CATALOG, 'orchestration', region='r2'))
        self.assertIsNone(clients.endpoint_from_catalog(CATALOG, 'messaging'))

    def test_catalog_as_json_and_v2(self):
        v2 = '{"serviceCatalog": [{"type": "orchestration", "endpoints": ' \
             '[{"publicURL": "http://v2/p"}]}]}'
        self.assertEqual('http://v2/p', clients.endpoint_from_catalog(
            v2, 'orchestration'))

    def test_explicit_url_then_env_then_keystone(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'TRIPLEO_FFU_ORCHESTRATION_URL', None))
        self.assertEqual(('http://x', clients.NOAUTH_TOKEN),
                         clients.service_endpoint(context(), 'orchestration',
                                                  'http://x'))
        self.assertEqual(('http://int/v1/p', 'tok'),
                         clients.service_endpoint(
                             context('tok', CATALOG), 'orchestration'))
        self.useFixture(fixtures.EnvironmentVariable(
            'TRIPLEO_FFU_ORCHESTRATION_URL', 'http://env'))
        self.assertEqual('http://env', clients.service_endpoint(
            context('tok', CATALOG), 'orchestration')[0])

    def test_no_way_to_reach_is_clear_and_tokenless(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'TRIPLEO_FFU_MESSAGING_URL', None))
        e = self.assertRaises(clients.ClientError, clients.service_endpoint,
                              context(), 'messaging')
        self.assertIn('TRIPLEO_FFU_MESSAGING_URL', str(e))
        e = self.assertRaises(clients.ClientError, clients.service_endpoint,
                              context('secret-token', CATALOG), 'messaging')
        self.assertNotIn('secret-token', str(e))

    def test_undercloud_identity_is_the_callers_without_token(self):
        ctx = context('secret-token', CATALOG)
        ctx.security.auth_uri = 'http://keystone:5000/v3'
        ctx.security.user_name = 'admin'
        ctx.security.project_name = 'admin'
        ctx.security.auth_cacert = None
        self.assertEqual({'auth_url': 'http://keystone:5000/v3',
                          'username': 'admin', 'project_name': 'admin'},
                         clients.undercloud_identity(ctx))
        # No Keystone (no token): nothing to say.
        self.assertEqual({}, clients.undercloud_identity(context()))


class TestUpdateStack(base.TestCase):

    def setUp(self):
        super(TestUpdateStack, self).setUp()
        self.heat = self.useFixture(HeatFixture()).heat

    def test_patch_update(self):
        self.heat.stacks.get.return_value = fake_stack(updated='t0')
        result = stack_action.UpdateStackAction(
            'overcloud', {'parameter_defaults': {'A': 1}}, {'f': 'x'},
            {'P': 2}, 120).run(context())
        self.assertEqual({'stack_id': 'sid', 'previous_status':
                          'CREATE_COMPLETE', 'previous_updated_time': 't0'},
                         result)
        # As every upstream deploy: StackAction UPDATE, a new
        # DeployIdentifier, the caller's parameter_defaults kept.
        env = self.heat.stacks.update.call_args[1]['environment']
        self.assertEqual(1, env['parameter_defaults']['A'])
        self.assertEqual('UPDATE', env['parameter_defaults']['StackAction'])
        self.assertIsInstance(env['parameter_defaults']['DeployIdentifier'],
                              int)
        self.heat.stacks.update.assert_called_once_with(
            'sid', existing=True, environment=env,
            files={'f': 'x'}, parameters={'P': 2}, timeout_mins=120)

    def test_deploy_parameters_given_are_kept(self):
        env = stack_action.with_deploy_parameters(
            {'parameter_defaults': {'StackAction': 'CREATE',
                                    'DeployIdentifier': 7}},
            now=lambda: 99)
        self.assertEqual({'StackAction': 'CREATE', 'DeployIdentifier': 7},
                         env['parameter_defaults'])
        self.assertEqual(
            {'StackAction': 'UPDATE', 'DeployIdentifier': 99},
            stack_action.with_deploy_parameters(
                {}, now=lambda: 99)['parameter_defaults'])

    def test_converge_refused_after_another_update(self):
        work_dir = self.useFixture(fixtures.TempDir()).path
        os.makedirs(os.path.join(work_dir, 'oc'))
        with open(os.path.join(work_dir, 'oc', paths.STACK_STATE), 'w') as f:
            json.dump({'stack_id': 'sid', 'updated_time': 't1'}, f)
        self.heat.stacks.get.return_value = fake_stack('UPDATE_COMPLETE',
                                                       't2')
        result = stack_action.UpdateStackAction(
            'oc', step='converge', work_dir=work_dir).run(context())
        self.assertIn('Not starting converge: stack oc was updated at t2',
                      result.error)
        self.assertFalse(self.heat.stacks.update.called)
        # The stack prepare left: converge goes on.
        self.heat.stacks.get.return_value = fake_stack('UPDATE_COMPLETE',
                                                       't1')
        self.assertEqual('sid', stack_action.UpdateStackAction(
            'oc', step='converge', work_dir=work_dir).run(
                context())['stack_id'])
        # Converge's own update does not stop a converge run again (after
        # a failure or a timeout), nor a run.
        self.heat.stacks.get.return_value = fake_stack('UPDATE_FAILED',
                                                       't3')
        self.assertEqual('sid', stack_action.UpdateStackAction(
            'oc', step='converge', work_dir=work_dir).run(
                context())['stack_id'])

    def test_missing_stack(self):
        self.heat.stacks.get.side_effect = heat_exc.HTTPNotFound()
        result = stack_action.UpdateStackAction('nope').run(context())
        self.assertIsInstance(result, mistral_actions.Result)
        self.assertIn('Stack nope not found', result.error)
        self.heat.stacks.update.assert_not_called()

    def test_refuses_stack_in_progress(self):
        self.heat.stacks.get.return_value = fake_stack('UPDATE_IN_PROGRESS')
        result = stack_action.UpdateStackAction('oc').run(context())
        self.assertIn('UPDATE_IN_PROGRESS', result.error)
        self.heat.stacks.update.assert_not_called()

    def test_heat_refuses(self):
        self.heat.stacks.get.return_value = fake_stack()
        self.heat.stacks.update.side_effect = heat_exc.HTTPBadRequest(
            'bad reference')
        result = stack_action.UpdateStackAction('oc').run(context())
        self.assertIn('Heat refused the update of stack oc', result.error)


class TestStuckStack(base.TestCase):

    def test_update_refused_with_what_to_do(self):
        heat = self.useFixture(HeatFixture()).heat
        heat.stacks.get.return_value = fake_stack(
            'UPDATE_IN_PROGRESS', '2026-11-28T09:23:06Z')
        heat.services.list.return_value = [base.Namespace(
            created_at='2026-11-28T09:30:00', status='up')]
        heat.events.list.return_value = []
        result = stack_action.UpdateStackAction('oc').run(context())
        self.assertIn('openstack stack cancel --no-rollback oc',
                      result.error)
        heat.stacks.update.assert_not_called()
        # Without the admin's engine list: the plain answer.
        heat.services.list.side_effect = heat_exc.HTTPForbidden()
        result = stack_action.UpdateStackAction('oc').run(context())
        self.assertIn('Stack oc is UPDATE_IN_PROGRESS: wait for that '
                      'operation to finish', result.error)

    def test_heat_down_is_one_sentence(self):
        heat = self.useFixture(HeatFixture()).heat
        heat.stacks.get.side_effect = heat_exc.CommunicationError(
            'Error communicating with http://h:8004')
        result = stack_action.UpdateStackAction('oc').run(context())
        self.assertEqual(
            'Could not update stack oc: CommunicationError: Error '
            'communicating with http://h:8004. Check that Heat runs '
            '("openstack stack show oc"), then run the step again.',
            result.error)


class TestWaitStack(base.TestCase):

    def setUp(self):
        super(TestWaitStack, self).setUp()
        self.heat = self.useFixture(HeatFixture()).heat
        self.clock = base.FakeClock()

    def _run(self, timeout=1):
        return stack_action.WaitStackAction(
            'oc', timeout=timeout, since='t0', poll_interval=5).run(
                context(), clock=self.clock, sleep=self.clock.sleep)

    def test_waits_for_the_new_update_to_complete(self):
        self.heat.stacks.get.side_effect = [
            fake_stack('UPDATE_COMPLETE', 't0'),  # not started yet
            fake_stack('UPDATE_IN_PROGRESS', 't1'),
            fake_stack('UPDATE_COMPLETE', 't1')]
        result = self._run()
        self.assertEqual('SUCCESS', result['status'])
        self.assertEqual('UPDATE_COMPLETE', result['stack_status'])
        self.assertEqual(10, self.clock.now)
        # Each poll spares Heat the outputs (costly on a THT stack).
        self.heat.stacks.get.assert_called_with('oc', resolve_outputs=False)

    def test_failed_update_names_nested_failures(self):
        self.heat.stacks.get.return_value = fake_stack(
            'UPDATE_FAILED', 't1', 'Resource UPDATE failed: x')
        self.heat.resources.list.return_value = [
            base.Namespace(resource_name='ok', resource_type='T',
                           resource_status='UPDATE_COMPLETE',
                           resource_status_reason=''),
            base.Namespace(resource_name='0', resource_type='Svc',
                           parent_resource='ControllerServiceChain',
                           resource_status='UPDATE_FAILED',
                           resource_status_reason='yaql error')]
        result = self._run().error
        self.assertEqual('FAILED', result['status'])
        self.assertIn('ControllerServiceChain.0 (Svc): yaql error',
                      result['message'])
        self.heat.resources.list.assert_called_once_with('sid',
                                                         nested_depth=5)

    def test_timeout_is_bounded_and_says_so(self):
        self.heat.stacks.get.return_value = fake_stack('UPDATE_IN_PROGRESS',
                                                       't1')
        result = self._run(timeout=1).error
        self.assertEqual('FAILED', result['status'])
        self.assertIn('Timed out after 1 minutes', result['message'])
        self.assertEqual(60, self.clock.now)

    def test_heat_down_for_a_while_is_waited_out(self):
        self.heat.stacks.get.side_effect = [
            fake_stack('UPDATE_IN_PROGRESS', 't1'),
            heat_exc.CommunicationError('Error communicating with h'),
            heat_exc.HTTPServiceUnavailable(),
            fake_stack('UPDATE_COMPLETE', 't1')]
        self.heat.services.list.return_value = []
        self.assertEqual('SUCCESS', self._run()['status'])

    def test_heat_gone_past_the_deadline_is_one_sentence(self):
        self.heat.stacks.get.side_effect = heat_exc.CommunicationError(
            'Error communicating with http://h:8004')
        result = self._run(timeout=1)
        self.assertEqual('Waiting for stack oc failed: CommunicationError: '
                         'Error communicating with http://h:8004',
                         result.error)
        self.assertEqual(60, self.clock.now)

    def test_stack_whose_engine_died_is_reported_stuck(self):
        self.heat.stacks.get.return_value = fake_stack(
            'UPDATE_IN_PROGRESS', '2026-11-28T09:23:06Z')
        # Only an engine started after the update is up, and nothing
        # happened to the stack since.
        self.heat.services.list.return_value = [
            base.Namespace(created_at='2026-11-28T09:22:19.3',
                           status='down', binary='heat-engine'),
            base.Namespace(created_at='2026-11-28T09:23:24.4',
                           status='up', binary='heat-engine')]
        self.heat.events.list.return_value = [
            base.Namespace(event_time='2026-11-28T09:23:06Z')]
        result = self._run(timeout=10).error
        self.assertEqual('FAILED', result['status'])
        self.assertEqual(
            'Stack oc has been UPDATE_IN_PROGRESS since 2026-11-28T09:23:06Z, '
            'but the Heat engine that ran that operation has stopped and no '
            'running engine works on it: it will never finish. Run '
            '"openstack stack cancel --no-rollback oc", wait for '
            'UPDATE_FAILED, then run the ffwd-upgrade step again.',
            result['message'])
        self.assertEqual(stack_action.STUCK_CHECK_INTERVAL_S, self.clock.now)

    def test_is_stuck(self):
        started = '2026-11-28T09:23:06Z'
        old, new = '2026-11-28T09:22:19.3', '2026-11-28T09:23:24.4'
        # The engine that started it is still up: not stuck.
        self.assertFalse(stacks.is_stuck(
            started, [(old, 'up'), (new, 'up')], started))
        # Its engine is gone; the new one did something since: working.
        self.assertFalse(stacks.is_stuck(
            started, [(old, 'down'), (new, 'up')], '2026-11-28T09:23:30Z'))
        self.assertTrue(stacks.is_stuck(
            started, [(old, 'down'), (new, 'up')], started))
        # No engine up: Heat is down, nothing can be said yet.
        self.assertFalse(stacks.is_stuck(started, [(old, 'down')],
                                         started))


class TestDownloadConfig(base.TestCase):

    def setUp(self):
        super(TestDownloadConfig, self).setUp()
        self.heat = self.useFixture(HeatFixture()).heat
        self.work_dir = self.useFixture(fixtures.TempDir()).path

    def test_downloads_and_reports(self):
        self.heat.stacks.get.return_value = fake_stack(
            outputs=base.queens_outputs())
        result = config_action.DownloadConfigAction(
            'overcloud', self.work_dir).run(context())
        config_dir = os.path.join(self.work_dir, 'overcloud')
        self.assertEqual(config_dir, result['config_dir'])
        self.assertTrue(os.path.isfile(result['inventory_file']))
        self.assertEqual(1, len(result['fixed_step_order']))
        self.assertIn('Moved the step condition first in 1 task',
                      result['message'])
        self.heat.stacks.get.assert_called_once_with('overcloud',
                                                     resolve_outputs=True)
        # No AdminPassword in the stack's environment: no overcloudrc.
        self.assertIsNone(result['overcloudrc'])
        # The stack as prepare left it, for run and converge to compare.
        with open(os.path.join(config_dir, paths.STACK_STATE)) as f:
            self.assertEqual({'stack_id': 'sid', 'updated_time': None,
                              'stack_status': 'CREATE_COMPLETE'},
                             json.load(f))
        # Which Ansible checked the config: this Python's own.
        runtime = '%s (%s)' % (
            runner.ansible_version(runner.find_ansible_playbook()),
            runner.find_ansible_playbook())
        self.assertEqual(runtime, result['ansible'])
        self.assertIn('checked with %s.' % runtime, result['message'])
        self.assertTrue(re.match(r'ansible(-core)? \d+\.\d+\.\d+ \(/',
                                 runtime), runtime)

    def test_overcloudrc_written_privately_never_returned(self):
        self.heat.stacks.get.return_value = fake_stack(
            outputs=base.queens_outputs())
        self.heat.stacks.environment.return_value = {
            'parameter_defaults': {'AdminPassword': 'SECRET-admin-pw'}}
        result = config_action.DownloadConfigAction(
            'overcloud', self.work_dir).run(context())
        path = os.path.join(self.work_dir, 'overcloud', 'overcloudrc')
        self.assertEqual(path, result['overcloudrc'])
        self.assertEqual(0o600, os.stat(path).st_mode & 0o777)
        with open(path) as f:
            self.assertIn('OS_PASSWORD=SECRET-admin-pw', f.read())
        self.assertNotIn('SECRET-admin-pw', json.dumps(result))

    def test_software_deployments_for_the_deploy_steps(self):
        self.heat.stacks.get.return_value = fake_stack(
            outputs=base.queens_outputs())

        def value_resource(name, server, deployment, when, parent=None):
            return base.Namespace(
                attributes={'value': {'name': name, 'server': server,
                                      'deployment': deployment}},
                parent_resource=parent or name, creation_time=when,
                physical_resource_id='oc-%s-TripleODeployment-x' % name)

        self.heat.resources.list.return_value = [
            value_resource('ControllerDeployment', 'id-c1', 'sd-hiera',
                           '2026-01-01T00:00:02Z'),
            value_resource('NetworkDeployment', 'id-c1',
                           'arn:openstack:heat::p:stacks/oc-Net/nested-id',
                           '2026-01-01T00:00:01Z'),
            value_resource('ControllerExtraConfigPost', 'id-c1', 'sd-post',
                           '2026-01-01T00:00:03Z'),
            # Not run on this stack action: no physical deployment.
            value_resource('DeleteOnly', 'id-c1', 'TripleOSoftwareDeployment',
                           '2026-01-01T00:00:04Z'),
            value_resource('ComputeDeployment', 'id-n0', 'sd-hiera2',
                           '2026-01-01T00:00:05Z'),
        ]
        self.heat.resources.get.return_value = base.Namespace(
            physical_resource_id='sd-net')
        config_of = {'sd-hiera': 'cfg-hiera', 'sd-hiera2': 'cfg-hiera',
                     'sd-net': 'cfg-script', 'sd-post': 'cfg-script'}
        self.heat.software_deployments.get.side_effect = (
            lambda sd: base.Namespace(config_id=config_of[sd]))
        configs = {
            'cfg-hiera': {'id': 'cfg-hiera', 'name': 'deployment_resource',
                          'group': 'hiera',
                          'config': {'datafiles': {'x': {'k': 'v'}}},
                          'inputs': [{'name': 'deploy_server_id',
                                      'value': 'stand-in-server'}],
                          'outputs': [], 'options': {}},
            'cfg-script': {'id': 'cfg-script', 'name': 'net',
                           'group': 'script', 'config': '#!/bin/sh\nexit 0',
                           'inputs': [], 'outputs': [], 'options': {}}}
        self.heat.software_configs.get.side_effect = (
            lambda cid: base.mock.Mock(to_dict=lambda: configs[cid]))

        result = config_action.DownloadConfigAction(
            'overcloud', self.work_dir).run(context())
        self.assertEqual(4, result['deployments'], result)
        self.assertIn('Wrote 4 software deployment(s)', result['message'])
        # One fetch per software config, however many servers share it.
        self.assertEqual(2, self.heat.software_configs.get.call_count)
        self.heat.resources.list.assert_called_once_with(
            'overcloud', nested_depth=7,
            filters={'name': 'TripleODeployment'}, with_detail=True)
        self.heat.resources.get.assert_called_once_with(
            'nested-id', 'TripleOSoftwareDeployment')
        config_dir = os.path.join(self.work_dir, 'overcloud')

        def load(relpath):
            with open(os.path.join(config_dir, relpath)) as f:
                return yaml.safe_load(f)

        self.assertEqual({
            'Controller_pre_deployments': ['NetworkDeployment',
                                           'ControllerDeployment'],
            'Controller_post_deployments': ['ControllerExtraConfigPost'],
            'pre_deployments_Controller': ['NetworkDeployment',
                                           'ControllerDeployment'],
            'post_deployments_Controller': ['ControllerExtraConfigPost']},
            load('group_vars/Controller'))
        hiera = load('Controller/overcloud-controller-1/ControllerDeployment')
        self.assertEqual('id-c1', hiera['deploy_server_id'])
        data = hiera['ControllerDeployment']
        self.assertEqual(('hiera', {'datafiles': {'x': {'k': 'v'}}}),
                         (data['group'], data['config']))
        # The real server, not the stand-in the deployment ran on.
        self.assertEqual([{'name': 'deploy_server_id', 'value': 'id-c1'}],
                         data['inputs'])
        self.assertEqual(
            '#!/bin/sh\nexit 0',
            load('Controller/overcloud-controller-1/NetworkDeployment')[
                'NetworkDeployment']['config'])
        self.assertTrue(os.path.isfile(os.path.join(
            config_dir, 'Compute/overcloud-novacompute-0/ComputeDeployment')))
        tasks = load('deployments.yaml')
        self.assertIn('55-heat-config', str(tasks))
        self.assertNotIn('json_query', str(tasks))

    def test_deployment_without_a_name_is_named_by_its_resource(self):
        self.heat.stacks.get.return_value = fake_stack(
            outputs=base.queens_outputs())
        self.heat.resources.list.return_value = [base.Namespace(
            attributes={'value': {'name': '', 'server': 'id-c1',
                                  'deployment': 'sd'}},
            parent_resource='0', creation_time='t',
            physical_resource_id='oc-Group-0-TripleODeployment-y')]
        self.heat.software_deployments.get.return_value = (
            base.Namespace(config_id='c'))
        self.heat.software_configs.get.return_value = base.mock.Mock(
            to_dict=lambda: {'id': 'c', 'group': 'script', 'config': ''})
        result = config_action.DownloadConfigAction(
            'overcloud', self.work_dir).run(context())
        self.assertIn('software deployment oc-Group-0-TripleODeployment-y '
                      'has no name', result.error)
        self.assertEqual([], os.listdir(self.work_dir))

    def test_bad_outputs_write_nothing(self):
        self.heat.stacks.get.return_value = fake_stack(outputs=[])
        result = config_action.DownloadConfigAction(
            'overcloud', self.work_dir).run(context())
        self.assertIn('RoleData', result.error)
        self.assertEqual([], os.listdir(self.work_dir))

    def test_missing_stack(self):
        self.heat.stacks.get.side_effect = heat_exc.HTTPNotFound()
        result = config_action.DownloadConfigAction(
            'x', self.work_dir).run(context())
        self.assertIn('Stack x not found', result.error)


class TestAnsibleAction(base.TestCase):

    def setUp(self):
        super(TestAnsibleAction, self).setUp()
        self.work_dir = self.useFixture(fixtures.TempDir()).path
        self.config_dir = os.path.join(self.work_dir, 'oc')

    def _action(self, **kwargs):
        return ansible_action.AnsiblePlaybookAction('oc', self.work_dir,
                                                    **kwargs)

    def test_before_prepare(self):
        result = self._action().run(context())
        self.assertIn('run "openstack overcloud ffwd-upgrade prepare" first',
                      result.error)

    def test_unknown_playbook_lists_choices(self):
        os.makedirs(self.config_dir)
        open(os.path.join(self.config_dir, 'deploy_steps_playbook.yaml'),
             'w').close()
        result = self._action(playbook='nope.yaml').run(context())
        self.assertIn('nope.yaml is not in', result.error)
        self.assertIn('deploy_steps_playbook.yaml', result.error)

    def test_missing_static_inventory(self):
        os.makedirs(self.config_dir)
        open(os.path.join(self.config_dir, contract.DEFAULT_PLAYBOOK),
             'w').close()
        result = self._action(inventory_file='/no/inv.yaml').run(context())
        self.assertIn('/no/inv.yaml does not exist', result.error)

    def _config_with_host_h(self):
        """A config dir with the default playbook and one host, h."""
        os.makedirs(self.config_dir)
        open(os.path.join(self.config_dir, contract.DEFAULT_PLAYBOOK),
             'w').close()
        with open(os.path.join(self.config_dir, paths.INVENTORY_FILE),
                  'w') as f:
            f.write('all:\n  hosts:\n    h: {}\n')

    def test_stack_updated_after_prepare_refused(self):
        self._config_with_host_h()
        with open(os.path.join(self.config_dir, paths.STACK_STATE),
                  'w') as f:
            json.dump({'stack_id': 'sid', 'updated_time': 't1',
                       'stack_status': 'UPDATE_COMPLETE'}, f)
        heat = self.useFixture(HeatFixture()).heat
        heat.stacks.get.return_value = fake_stack('UPDATE_COMPLETE', 't2')
        result = self._action().run(context())
        self.assertEqual(
            'Not starting run: stack oc was updated at t2 (UPDATE_COMPLETE) '
            'by something other than ffwd-upgrade since prepare downloaded '
            'its config (its update ended t1), so the downloaded config may '
            'not match it. Run "openstack overcloud ffwd-upgrade prepare" '
            'again with the same command line, then run.', result.error)
        heat.stacks.get.assert_called_once_with('oc', resolve_outputs=False)

    def test_bad_inputs_refused_before_ansible(self):
        self._config_with_host_h()
        run = self.useFixture(fixtures.MockPatch(
            'tripleo_ffu.ansible.runner.run_playbook')).mock
        result = self._action(extra_vars='{bad json').run(context())
        self.assertIn('Not running fast_forward_upgrade_playbook.yaml: '
                      '--extra-vars (JSON/YAML) does not parse',
                      result.error)
        result = self._action(limit_hosts='nope').run(context())
        self.assertIn('--limit nope matches no host of the inventory',
                      result.error)
        run.assert_not_called()

    def _mock_runner(self, **result):
        """Patch the runner: start records its args, wait returns result."""
        base_result = {'rc': 0, 'timed_out': False, 'recap': {'h': {}},
                       'failures': [], 'log_path': '/l',
                       'command_script': '/c.sh', 'tasks_run': 3,
                       'error_line': None, 'last_task': None}
        start = self.useFixture(fixtures.MockPatch(
            'tripleo_ffu.ansible.runner.start_playbook',
            return_value={'proc': base.mock.Mock(pid=os.getpid())})).mock
        wait = self.useFixture(fixtures.MockPatch(
            'tripleo_ffu.ansible.runner.wait_playbook',
            return_value=dict(base_result, **result))).mock
        return start, wait, base_result

    def _journal_with_h_at(self, *pairs):
        path = journal.journal_file(self.work_dir, 'oc')
        journal.make_state_dir(self.work_dir, 'oc')
        with open(path, 'w') as f:
            for n, (release, step) in enumerate(pairs):
                f.write(json.dumps({'event': 'runner_on_ok', 'time': n,
                                    'event_data': {
                                        'host': 'h', 'task': 't',
                                        'release': release,
                                        'step': str(step)}}) + '\n')
            f.write(json.dumps({'event': 'playbook_on_stats',
                                'time': 99, 'event_data': {}}) + '\n')

    def test_resume_skips_through_the_extra_vars(self):
        self._config_with_host_h()
        self._journal_with_h_at(*[('ocata', s) for s in range(10)])
        start, wait, _ = self._mock_runner()
        # A config prepared before resume points existed cannot skip.
        refused = self._action().run(context()).error
        self.assertIn('was downloaded by an earlier tripleo-ffu', refused)
        self.assertIn('h: ocata 0-9', refused)
        self.assertFalse(start.called)
        with open(os.path.join(self.config_dir, paths.HYGIENE_REPORT),
                  'w') as f:
            f.write('resume_points:\n- {file: f.yaml, include: x.yaml}\n')
        result = self._action().run(context())
        self.assertIn('Skipped what the journal shows finished (h: ocata '
                      '0-9).', result['message'])
        argv = start.call_args[0][1]
        extra = argv[argv.index('--extra-vars') + 1]
        with open(extra.lstrip('@')) as f:
            self.assertEqual(
                {journal.SKIP_VAR: {'h': ['ocata:%d' % s
                                          for s in range(10)]}},
                json.load(f))
        # --restart would run ocata's DB sync again: refused first.
        refused = self._action(restart=True).run(context()).error
        self.assertIn('this run would run again h: ocata 8', refused)
        self.assertEqual('SUCCESS', self._action(
            restart=True, repeat_db_sync=True).run(context())['status'])

    def test_tag_runs_neither_journal_nor_skip(self):
        self._config_with_host_h()
        self._journal_with_h_at(('ocata', 0))
        start, _, _ = self._mock_runner()
        self._action(tags='x').run(context())
        self.assertIsNone(start.call_args[0][3])
        self.assertNotIn('--extra-vars', ' '.join(start.call_args[0][1]))

    def test_result_shapes(self):
        self._config_with_host_h()
        start, wait, base_result = self._mock_runner()
        result = self._action(limit_hosts='h', timeout=2).run(context())
        self.assertEqual('SUCCESS', result['status'])
        config_dir, argv, events_file, journal_file = start.call_args[0]
        self.assertEqual(journal.journal_file(self.work_dir, 'oc'),
                         journal_file)
        self.assertEqual(self.config_dir, config_dir)
        self.assertIn('--limit', argv)
        self.assertEqual(runs.events_file(self.work_dir, 'oc', 'exec-1'),
                         events_file)
        self.assertEqual(120, wait.call_args[0][1])

        # Tags that selected no task: Ansible's success is a failure.
        wait.return_value = dict(base_result, tasks_run=0)
        result = self._action(tags='nope').run(context()).error
        self.assertEqual('FAILED', result['status'])
        self.assertIn('Playbook fast_forward_upgrade_playbook.yaml ran no '
                      'task: --tags nope selected none of its tasks',
                      result['message'])
        self.assertIn('Nothing changed on the nodes', result['message'])
        self.assertEqual('SUCCESS', self._action().run(context())['status'])

        wait.return_value = dict(base_result, rc=2, failures=[
            {'host': 'h', 'task': 't', 'unreachable': False,
             'message': 'm'}])
        # Failures are error results, carrying the whole result.
        result = self._action().run(context()).error
        self.assertEqual('FAILED', result['status'])
        self.assertIn('h failed at task "t": m. Full log: /l. Fix the '
                      'cause, then run the step again', result['message'])
        self.assertIn('by hand: /c.sh', result['message'])

        # One host of several failed: the step goes on there only (the
        # others moved on), with the command that does it.
        wait.return_value = dict(base_result, rc=2, recap={'c0': {},
                                                           'n0': {}},
                                 failures=[{'host': 'n0', 'task': 't',
                                            'unreachable': True,
                                            'message': 'ssh'}])
        result = self._action().run(context()).error
        self.assertIn('run the step again for n0 only: "openstack '
                      'overcloud ffwd-upgrade run --stack oc --limit n0" '
                      '(the other hosts finished it; or by hand: /c.sh '
                      '--limit n0)', result['message'])
        for name in contract.FINAL_STEP_PLAYBOOKS + ('p.yaml',):
            open(os.path.join(self.config_dir, name), 'w').close()
        result = self._action(
            playbook=list(contract.FINAL_STEP_PLAYBOOKS),
            limit_hosts='h').run(context()).error
        self.assertIn('"openstack overcloud ffwd-upgrade run --stack oc '
                      '--nodes n0"', result['message'])
        result = self._action(playbook='p.yaml').run(context()).error
        self.assertIn('"openstack overcloud ffwd-upgrade run --stack oc '
                      '--playbook p.yaml --limit n0"', result['message'])

        # Stopped without a failed task: Ansible's own first error line.
        wait.return_value = dict(
            base_result, rc=4,
            error_line="ERROR! couldn't resolve module/action 'mysql_db'")
        result = self._action().run(context()).error
        self.assertIn("Ansible stopped after 3 task(s) had started without "
                      "a failed task: ERROR! couldn't resolve module/action "
                      "'mysql_db'; see /l", result['message'])

        wait.return_value = dict(base_result, rc=-15, timed_out=True,
                                 last_task={'task': 'Stop nova',
                                            'release': 'ocata', 'step': 2})
        result = self._action(timeout=3).run(context()).error
        self.assertIn('stopped after 3 minutes (timeout) during task "Stop '
                      'nova" (release ocata, step 2): the nodes may be in '
                      'the middle of that step', result['message'])

    def test_ansible_record_kept_after_the_run(self):
        self._config_with_host_h()
        self._mock_runner(rc=2)
        self._action(limit_hosts='h').run(context())
        record = locks.read(locks.ansible_lock_path(self.work_dir, 'oc'))
        self.assertEqual(
            {'running': False, 'status': 'FAILED', 'rc': 2,
             'execution_id': 'exec-1', 'limit': 'h',
             'playbook': contract.DEFAULT_PLAYBOOK, 'pid': os.getpid()},
            {k: record[k] for k in ('running', 'status', 'rc',
                                    'execution_id', 'limit', 'playbook',
                                    'pid')})

    def test_refuses_while_an_ansible_run_of_the_stack_lives(self):
        self._config_with_host_h()
        start, _, _ = self._mock_runner()
        path = locks.ansible_lock_path(self.work_dir, 'oc')
        os.makedirs(os.path.dirname(path))
        # This very process stands for the live ansible-playbook.
        locks.write(path, dict(locks.this_process(), running=True,
                               execution_id='other', playbook='p.yaml',
                               started_at='t0'))
        result = self._action().run(context())
        self.assertIn('ansible-playbook (pid %d, started t0 by execution '
                      'other, playbook p.yaml) is still running on the '
                      'nodes of stack oc' % os.getpid(), result.error)
        start.assert_not_called()
        # Once that process is gone, it runs.
        ended = subprocess.Popen(['true'])
        ended.wait()
        locks.write(path, dict(locks.process_identity(ended.pid),
                               running=True))
        self.assertEqual('SUCCESS', self._action().run(context())['status'])


class TestNotify(base.TestCase):

    def test_without_zaqar_it_does_not_fail(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'TRIPLEO_FFU_MESSAGING_URL', None))
        result = notify.NotifyAction('SUCCESS', 'm').run(context())
        self.assertFalse(result['sent'])

    def test_message_shape(self):
        self.assertEqual(
            {'type': 'tripleo.ffwd_upgrade.v1.run',
             'payload': {'status': 'FAILED', 'message': 'm',
                         'execution': {'id': 'e'}, 'extra': 1}},
            notify.message_body('tripleo.ffwd_upgrade.v1.run', 'FAILED', 'm',
                                'e', {'extra': 1}))

    def test_type_is_the_workflows_name(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'TRIPLEO_FFU_MESSAGING_URL', 'http://zaqar'))
        post = self.useFixture(fixtures.MockPatch('requests.post')).mock
        notify.NotifyAction('FAILED', 'm').run(context(
            workflow_name='tripleo.ffwd_upgrade.v1.prepare'))
        body = post.call_args[1]['json']['messages'][0]['body']
        self.assertEqual('tripleo.ffwd_upgrade.v1.prepare', body['type'])
        self.assertEqual('http://zaqar/v2/queues/tripleo/messages',
                         post.call_args[0][0])

    def test_zaqar_error_does_not_fail(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'TRIPLEO_FFU_MESSAGING_URL', 'http://127.0.0.1:9'))
        result = notify.NotifyAction('SUCCESS', 'm').run(context())
        self.assertFalse(result['sent'])
        self.assertIn('Zaqar', result['reason'])


class TestStepLock(base.TestCase):

    def setUp(self):
        super(TestStepLock, self).setUp()
        self.work_dir = self.useFixture(fixtures.TempDir()).path
        # Mistral's executions: {id: state}, created in this order.
        self.states = {}
        self.created = []
        mistral = base.mock.Mock()
        mistral.executions.get.side_effect = self._get
        mistral.executions.list.side_effect = self._list
        self.useFixture(fixtures.MockPatch(
            'tripleo_ffu.actions.clients.mistral_client',
            return_value=mistral))

    def _get(self, execution_id):
        if execution_id not in self.states:
            raise Exception('Execution not found [id=%s]' % execution_id)
        return base.Namespace(
            id=execution_id, state=self.states[execution_id],
            workflow_name='tripleo.ffwd_upgrade.v1.run',
            created_at='2026-12-02 10:00:%02d' % self.created.index(
                execution_id), input='{"stack": "oc"}')

    def _list(self, **kwargs):
        return [self._get(i) for i in reversed(self.created)
                if i in self.states]

    def _start(self, execution_id):
        """Mistral has started the execution (its lock task is first)."""
        if execution_id not in self.created:
            self.created.append(execution_id)
            self.states[execution_id] = 'RUNNING'

    def _lock(self, execution_id, step='run', work_dir=None):
        self._start(execution_id)
        return lock_action.StepLockAction(
            'oc', step, work_dir or self.work_dir).run(
                context(execution_id=execution_id))

    def test_one_step_per_stack(self):
        taken = self._lock('a', 'prepare')
        self.assertEqual({'work_dir': self.work_dir, 'taken_over': None,
                          'lock': locks.step_lock_path(self.work_dir, 'oc')},
                         taken)
        self.states['a'] = 'RUNNING'
        refused = self._lock('b')
        self.assertIn('Not starting run: stack oc is held by prepare '
                      'execution a (RUNNING since ', refused.error)
        self.assertIn('"openstack overcloud ffwd-upgrade status a '
                      '--follow"', refused.error)
        # Another stack is not held.
        self.assertNotIsInstance(lock_action.StepLockAction(
            'other', 'run', self.work_dir).run(context(execution_id='b')),
            mistral_actions.Result)
        # Released by its holder only.
        lock_action.StepUnlockAction('oc', self.work_dir).run(
            context(execution_id='b'))
        self.assertIsInstance(self._lock('b'), mistral_actions.Result)
        lock_action.StepUnlockAction('oc', self.work_dir).run(
            context(execution_id='a'))
        self.states['a'] = 'SUCCESS'
        self.assertEqual('b', self._lock('b')['lock'] and locks.read(
            locks.step_lock_path(self.work_dir, 'oc'))['execution_id'])

    def test_stale_lock_taken_over(self):
        self._lock('a')
        self.states['a'] = 'ERROR'
        self.assertEqual('ERROR', self._lock('b')['taken_over']['state'])
        # Deleted from Mistral: stale too.
        del self.states['b']
        self.assertEqual('gone from Mistral',
                         self._lock('c')['taken_over']['state'])

    def test_another_work_dir_does_not_hide_a_running_step(self):
        """Mistral knows every execution of the stack; the first goes."""
        other_dir = self.useFixture(fixtures.TempDir()).path
        self._start('a')
        # b, started after a, checks first (and elsewhere): it waits for a.
        refused = self._lock('b', work_dir=other_dir)
        self.assertIn('Not starting run: stack oc is held by run execution '
                      'a (RUNNING since 2026-12-02 10:00:00)', refused.error)
        self.assertIsNone(locks.read(locks.step_lock_path(other_dir, 'oc')))
        self.states['b'] = 'ERROR'
        self.assertEqual(locks.step_lock_path(self.work_dir, 'oc'),
                         self._lock('a')['lock'])
        # Ended executions do not count.
        self.states['a'] = 'SUCCESS'
        self.assertNotIsInstance(self._lock('c', work_dir=other_dir),
                                 mistral_actions.Result)

    def test_holder_whose_executor_died_is_named(self):
        self._lock('a')
        path = locks.step_lock_path(self.work_dir, 'oc')
        ended = subprocess.Popen(['true'])
        ended.wait()
        locks.write(path, dict(locks.read(path),
                               executor=locks.process_identity(ended.pid)))
        self.states['a'] = 'RUNNING'
        refused = self._lock('b')
        self.assertIn('Its Mistral executor (pid %d) has stopped since'
                      % ended.pid, refused.error)
        self.assertIn('"openstack workflow execution update a --state '
                      'ERROR"', refused.error)

    def test_live_ansible_blocks_every_step(self):
        path = locks.ansible_lock_path(self.work_dir, 'oc')
        os.makedirs(os.path.dirname(path))
        locks.write(path, dict(locks.this_process(), running=True,
                               execution_id='old', playbook='p.yaml'))
        refused = self._lock('b', 'prepare')
        self.assertIn('Not starting prepare: ansible-playbook (pid %d'
                      % os.getpid(), refused.error)

    def test_work_dir_resolved_on_the_executor(self):
        self.useFixture(fixtures.EnvironmentVariable(contract.WORK_DIR_ENV,
                                                     self.work_dir))
        self._start('a')
        self.assertEqual(self.work_dir,
                         lock_action.StepLockAction('oc', 'run').run(
                             context(execution_id='a'))['work_dir'])

    def test_unsure_means_refused(self):
        clients.mistral_client.side_effect = clients.ClientError(
            'no workflowv2 endpoint')
        refused = self._lock('a')
        self.assertIn('Not starting run: could not check that no other '
                      'ffwd-upgrade step runs on stack oc (ClientError: no '
                      'workflowv2 endpoint)', refused.error)


class TestEveryActionFailsOneWay(base.TestCase):
    """Whatever breaks inside an action, Mistral gets an error result."""

    def test_every_registered_action_turns_exceptions_into_a_result(self):
        import importlib

        entries = base.setup_cfg_entry_points('mistral.actions')
        self.assertEqual(12, len(entries))
        for name, target in entries:
            module, cls = target.split(':')
            run = getattr(importlib.import_module(module), cls).run
            self.assertTrue(hasattr(run, 'describe_failure'),
                            '%s: run() is not wrapped' % name)

    def test_a_full_or_closed_filesystem_is_a_plain_sentence(self):
        self.assertEqual(
            'no space left on the filesystem of /w: free space there (or '
            'give another --work-dir), then run the step again',
            failures.cause(OSError(errno.ENOSPC, 'No space left'), '/w'))
        self.assertEqual(
            '/w/oc/x is not writable by the Mistral executor\'s user: make '
            'it so (or give another --work-dir), then run the step again',
            failures.cause(IOError(errno.EACCES, 'Denied', '/w/oc/x'), '/w'))
        self.assertEqual('ValueError: x',
                         failures.cause(ValueError('x'), '/w'))
        # Through an action: the work dir it resolves names the place.
        work_dir = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.MockPatch(
            'tripleo_ffu.actions.clients.mistral_client'))
        self.useFixture(fixtures.MockPatch(
            'tripleo_ffu.locks.guard', side_effect=OSError(
                errno.ENOSPC, 'No space left on device')))
        refused = lock_action.StepLockAction('oc', 'run', work_dir).run(
            context(execution_id='a'))
        self.assertEqual(
            'Not starting run: could not check that no other ffwd-upgrade '
            'step runs on stack oc (no space left on the filesystem of %s: '
            'free space there (or give another --work-dir), then run the '
            'step again)' % work_dir, refused.error)

    def test_the_sentence_names_the_action_and_the_cause(self):
        self.useFixture(HeatFixture()).heat.stacks.get.side_effect = (
            ValueError('no JSON'))
        result = config_action.DownloadConfigAction('oc', '/w').run(
            context())
        self.assertEqual('Config download for stack oc failed: ValueError: '
                         'no JSON', result.error)
        self.useFixture(HeatFixture()).heat.stacks.get.side_effect = (
            OSError(28, 'No space left on device'))
        result = config_action.DownloadConfigAction('oc', '/w').run(
            context())
        self.assertEqual('Config download for stack oc failed: no space '
                         'left on the filesystem of /w: free space there (or '
                         'give another --work-dir), then run the step again',
                         result.error)

    def test_config_download_resolves_the_work_dir_when_it_runs(self):
        work_dir = self.useFixture(fixtures.TempDir()).path
        heat = self.useFixture(HeatFixture()).heat
        heat.stacks.get.return_value = fake_stack(
            outputs=base.queens_outputs())
        self.useFixture(fixtures.EnvironmentVariable(
            contract.WORK_DIR_ENV, '/not/the/executors'))
        # Built where Mistral's engine runs, run in the executor.
        action = config_action.DownloadConfigAction('oc')
        self.useFixture(fixtures.EnvironmentVariable(contract.WORK_DIR_ENV,
                                                     work_dir))
        self.assertEqual(os.path.join(work_dir, 'oc'),
                         action.run(context())['config_dir'])
