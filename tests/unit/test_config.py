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

import os
import subprocess

import yaml

from tests.unit import base
from tripleo_ffu.config import download
from tripleo_ffu.config import errors
from tripleo_ffu.config import inventory
from tripleo_ffu.config import overcloudrc
from tripleo_ffu.config import tasks


class TestTaskHygiene(base.TestCase):

    def test_condition_step_forms(self):
        self.assertEqual(2, tasks.condition_step('step|int == 2'))
        self.assertEqual(4, tasks.condition_step(' step | int == 4 '))
        self.assertEqual(1, tasks.condition_step('step == 1'))
        self.assertEqual(3, tasks.condition_step('step == "3"'))
        self.assertEqual(2, tasks.condition_step('step|int == 2 and x'))
        # Forms THT Queens uses: a step in an `or`, in parentheses, {{ }}.
        self.assertEqual(0, tasks.condition_step(
            'step|int == 0 or step|int == 3'))
        self.assertEqual(0, tasks.condition_step(
            '(step|int == 0 or step|int == 3) and yum_pid_file.stat.exists'))
        self.assertEqual(5, tasks.condition_step('{{ step|int == 5 }}'))
        self.assertIsNone(tasks.condition_step("release == 'ocata'"))
        self.assertIsNone(tasks.condition_step('prestep|int == 2'))
        self.assertIsNone(tasks.condition_step(True))

    def test_sorted_kinds_are_the_upgrade_kinds(self):
        for kind in ('fast_forward_upgrade_tasks', 'upgrade_tasks',
                     'fast_forward_post_upgrade_tasks', 'post_upgrade_tasks'):
            self.assertTrue(tasks.is_sorted_kind(kind), kind)
        for kind in ('update_tasks', 'deploy_steps_tasks', 'host_prep_tasks',
                     'pre_upgrade_rolling_tasks'):
            self.assertFalse(tasks.is_sorted_kind(kind), kind)

    def test_step_moved_first_and_reported(self):
        task = {'name': 'Stop', 'when': ['release == "o"', 'x.rc == 0',
                                         'step|int == 2']}
        fixed_tasks, fixed, stepless = tasks.put_step_first([task])
        self.assertEqual(['step|int == 2', 'release == "o"', 'x.rc == 0'],
                         fixed_tasks[0]['when'])
        self.assertEqual(['Stop'], fixed)
        self.assertEqual([], stepless)
        # The input is not changed in place.
        self.assertEqual('step|int == 2', task['when'][2])

    def test_step_already_first_untouched(self):
        task = {'name': 'A', 'when': ['step|int == 1', 'y']}
        result, fixed, _ = tasks.put_step_first([task])
        self.assertIs(task, result[0])
        self.assertEqual([], fixed)

    def test_stepless_reported_not_changed(self):
        task = {'debug': 'msg=hi', 'when': "release == 'pike'"}
        result, fixed, stepless = tasks.put_step_first([task, {'x': 1}])
        self.assertEqual(task, result[0])
        self.assertEqual(['task #1', 'task #2'], stepless)
        self.assertEqual([], fixed)

    def test_string_when_with_step_is_fine(self):
        _, fixed, stepless = tasks.put_step_first(
            [{'name': 'S', 'when': 'step|int == 3'}])
        self.assertEqual(([], []), (fixed, stepless))

    def test_order_by_step_is_stable(self):
        listed = [{'name': 'b4', 'when': 'step|int == 4'},
                  {'name': 'none'},
                  {'name': 'a1', 'when': ['step|int == 1']},
                  {'name': 'c4', 'when': ['x', 'step|int == 4']},
                  {'name': 'd0', 'when': 'step|int == 0'}]
        self.assertEqual(['none', 'd0', 'a1', 'b4', 'c4'],
                         [t['name'] for t in tasks.order_by_step(listed)])


class TestInventory(base.TestCase):

    def setUp(self):
        super(TestInventory, self).setUp()
        self.outputs = download.outputs_by_key(base.queens_outputs())

    def test_groups_hosts_and_bootstrap_per_role_map(self):
        inv = inventory.build_inventory(self.outputs, 'heat-admin')
        self.assertEqual({'Compute': {}, 'Controller': {}},
                         inv['overcloud']['children'])
        controller = inv['Controller']
        self.assertEqual({'ansible_ssh_user': 'heat-admin',
                          'bootstrap_server_id': 'id-c1',
                          'role_name': 'Controller',
                          'tripleo_role_name': 'Controller'},
                         controller['vars'])
        hosts = controller['hosts']
        self.assertFalse(hosts['overcloud-controller-0'][
            'tripleo_bootstrap_node'])
        self.assertTrue(hosts['overcloud-controller-1'][
            'tripleo_bootstrap_node'])
        self.assertEqual('192.0.2.11',
                         hosts['overcloud-controller-1']['ansible_host'])
        self.assertEqual('192.0.2.11',
                         hosts['overcloud-controller-1']['ctlplane_ip'])
        self.assertEqual('id-c0',
                         hosts['overcloud-controller-0']['deploy_server_id'])
        self.assertNotIn('ansible_connection',
                         hosts['overcloud-controller-0'])

    def test_only_this_machine_is_local(self):
        ips = self.outputs['RoleNetIpMap']
        ips['Compute']['ctlplane'] = ['127.0.0.1']
        ips['Controller']['ctlplane'] = ['127.0.10.11', '::1']
        inv = inventory.build_inventory(self.outputs, 'tripleo-admin')
        compute = inv['Compute']['hosts']['overcloud-novacompute-0']
        self.assertEqual('local', compute['ansible_connection'])
        self.assertEqual('{{ ansible_playbook_python }}',
                         compute['ansible_python_interpreter'])
        hosts = inv['Controller']['hosts']
        # Another loopback address is a node reached over SSH.
        self.assertNotIn('ansible_connection', hosts['overcloud-controller-0'])
        self.assertEqual('local',
                         hosts['overcloud-controller-1']['ansible_connection'])
        self.assertEqual('tripleo-admin',
                         inv['Compute']['vars']['ansible_ssh_user'])

    def test_undercloud_group_carries_keystone_vars(self):
        inv = inventory.build_inventory(
            self.outputs, 'heat-admin', 'overcloud',
            {'auth_url': 'http://ks/v3', 'username': 'admin'})
        undercloud = inv['Undercloud']['vars']
        self.assertEqual('http://ks/v3', undercloud['auth_url'])
        self.assertEqual('admin', undercloud['username'])
        self.assertEqual('overcloud', undercloud['plan'])
        self.assertNotIn('auth_url', inventory.build_inventory(
            self.outputs, 'heat-admin')['Undercloud']['vars'])

    def test_bootstrap_defaults_to_first_host(self):
        del self.outputs['ServerIdData']
        inv = inventory.build_inventory(self.outputs, 'heat-admin')
        hosts = inv['Controller']['hosts']
        self.assertTrue(hosts['overcloud-controller-0'][
            'tripleo_bootstrap_node'])
        self.assertFalse(hosts['overcloud-controller-1'][
            'tripleo_bootstrap_node'])

    def test_bootstrap_server_id_of_unknown_shape(self):
        self.outputs['ServerIdData']['bootstrap_server_id'] = ['id-c0']
        e = self.assertRaises(errors.ConfigError, inventory.build_inventory,
                              self.outputs, 'heat-admin')
        self.assertIn('ServerIdData[bootstrap_server_id] is a list', str(e))

    def test_missing_hostname_map(self):
        del self.outputs['RoleNetHostnameMap']
        e = self.assertRaises(errors.ConfigError, inventory.build_inventory,
                              self.outputs, 'heat-admin')
        self.assertIn('RoleNetHostnameMap is missing', str(e))

    def test_no_hosts_at_all(self):
        self.outputs['RoleNetHostnameMap'] = {'Controller': {}}
        self.assertRaises(errors.ConfigError, inventory.build_inventory,
                          self.outputs, 'heat-admin')

    def test_map_entry_not_a_list(self):
        self.outputs['RoleNetHostnameMap']['Compute']['ctlplane'] = 'x'
        e = self.assertRaises(errors.ConfigError, inventory.build_inventory,
                              self.outputs, 'heat-admin')
        self.assertIn('RoleNetHostnameMap[Compute][ctlplane]', str(e))

    def test_short_names(self):
        self.assertEqual('overcloud-controller-0', inventory.short_name(
            'Overcloud-Controller-0.ctlplane.localdomain'))
        self.assertEqual('node-1', inventory.short_name('node-1'))


class TestRenderConfig(base.TestCase):

    def setUp(self):
        super(TestRenderConfig, self).setUp()
        self.outputs = download.outputs_by_key(base.queens_outputs())

    def test_files_written_for_every_role_key_and_role_config(self):
        files, report = download.render_config(self.outputs, 'heat-admin')
        self.assertEqual(sorted([
            'Compute/fast_forward_upgrade_tasks.yaml',
            'Compute/fast_forward_upgrade_tasks_playbook.yaml',
            'Compute/service_names.yaml',
            'Compute/upgrade_tasks.yaml',
            'Compute/upgrade_tasks_playbook.yaml',
            'Controller/config_settings.yaml',
            'Controller/fast_forward_post_upgrade_tasks.yaml',
            'Controller/fast_forward_post_upgrade_tasks_playbook.yaml',
            'Controller/fast_forward_upgrade_tasks.yaml',
            'Controller/fast_forward_upgrade_tasks_playbook.yaml',
            'Controller/host_prep_tasks.yaml',
            'Controller/service_names.yaml',
            'Controller/upgrade_tasks.yaml',
            'Controller/upgrade_tasks_playbook.yaml',
            'fast_forward_upgrade_playbook.yaml',
            'fast_forward_upgrade_release_tasks.yaml',
            'task-hygiene.yaml',
            'tripleo-ansible-inventory.yaml']), sorted(files))
        # A RoleConfig string is written as it is; a structure as YAML.
        self.assertEqual(
            self.outputs['RoleConfig']['fast_forward_upgrade_playbook'],
            files['fast_forward_upgrade_playbook.yaml'])
        self.assertEqual(
            [{'include_tasks': 'fast_forward_upgrade_prep_tasks.yaml'}],
            yaml.safe_load(files['fast_forward_upgrade_release_tasks.yaml']))
        # A role with no tasks gets an empty list, not a missing file.
        self.assertEqual([], yaml.safe_load(
            files['Compute/fast_forward_upgrade_tasks.yaml']))
        self.assertEqual({'keystone::debug': False}, yaml.safe_load(
            files['Controller/config_settings.yaml']))

    def test_tasks_ordered_by_step_and_fixed(self):
        files, report = download.render_config(self.outputs, 'heat-admin')
        ffu = yaml.safe_load(files['Controller/fast_forward_upgrade_tasks.'
                                   'yaml'])
        self.assertEqual(['Show release', 'Check keystone', 'Stop keystone',
                          'Set up repos', 'Keystone package update',
                          'Keystone db sync'], [t['name'] for t in ffu])
        self.assertEqual('step|int == 2', ffu[2]['when'][0])
        self.assertEqual([{'role': 'Controller',
                           'file': 'Controller/fast_forward_upgrade_tasks.'
                                   'yaml',
                           'task': 'Stop keystone'}],
                         report['fixed_step_order'])
        self.assertEqual(['Show release'],
                         [t['task'] for t in report['no_step_condition']])
        self.assertEqual(report, yaml.safe_load(files['task-hygiene.yaml']))

    def test_post_upgrade_tasks_are_not_stepped(self):
        _, report = download.render_config(self.outputs, 'heat-admin')
        self.assertNotIn('Start keystone',
                         [t['task'] for t in report['no_step_condition']])

    def test_task_list_as_yaml_string_is_accepted(self):
        self.outputs['RoleData']['Compute']['upgrade_tasks'] = (
            '- name: a\n  when: step|int == 1\n')
        files, _ = download.render_config(self.outputs, 'heat-admin')
        self.assertEqual('a', yaml.safe_load(
            files['Compute/upgrade_tasks.yaml'])[0]['name'])

    def test_task_list_not_a_list_is_an_error(self):
        self.outputs['RoleData']['Compute']['upgrade_tasks'] = {'a': 1}
        e = self.assertRaises(errors.ConfigError, download.render_config,
                              self.outputs, 'heat-admin')
        self.assertIn('RoleData[Compute][upgrade_tasks]', str(e))

    def test_missing_output_is_an_error(self):
        del self.outputs['RoleConfig']
        e = self.assertRaises(errors.ConfigError, download.render_config,
                              self.outputs, 'heat-admin')
        self.assertIn('RoleConfig', str(e))

    def test_outputs_by_key_skips_broken_entries(self):
        self.assertEqual({'a': 1, 'b': None}, download.outputs_by_key(
            [{'output_key': 'a', 'output_value': 1}, {'output_key': 'b'},
             {'description': 'no key'}]))
        self.assertEqual({}, download.outputs_by_key(None))


class TestWriteConfig(base.TestCase):

    def setUp(self):
        super(TestWriteConfig, self).setUp()
        self.work_dir = self.useFixture(
            __import__('fixtures').TempDir()).path

    def test_write_then_swap_keeping_previous(self):
        first, previous = download.write_config(
            {'a.yaml': 'one', 'R/t.yaml': '[]'}, self.work_dir, 'overcloud')
        self.assertIsNone(previous)
        self.assertEqual(os.path.join(self.work_dir, 'overcloud'), first)
        with open(os.path.join(first, 'R', 't.yaml')) as f:
            self.assertEqual('[]', f.read())
        second, previous = download.write_config({'a.yaml': 'two'},
                                                 self.work_dir, 'overcloud')
        self.assertEqual(first, second)
        with open(os.path.join(previous, 'a.yaml')) as f:
            self.assertEqual('one', f.read())
        self.assertFalse(os.path.exists(os.path.join(second, 'R')))

    def test_failure_leaves_the_old_config_whole(self):
        download.write_config({'a.yaml': 'one'}, self.work_dir, 'overcloud')

        class Exploding(dict):
            def items(self):
                yield 'b.yaml', 'partial'
                raise OSError('disk full')

        self.assertRaises(OSError, download.write_config, Exploding(),
                          self.work_dir, 'overcloud')
        self.assertEqual(['overcloud'], os.listdir(self.work_dir))
        with open(os.path.join(self.work_dir, 'overcloud', 'a.yaml')) as f:
            self.assertEqual('one', f.read())

    def test_previous_configs_are_pruned(self):
        for i in range(4):
            download.write_config({'a.yaml': str(i)}, self.work_dir, 'oc',
                                  keep_previous=2)
        names = sorted(os.listdir(self.work_dir))
        self.assertEqual(3, len(names))
        self.assertEqual('oc', names[0])


class TestOvercloudrc(base.TestCase):

    OUTPUTS = {'KeystoneURL': 'http://192.0.2.5:5000/',
               'EndpointMap': {'KeystoneAdmin': {'host': '192.0.2.6'}}}

    def test_as_upstream_wrote_it(self):
        text = overcloudrc.render(
            'oc', self.OUTPUTS, {'parameter_defaults': {
                'AdminPassword': "s3'cret", 'KeystoneRegion': 'r2'}},
            no_proxy='undercloud')
        self.assertIn('export OS_AUTH_URL=http://192.0.2.5:5000/v3\n', text)
        self.assertIn("export OS_PASSWORD='s3'\"'\"'cret'\n", text)
        self.assertIn('export OS_CLOUDNAME=oc\n', text)
        self.assertIn('export OS_REGION_NAME=r2\n', text)
        self.assertIn('export no_proxy=undercloud,192.0.2.5,192.0.2.6\n',
                      text)
        # Sourced by bash, it gives the password back as it was.
        proc = subprocess.Popen(
            ['bash', '-c', 'source /dev/stdin; echo "$OS_PASSWORD"'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        out, _ = proc.communicate(text.encode('utf-8'))
        self.assertEqual(b"s3'cret\n", out)

    def test_nothing_without_keystone_or_password(self):
        self.assertIsNone(overcloudrc.render('oc', {}, {
            'parameter_defaults': {'AdminPassword': 'x'}}))
        self.assertIsNone(overcloudrc.render('oc', self.OUTPUTS, {}))
        self.assertIsNotNone(overcloudrc.render('oc', self.OUTPUTS, {
            'parameters': {'AdminPassword': 'x'}}))
