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

"""The templates tree upstream's plan rendered, and the update it makes.

The real tripleo-heat-templates 8.4.1 and 5.3.13 are rendered in the
functional tests (test_templates_real); these use a small tree with every
kind of template the plan knew.
"""

import json
import os

import fixtures
from osc_lib import exceptions
import yaml

from tests.unit import base
from tests.unit.base import mock
from tests.unit.test_actions import context
from tests.unit.test_actions import fake_stack
from tests.unit.test_actions import HeatFixture
from tests.unit.test_commands import CommandTestCase
from tripleo_ffu.actions import stack as stack_action
from tripleo_ffu import compat
from tripleo_ffu import journal
from tripleo_ffu import restore_points
from tripleo_ffu import templates
from tripleo_ffu.v1 import deploy_options
from tripleo_ffu.v1 import environment
from tripleo_ffu.v1 import ffwd_upgrade

ROLES = [{'name': 'Controller', 'ServicesDefault': ['OS::TripleO::A']},
         {'name': 'Compute', 'deprecated_nic_config_name': 'compute-old.yaml'}]
NETWORKS = [{'name': 'InternalApi'}, {'name': 'Storage', 'enabled': False},
            {'name': 'External', 'name_lower': 'ext'}]
TREE = {
    'overcloud.j2.yaml':
        'heat_template_version: 2016-10-14\nresources:\n'
        '{% for role in roles %}  {{role.name}}: {type: OS::TripleO::'
        '{{role.name}}}\n{% endfor %}',
    'roles_data.yaml': yaml.safe_dump(ROLES),
    'network_data.yaml': yaml.safe_dump(NETWORKS),
    'j2_excludes.yaml': 'name:\n  - puppet/compute-role.yaml\n',
    'puppet/role.role.j2.yaml':
        'heat_template_version: 2016-10-14\ndescription: {{role.name}}\n',
    'puppet/legacy.role.j2.yaml':
        'heat_template_version: 2016-10-14\ndescription: {{role}}\n',
    'network/network.network.j2.yaml':
        'heat_template_version: 2016-10-14\ndescription: '
        '{{network.name}} {{network.compat_name|default("")}}\n',
    'network/ports/port.network.j2.yaml':
        'heat_template_version: 2016-10-14\n',
    'network/config/single-nic/role.role.j2.yaml':
        'heat_template_version: 2016-10-14\n',
    'overcloud-resource-registry-puppet.j2.yaml':
        'resource_registry:\n{% for role in roles %}  OS::TripleO::'
        '{{role.name}}: puppet/{{role.name.lower()}}-role.yaml\n'
        '{% endfor %}  OS::TripleO::Services::A: a.yaml\n',
    'a.yaml': 'heat_template_version: 2016-10-14\n',
    # Excluded from rendering: the tree has its own.
    'puppet/compute-role.yaml': 'heat_template_version: 2016-10-14\n',
    'environments/lifecycle/ffwd-upgrade-prepare.yaml':
        'resource_registry:\n  OS::TripleO::Services::A: OS::Heat::None\n'
        'parameter_defaults:\n  StackUpdateType: FASTFORWARDUPGRADE\n',
    'environments/lifecycle/ffwd-upgrade-converge.yaml':
        'parameter_defaults:\n  StackUpdateType: ""\n',
    'environments/extra.j2.yaml':
        'parameter_defaults:\n  Roles: "{% for r in roles %}{{r.name}} '
        '{% endfor %}"\n',
}


class TemplatesTestCase(base.TestCase):

    def setUp(self):
        super(TemplatesTestCase, self).setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.tht = self.tree(TREE)
        self.out = os.path.join(self.tmp, 'work', 'oc-templates')

    def tree(self, files, name='tht'):
        root = os.path.join(self.tmp, name)
        for relpath, text in files.items():
            path = os.path.join(root, relpath)
            compat.makedirs(os.path.dirname(path))
            with open(path, 'w') as f:
                f.write(text)
        return root

    def read(self, relpath):
        with open(os.path.join(self.out, relpath)) as f:
            return f.read()


class TestRender(TemplatesTestCase):

    def test_the_three_passes_of_the_plan(self):
        rendered = templates.render(self.tht, self.out)
        self.assertEqual(sorted([
            'overcloud.yaml', 'overcloud-resource-registry-puppet.yaml',
            'environments/extra.yaml',
            'puppet/controller-role.yaml',  # compute-role.yaml: excluded
            'puppet/controller-legacy.yaml', 'puppet/compute-legacy.yaml',
            'network/internalapi.yaml', 'network/ext.yaml',
            'network/ports/internalapi.yaml', 'network/ports/ext.yaml',
            'network/config/single-nic/controller.yaml',
            'network/config/single-nic/compute-old.yaml']), sorted(rendered))
        self.assertIn('Controller: {type: OS::TripleO::Controller}',
                      self.read('overcloud.yaml'))
        self.assertIn('description: Controller',
                      self.read('puppet/controller-role.yaml'))
        # Newton's templates know {{role}} as the role's name.
        self.assertIn('description: Compute',
                      self.read('puppet/compute-legacy.yaml'))
        self.assertFalse(os.path.exists(
            os.path.join(self.out, 'network', 'storage.yaml')))
        # Copied as is, and no staging dir left behind.
        self.assertEqual(TREE['a.yaml'], self.read('a.yaml'))
        self.assertEqual(['oc-templates'],
                         os.listdir(os.path.dirname(self.out)))

    def test_roles_and_networks_files(self):
        roles = self.tree({'r.yaml': yaml.safe_dump(ROLES[:1])}, 'in')
        templates.render(self.tht, self.out,
                         roles_file=os.path.join(roles, 'r.yaml'))
        self.assertIn('Controller', self.read('overcloud.yaml'))
        self.assertNotIn('Compute', self.read('overcloud.yaml'))
        # The roles rendered for, next to what they produced.
        self.assertEqual(ROLES[:1], yaml.safe_load(
            self.read('roles_data.yaml')))

    def test_legacy_internal_api_keeps_its_name(self):
        templates.render(self.tht, self.out, legacy_internal_api=True)
        self.assertIn('InternalApi Internal',
                      self.read('network/internalapi.yaml'))

    def test_a_second_render_replaces_the_first(self):
        templates.render(self.tht, self.out)
        with open(os.path.join(self.tht, 'a.yaml'), 'w') as f:
            f.write('changed')
        templates.render(self.tht, self.out)
        self.assertEqual('changed', self.read('a.yaml'))

    def test_errors_name_the_file(self):
        e = self.assertRaises(templates.TemplatesError, templates.render,
                              os.path.join(self.tmp, 'nope'), self.out)
        self.assertIn('nope does not exist (--templates)', str(e))
        broken = self.tree(dict(TREE, **{'x.j2.yaml': '{% if %}'}), 'b')
        e = self.assertRaises(templates.TemplatesError, templates.render,
                              broken, self.out)
        self.assertIn('Cannot render %s' % os.path.join(broken, 'x.j2.yaml'),
                      str(e))
        roles = self.tree({'r.yaml': 'a: 1\n'}, 'in')
        e = self.assertRaises(templates.TemplatesError, templates.render,
                              self.tht, self.out,
                              os.path.join(roles, 'r.yaml'))
        self.assertIn('is not a list of roles', str(e))


class TestUpdateArguments(TemplatesTestCase):

    def test_order_plan_lifecycle_then_operator(self):
        templates.render(self.tht, self.out)
        items = templates.environment_list(
            self.out, 'prepare',
            [{'path': 'environments/extra.yaml'},
             {'environment': {'parameter_defaults': {'Mine': 1}}}])
        self.assertEqual([
            {'path': 'overcloud-resource-registry-puppet.yaml'},
            {'path': 'environments/lifecycle/ffwd-upgrade-prepare.yaml'},
            {'path': 'environments/extra.yaml'},
            {'environment': {'parameter_defaults': {'Mine': 1}}}], items)
        args = templates.update_arguments(self.out, items, {'u': 'x'})
        env = args['environment']
        # The lifecycle environment wins over the registry.
        self.assertEqual('OS::Heat::None',
                         env['resource_registry']['OS::TripleO::Services::A'])
        self.assertEqual(
            'file://%s/puppet/controller-role.yaml' % self.out,
            env['resource_registry']['OS::TripleO::Controller'])
        self.assertEqual({'StackUpdateType': 'FASTFORWARDUPGRADE',
                          'Roles': 'Controller Compute ', 'Mine': 1},
                         env['parameter_defaults'])
        self.assertIn('OS::TripleO::Controller', json.dumps(
            args['template']))
        self.assertIn('file://%s/puppet/controller-role.yaml' % self.out,
                      args['files'])
        self.assertEqual('x', args['files']['u'])

    def test_plan_environment_given(self):
        templates.render(self.tht, self.out)
        items = templates.environment_list(
            self.out, 'converge', plan={
                'environments': [{'path': 'a-env.yaml'}],
                'parameter_defaults': {'P': 1}})
        self.assertEqual([
            {'path': 'a-env.yaml'},
            {'environment': {'parameter_defaults': {'P': 1}}},
            {'path': 'environments/lifecycle/ffwd-upgrade-converge.yaml'}],
            items)
        e = self.assertRaises(templates.TemplatesError,
                              templates.update_arguments, self.out, items)
        self.assertIn('Environment a-env.yaml is not in the templates',
                      str(e))

    def test_newton_templates_start_from_the_registry(self):
        self.assertEqual((['overcloud-resource-registry-puppet.yaml'], {}),
                         templates.plan_environment(self.tht))


class TestLostMappings(base.TestCase):
    """What a Newton stack's registry would lose, and what is a move."""

    OLD = 'file:///usr/share/openstack-tripleo-heat-templates/'
    NEW = '/var/lib/mistral/oc-templates'

    def test_release_moves_are_not_losses(self):
        current = {
            'OS::TripleO::Services::Keystone':
                self.OLD + 'puppet/services/keystone.yaml',
            'OS::TripleO::PostDeploySteps': self.OLD + 'puppet/post.yaml',
            'OS::TripleO::Services::CeilometerApi':
                self.OLD + 'puppet/services/ceilometer-api.yaml'}
        defaults = {
            'OS::TripleO::Services::Keystone':
                'file://%s/docker/services/keystone.yaml' % self.NEW,
            'OS::TripleO::PostDeploySteps':
                'file://%s/common/post.yaml' % self.NEW,
            'OS::TripleO::Services::CeilometerApi':
                'file://%s/puppet/services/disabled/ceilometer-api-'
                'disabled.yaml' % self.NEW}
        self.assertEqual([], templates.lost_mappings(current, defaults, {},
                                                     self.NEW))

    def test_what_an_environment_of_the_deploy_set_is_lost(self):
        nic = '/home/stack/templates/nic-configs/controller.yaml'
        current = {
            'OS::TripleO::Server':
                self.OLD + 'deployed-server/deployed-server.yaml',
            'OS::TripleO::Network::InternalApi':
                self.OLD + 'network/internal_api.yaml',
            'OS::TripleO::Controller::Net::SoftwareConfig': 'file://' + nic,
            'OS::TripleO::Services::Sahara': 'OS::Heat::None',
            'OS::TripleO::Services::Keystone':
                self.OLD + 'puppet/services/keystone.yaml'}
        new = 'file://%s/' % self.NEW
        defaults = {
            'OS::TripleO::Server': 'OS::Nova::Server',
            'OS::TripleO::Network::InternalApi': new + 'network/noop.yaml',
            'OS::TripleO::Controller::Net::SoftwareConfig':
                new + 'net-config-bridge.yaml',
            'OS::TripleO::Services::Sahara':
                new + 'puppet/services/sahara-api.yaml',
            'OS::TripleO::Services::Keystone':
                new + 'puppet/services/keystone.yaml'}
        self.assertEqual(
            ['OS::TripleO::Controller::Net::SoftwareConfig',
             'OS::TripleO::Network::InternalApi', 'OS::TripleO::Server',
             'OS::TripleO::Services::Sahara'],
            [name for name, _, _ in templates.lost_mappings(
                current, defaults, {}, self.NEW)])


class TestUpdateAction(TemplatesTestCase):

    def setUp(self):
        super(TestUpdateAction, self).setUp()
        self.heat = self.useFixture(HeatFixture()).heat
        self.heat.stacks.get.return_value = fake_stack(updated='t0')
        self.heat.stacks.environment.return_value = {}
        self.heat.stacks.template.return_value = {'resources': {}}
        self.heat.stacks.files.return_value = {}
        self.work_dir = os.path.join(self.tmp, 'work')

    def test_moves_the_stack_to_the_templates(self):
        from heatclient import exc as heat_exc
        self.heat.resources.get.side_effect = heat_exc.HTTPNotFound()
        result = stack_action.UpdateStackAction(
            'oc', environment={'parameter_defaults': {'Last': 1}},
            templates=self.tht, step='prepare', work_dir=self.work_dir,
            environments=[{'path': 'environments/extra.yaml'}]).run(
                context())
        self.assertEqual('sid', result['stack_id'])
        # The stack before it, saved for abort (restore_points.py).
        saved = restore_points.read(self.work_dir, 'oc')
        self.assertEqual(({'resources': {}}, {}, {}, 'sid'), (
            saved['template'], saved['environment'], saved['files'],
            saved['stack_id']))
        kwargs = self.heat.stacks.update.call_args[1]
        self.assertTrue(kwargs['existing'])
        self.assertEqual(
            {'StackUpdateType': 'FASTFORWARDUPGRADE', 'Last': 1,
             'Roles': 'Controller Compute ', 'StackAction': 'UPDATE'},
            {k: v for k, v in kwargs['environment'][
                'parameter_defaults'].items() if k != 'DeployIdentifier'})
        self.assertIn('resources', kwargs['template'])
        rendered = os.path.join(self.work_dir, 'oc-templates')
        self.assertTrue(os.path.isfile(os.path.join(rendered,
                                                    'overcloud.yaml')))

    def test_legacy_internal_network_detected(self):
        networks = mock.Mock(physical_resource_id='nid')
        self.heat.resources.get.side_effect = [networks, mock.Mock()]
        stack_action.UpdateStackAction(
            'oc', templates=self.tht, step='prepare',
            work_dir=self.work_dir).run(context())
        self.assertEqual([mock.call('sid', 'Networks'),
                          mock.call('nid', 'InternalNetwork')],
                         self.heat.resources.get.call_args_list)
        with open(os.path.join(self.work_dir, 'oc-templates', 'network',
                               'internalapi.yaml')) as f:
            self.assertIn('InternalApi Internal', f.read())

    def test_mappings_the_update_would_lose_are_refused(self):
        from heatclient import exc as heat_exc
        self.heat.resources.get.side_effect = heat_exc.HTTPNotFound()
        # As a Newton stack's: its registry's Controller (same template,
        # other tree: kept), a role and a service its environments mapped.
        self.heat.stacks.environment.return_value = {'resource_registry': {
            'OS::TripleO::Controller': 'file:///old/puppet/'
                                       'controller-role.yaml',
            'OS::TripleO::Compute': 'OS::Heat::None',
            'OS::TripleO::Services::A': 'mine.yaml'}}
        action = stack_action.UpdateStackAction(
            'oc', templates=self.tht, step='converge',
            work_dir=self.work_dir)
        result = action.run(context())
        self.assertEqual(
            '2 resource mapping(s) of the environment of stack oc would go '
            'back to the templates\' defaults, as when an environment file '
            'of the original deploy is left out: OS::TripleO::Compute '
            '(OS::Heat::None -> puppet/compute-role.yaml), '
            'OS::TripleO::Services::A (mine.yaml -> a.yaml). Pass every '
            'environment file of the original deploy again (-e), or '
            '--allow-lost-mappings if these defaults are what you mean; '
            'stack oc was not updated', result.error)
        self.assertFalse(self.heat.stacks.update.called)
        # Given again by the environments: nothing lost.
        action.environment = {'resource_registry': {
            'OS::TripleO::Compute': 'OS::Heat::None',
            'OS::TripleO::Services::A': 'OS::Heat::None'}}
        self.assertEqual('sid', action.run(context())['stack_id'])
        # Or told to.
        action.environment = {}
        action.allow_lost_mappings = True
        self.assertEqual('sid', action.run(context())['stack_id'])

    def test_what_prepare_mapped_goes_at_converge(self):
        from heatclient import exc as heat_exc
        self.heat.resources.get.side_effect = heat_exc.HTTPNotFound()
        self.heat.stacks.environment.return_value = {'resource_registry': {
            'OS::TripleO::Services::A': 'OS::Heat::None'}}
        result = stack_action.UpdateStackAction(
            'oc', templates=self.tht, step='converge',
            work_dir=self.work_dir).run(context())
        self.assertEqual('sid', result['stack_id'])

    def test_bad_templates_do_not_update(self):
        result = stack_action.UpdateStackAction(
            'oc', templates=os.path.join(self.tmp, 'nope'), step='prepare',
            work_dir=self.work_dir).run(context())
        self.assertIn('does not exist (--templates); stack oc was not '
                      'updated', result.error)
        self.assertFalse(self.heat.stacks.update.called)


def upstream_lines():
    path = os.path.join(os.path.dirname(__file__), 'fixtures',
                        'upstream_command_lines.json')
    with open(path) as f:
        return json.load(f)


# OSC's own options, which it takes wherever they are on the line.
OSC_GLOBAL_OPTIONS = ('--debug',)


class TestUpstreamCommandLines(CommandTestCase):
    """What tripleo-upgrade renders (tools/upstream-cli-lines.py)."""

    COMMANDS = {'prepare': ffwd_upgrade.FFWDUpgradePrepare,
                'converge': ffwd_upgrade.FFWDUpgradeConverge}

    def test_every_rendered_line_parses(self):
        lines = upstream_lines()
        self.assertEqual(18, len(lines))
        for line in lines:
            cmd = self.command(self.COMMANDS[line['step']])
            args = [a for a in line['args'] if a not in OSC_GLOBAL_OPTIONS]
            parsed = self.check_parser(cmd, args)
            self.assertEqual('/usr/share/openstack-tripleo-heat-templates',
                             parsed.templates, line)
            self.assertTrue(parsed.yes, line)

    def test_every_upstream_deploy_option_parses(self):
        # `overcloud deploy` of tripleoclient 9.3.1, 10.7.1 and 11.5.2,
        # and prepare's own (--yes, --ceph-ansible-playbook).
        options = [
            '--templates', '--stack', '--timeout', '-t', '--libvirt-type',
            '--ntp-server', '--no-proxy', '--overcloud-ssh-user',
            '--overcloud-ssh-key', '--overcloud-ssh-network',
            '--environment-file', '-e', '--environment-directory',
            '--roles-file', '-r', '--networks-file', '-n',
            '--plan-environment-file', '-p', '--no-cleanup',
            '--update-plan-only', '--validation-errors-nonfatal',
            '--validation-warnings-fatal', '--disable-validations',
            '--inflight-validations', '--dry-run', '--run-validations',
            '--skip-postconfig', '--force-postconfig',
            '--skip-deploy-identifier', '--rhel-reg', '--reg-method',
            '--reg-org', '--reg-force', '--reg-sat-url',
            '--reg-activation-key', '--answers-file',
            '--disable-password-generation', '--deployed-server',
            '--config-download', '--no-config-download', '--stack-only',
            '--config-download-only', '--output-dir',
            '--override-ansible-cfg', '--config-download-timeout',
            '--deployment-python-interpreter', '--control-scale',
            '--compute-scale', '--ceph-storage-scale',
            '--block-storage-scale', '--swift-storage-scale',
            '--control-flavor', '--compute-flavor', '--ceph-storage-flavor',
            '--block-storage-flavor', '--swift-storage-flavor', '--yes',
            '--ceph-ansible-playbook']
        for cls in self.COMMANDS.values():
            parser = self.command(cls).get_parser('x')
            known = set(parser._option_string_actions)
            self.assertEqual([], [o for o in options if o not in known])

    def test_scale_flavor_and_ntp_become_parameters(self):
        cmd = self.command(ffwd_upgrade.FFWDUpgradePrepare)
        parsed = self.check_parser(cmd, [
            '--control-scale', '3', '--control-flavor', 'ctl',
            '--ntp-server', 'pool.ntp.org'])
        self.assertEqual({'ControllerCount': 3,
                          'OvercloudControlFlavor': 'ctl',
                          'OvercloudControllerFlavor': 'ctl',
                          'NtpServer': 'pool.ntp.org'},
                         deploy_options.parameters(parsed))

    def test_no_effect_options_say_so(self):
        cmd = self.command(ffwd_upgrade.FFWDUpgradePrepare)
        parsed = self.check_parser(cmd, [
            '--disable-validations', '--reg-org', 'x', '--stack-only'])
        self.assertEqual([
            'Note: --disable-validations has no effect here: no deploy '
            'validations run here.',
            'Note: --reg-org has no effect here: registration comes from '
            'the environment files.',
            'Note: --no-config-download has no effect here: prepare always '
            'downloads the config; run applies it.'],
            deploy_options.notices(parsed))
        self.assertEqual([], deploy_options.notices(
            self.check_parser(cmd, [])))


class TestTemplatesInput(CommandTestCase, TemplatesTestCase):

    def setUp(self):
        super(TestTemplatesInput, self).setUp()
        self.useFixture(fixtures.EnvironmentVariable('HOME', self.tmp))

    def test_template_environments_by_path_others_by_content(self):
        mine = self.write('mine.yaml',
                          'parameter_defaults:\n  AdminPassword: s3cr3t!!\n')
        cmd = self.command(ffwd_upgrade.FFWDUpgradePrepare)
        parsed = self.check_parser(cmd, [
            '--templates', self.tht, '-e', mine, '-e',
            os.path.join(self.tht, 'environments', 'extra.yaml'),
            '--compute-scale', '2'])
        got = cmd.workflow_input(parsed)
        self.assertEqual(self.tht, got['templates'])
        self.assertEqual([
            {'name': mine, 'environment': {'parameter_defaults': {
                'AdminPassword': 's3cr3t!!'}}},
            # Rendered from environments/extra.j2.yaml by the executor.
            {'path': 'environments/extra.yaml'},
            {'environment': {'parameter_defaults': {'ComputeCount': 2}}}],
            got['environments'])
        self.assertNotIn('environment', got)

    def test_templates_without_the_lifecycle_environment(self):
        newton = self.tree({'overcloud.j2.yaml': ''}, 'newton')
        cmd = self.command(ffwd_upgrade.FFWDUpgradePrepare)
        e = self.assertRaises(
            exceptions.CommandError, cmd.take_action, self.check_parser(
                cmd, ['--templates', newton, '--yes']))
        self.assertIn('have no environments/lifecycle/ffwd-upgrade-'
                      'prepare.yaml', str(e))
        self.assertEqual([], self.mistral.created)

    def test_missing_template_environment_named(self):
        cmd = self.command(ffwd_upgrade.FFWDUpgradeConverge)
        e = self.assertRaises(
            environment.EnvironmentFileError, cmd.workflow_input,
            self.check_parser(cmd, [
                '--templates', self.tht, '-e',
                os.path.join(self.tht, 'environments', 'nope.yaml')]))
        self.assertIn('environments/nope.yaml does not exist (nor its '
                      '.j2.yaml', str(e))

    def test_default_environment_directory(self):
        self.write('.tripleo/environments/10-a.yaml',
                   'parameter_defaults:\n  A: 1\n')
        cmd = self.command(ffwd_upgrade.FFWDUpgradeConverge)
        got = cmd.workflow_input(self.check_parser(cmd, []))
        self.assertEqual({'parameter_defaults': {'A': 1}},
                         got['environment'])

    def test_dry_run_starts_nothing(self):
        cmd = self.command(ffwd_upgrade.FFWDUpgradePrepare)
        cmd.take_action(self.check_parser(cmd, [
            '--templates', self.tht, '--dry-run', '--deployed-server']))
        out = cmd.app.stdout.getvalue()
        self.assertEqual([], self.mistral.created)
        self.assertIn('Note: --deployed-server has no effect here', out)
        self.assertIn('Dry run: nothing was started.', out)
        self.assertIn('environments/lifecycle/ffwd-upgrade-prepare.yaml '
                      '(lifecycle)', out)

    def test_answers_file(self):
        answers = self.write('answers.yaml', yaml.safe_dump({
            'templates': self.tht, 'environments': [
                os.path.join(self.tht, 'a.yaml')]}))
        cmd = self.command(ffwd_upgrade.FFWDUpgradePrepare)
        got = cmd.workflow_input(self.check_parser(cmd, [
            '--answers-file', answers]))
        self.assertEqual(self.tht, got['templates'])
        self.assertEqual([{'path': 'a.yaml'}], got['environments'])


class TestAbortAction(TemplatesTestCase):

    def setUp(self):
        super(TestAbortAction, self).setUp()
        self.heat = self.useFixture(HeatFixture()).heat
        self.heat.stacks.get.return_value = fake_stack(updated='t1')
        self.heat.stacks.template.return_value = {'resources': {'a': {}}}
        self.heat.stacks.environment.return_value = {
            'parameter_defaults': {'P': 1}, 'encrypted_param_names': [],
            'resource_registry': {'OS::X': 'x.yaml'}}
        self.heat.stacks.files.return_value = {'file:///x.yaml': 'y'}
        self.work_dir = os.path.join(self.tmp, 'work')

    def abort(self):
        return stack_action.AbortStackAction(
            'oc', work_dir=self.work_dir, timeout=9).run(context())

    def test_puts_back_what_heat_held(self):
        path, saved = restore_points.save_stack(
            self.work_dir, 'oc', self.heat, fake_stack(updated='t0'))
        self.assertTrue(saved)
        self.assertEqual(0o600, os.stat(path).st_mode & 0o777)
        # A second prepare keeps the first one's.
        self.assertFalse(restore_points.save_stack(
            self.work_dir, 'oc', self.heat, fake_stack())[1])
        config_dir = os.path.join(self.work_dir, 'oc')
        os.makedirs(config_dir)
        result = self.abort()
        self.assertFalse(os.path.exists(config_dir))
        self.assertEqual('t1', result['previous_updated_time'])
        self.assertEqual(path, result['restore_point'])
        kwargs = self.heat.stacks.update.call_args[1]
        self.assertEqual(
            {'existing': False, 'template': {'resources': {'a': {}}},
             'files': {'file:///x.yaml': 'y'}, 'timeout_mins': 9,
             'environment': {'parameter_defaults': {'P': 1},
                             'resource_registry': {'OS::X': 'x.yaml'}}},
            kwargs)

    def test_refused_without_a_restore_point(self):
        error = self.abort().error
        self.assertIn('No restore point for stack oc', error)
        self.assertFalse(self.heat.stacks.update.called)

    def test_refused_once_the_walk_ran(self):
        restore_points.save_stack(self.work_dir, 'oc', self.heat,
                                  fake_stack())
        with open(journal.journal_file(self.work_dir, 'oc'), 'w') as f:
            f.write(json.dumps({'event': 'runner_on_ok', 'time': 1,
                                'event_data': {'host': 'c0', 'task': 't',
                                               'release': 'ocata',
                                               'step': '0'}}) + '\n')
        error = self.abort().error
        self.assertIn('Not aborting: the walk already ran on the nodes (c0: '
                      'ocata 0)', error)
        self.assertIn('"openstack overcloud ffwd-upgrade run --stack oc" '
                      'resumes', error)
        self.assertFalse(self.heat.stacks.update.called)

    def test_converge_ends_the_upgrade_state(self):
        restore_points.save_stack(self.work_dir, 'oc', self.heat,
                                  fake_stack())
        aside = restore_points.end_upgrade(self.work_dir, 'oc')
        self.assertTrue(os.path.isfile(os.path.join(
            aside, restore_points.STACK_FILE)))
        self.assertIsNone(restore_points.read(self.work_dir, 'oc'))
