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

"""Config download and inventory on the outputs of a real Queens stack.

The fixture is the outputs of tripleo-heat-templates 8.4.1 rendered for a
keystone-only Controller + Compute, after the ffwd-upgrade prepare update
(tests/unit/fixtures/README.rst says how it is regenerated).
"""

import json
import os
import stat

import fixtures
import yaml

from tests.unit import base
from tripleo_ffu.config import download
from tripleo_ffu.config import errors
from tripleo_ffu.config import inventory
from tripleo_ffu.config import playbooks
from tripleo_ffu import journal

FIXTURE = os.path.join(os.path.dirname(__file__), 'fixtures',
                       'queens_keystone_outputs.json')

# What upstream Queens' config download (tripleo-common queens-eol,
# utils/config.py) writes for these outputs from RoleData and RoleConfig:
# every RoleData key as <key>.yaml (step_config as step_config.pp,
# external_deploy_tasks skipped), a <kind>_playbook.yaml for each kind
# named *upgrade_tasks*, and every RoleConfig entry as <name>.yaml.
ROLE_FILES = [
    'config_settings.yaml', 'deploy_steps_tasks.yaml', 'docker_config.yaml',
    'docker_config_scripts.yaml', 'docker_puppet_tasks.yaml',
    'external_post_deploy_tasks.yaml',
    'fast_forward_post_upgrade_tasks.yaml',
    'fast_forward_post_upgrade_tasks_playbook.yaml',
    'fast_forward_upgrade_tasks.yaml',
    'fast_forward_upgrade_tasks_playbook.yaml',
    'global_config_settings.yaml', 'host_prep_tasks.yaml',
    'kolla_config.yaml', 'logging_groups.yaml', 'logging_sources.yaml',
    'merged_config_settings.yaml', 'monitoring_subscriptions.yaml',
    'post_update_tasks.yaml', 'post_upgrade_tasks.yaml',
    'post_upgrade_tasks_playbook.yaml', 'pre_upgrade_rolling_tasks.yaml',
    'puppet_config.yaml', 'service_config_settings.yaml',
    'service_metadata_settings.yaml', 'service_names.yaml',
    'step_config.pp', 'update_tasks.yaml', 'upgrade_batch_tasks.yaml',
    'upgrade_tasks.yaml', 'upgrade_tasks_playbook.yaml',
    'workflow_tasks.yaml',
]
ROLE_CONFIG_FILES = [
    'boot_param_tasks.yaml', 'common_deploy_steps_tasks.yaml',
    'deploy_steps_playbook.yaml', 'docker_puppet_script.yaml',
    'external_deploy_steps_tasks.yaml',
    'external_post_deploy_steps_tasks.yaml',
    'fast_forward_upgrade_bootstrap_role_tasks.yaml',
    'fast_forward_upgrade_bootstrap_tasks.yaml',
    'fast_forward_upgrade_playbook.yaml',
    'fast_forward_upgrade_post_role_tasks.yaml',
    'fast_forward_upgrade_prep_role_tasks.yaml',
    'fast_forward_upgrade_prep_tasks.yaml',
    'fast_forward_upgrade_release_tasks.yaml', 'global_vars.yaml',
    'post_update_steps_tasks.yaml', 'post_upgrade_steps_playbook.yaml',
    'post_upgrade_steps_tasks.yaml', 'pre_upgrade_rolling_steps_playbook.yaml',
    'pre_upgrade_rolling_steps_tasks.yaml', 'update_steps_playbook.yaml',
    'update_steps_tasks.yaml', 'upgrade_steps_playbook.yaml',
    'upgrade_steps_tasks.yaml',
]
SERVICE_GROUPS = {
    'docker': ['Controller'], 'haproxy': ['Controller'],
    'keepalived': ['Controller'], 'kernel': ['Compute', 'Controller'],
    'keystone': ['Controller'], 'mysql': ['Controller'],
    'nova_compute': ['Compute'], 'nova_libvirt': ['Compute'],
    'ntp': ['Compute', 'Controller'], 'rabbitmq': ['Controller'],
    'timezone': ['Compute', 'Controller'],
    'tripleo_packages': ['Compute', 'Controller'],
}


def queens_outputs():
    with open(FIXTURE) as f:
        return json.load(f)


class TestQueensConfigDownload(base.TestCase):

    def setUp(self):
        super(TestQueensConfigDownload, self).setUp()
        self.outputs = queens_outputs()
        self.files, self.report = download.render_config(
            self.outputs, 'heat-admin', 'overcloud')

    def test_file_set_is_upstreams(self):
        expected = ['%s/%s' % (role, name) for role in ('Compute',
                                                        'Controller')
                    for name in ROLE_FILES] + ROLE_CONFIG_FILES
        ours = ['task-hygiene.yaml', 'tripleo-ansible-inventory.yaml']
        self.assertEqual(sorted(expected + ours), sorted(self.files))

    def test_non_task_keys_as_upstream(self):
        role_data = self.outputs['RoleData']['Controller']
        self.assertEqual(role_data['step_config'],
                         self.files['Controller/step_config.pp'])
        self.assertIn('include ::tripleo::profile::base::docker',
                      self.files['Controller/step_config.pp'])
        self.assertEqual(role_data['service_names'], yaml.safe_load(
            self.files['Controller/service_names.yaml']))
        # Mappings stay mappings: {} or {step_N: [...]}.
        self.assertEqual({}, yaml.safe_load(
            self.files['Compute/workflow_tasks.yaml']))
        self.assertEqual(role_data['docker_puppet_tasks'], yaml.safe_load(
            self.files['Controller/docker_puppet_tasks.yaml']))
        self.assertIsNone(yaml.safe_load(
            self.files['Controller/service_metadata_settings.yaml']))
        # Strings of RoleConfig are written as they are.
        self.assertEqual(
            self.outputs['RoleConfig']['upgrade_steps_playbook'],
            self.files['upgrade_steps_playbook.yaml'])

    def test_upgrade_kinds_sorted_others_keep_tht_order(self):
        role_data = self.outputs['RoleData']['Controller']
        ffu = yaml.safe_load(
            self.files['Controller/fast_forward_upgrade_tasks.yaml'])
        self.assertEqual(sorted(role_data['fast_forward_upgrade_tasks'],
                                key=_step), ffu)
        # THT lists the package update (6) and db sync (8) before the
        # repos (3); the walk needs the steps in order.
        self.assertEqual([0, 0, 0, 0, 1, 3, 3, 3, 3, 6, 6, 8],
                         [_step(t) for t in ffu])
        self.assertEqual('keystone db sync', ffu[-1]['name'])
        self.assertEqual(role_data['update_tasks'], yaml.safe_load(
            self.files['Controller/update_tasks.yaml']))
        self.assertEqual(role_data['host_prep_tasks'], yaml.safe_load(
            self.files['Controller/host_prep_tasks.yaml']))
        wrapper = yaml.safe_load(
            self.files['Controller/upgrade_tasks_playbook.yaml'])
        self.assertEqual('Controller', wrapper[0]['hosts'])
        self.assertEqual(yaml.safe_load(
            self.files['Controller/upgrade_tasks.yaml']),
            wrapper[0]['tasks'])

    def test_no_false_hygiene_reports(self):
        # THT Queens puts the step first everywhere, and every task of a
        # stepped kind has a step test (`or` forms and step == "3" too).
        self.assertEqual([], self.report['fixed_step_order'])
        self.assertEqual([], self.report['no_step_condition'])

    def test_release_walk_converted_and_reported(self):
        play = yaml.safe_load(
            self.files['fast_forward_upgrade_playbook.yaml'])[0]
        facts = [t['set_fact'] for t in play['tasks'] if 'set_fact' in t]
        self.assertEqual(['ocata', 'pike', 'queens'], facts[0]['releases'])
        self.assertEqual('{{ releases[:-1] }}', facts[1]['ffu_releases'])
        self.assertEqual(
            [{'file': 'fast_forward_upgrade_playbook.yaml',
              'task': 'set_fact ffu_releases',
              'was': '{{ releases | difference( releases | last )}}',
              'now': '{{ releases[:-1] }}',
              'why': 'walk the releases in the order of '
                     'FastForwardUpgradeReleases on any ansible-core'}],
            self.report['converted'])
        # The stack outputs themselves are left as they were.
        original = self.outputs['RoleConfig'][
            'fast_forward_upgrade_playbook']
        self.assertIn('difference', json.dumps(original))

    def test_unknown_shapes_name_output_role_and_key(self):
        cases = [
            (('Compute', 'workflow_tasks'), ['x'],
             'RoleData[Compute][workflow_tasks] is a list, not a mapping'),
            (('Controller', 'step_config'), {'a': 1},
             'RoleData[Controller][step_config] is not a Puppet manifest'),
            (('Compute', 'upgrade_tasks'), {'a': 1},
             'RoleData[Compute][upgrade_tasks] is not a list of tasks'),
        ]
        for (role, key), value, message in cases:
            outputs = queens_outputs()
            outputs['RoleData'][role][key] = value
            e = self.assertRaises(errors.ConfigError, download.render_config,
                                  outputs, 'heat-admin')
            self.assertIn('stack output ' + message, str(e))
        outputs = queens_outputs()
        outputs['RoleData']['Compute'] = ['not', 'a', 'mapping']
        e = self.assertRaises(errors.ConfigError, download.render_config,
                              outputs, 'heat-admin')
        self.assertIn('RoleData[Compute] is a list, not a mapping', str(e))

    def test_written_private(self):
        work_dir = self.useFixture(fixtures.TempDir()).path
        config_dir, _ = download.write_config(self.files, work_dir,
                                              'overcloud')
        modes = set()
        for root, dirs, names in os.walk(config_dir):
            modes.add(('dir', stat.S_IMODE(os.stat(root).st_mode)))
            for name in names:
                modes.add(('file', stat.S_IMODE(
                    os.stat(os.path.join(root, name)).st_mode)))
        self.assertEqual({('dir', 0o700), ('file', 0o600)}, modes)


def _step(task):
    when = task.get('when') or []
    for condition in when if isinstance(when, list) else [when]:
        if condition.startswith('step|int =='):
            return int(condition.split('==')[1])
    return -1


class TestQueensInventory(base.TestCase):
    """Upstream Queens' tripleo-ansible-inventory shape, same outputs."""

    def setUp(self):
        super(TestQueensInventory, self).setUp()
        self.outputs = queens_outputs()
        self.inv = inventory.build_inventory(self.outputs, 'heat-admin',
                                             'overcloud')

    def test_groups(self):
        self.assertEqual(
            sorted(['Undercloud', 'Controller', 'Compute', 'overcloud'] +
                   list(SERVICE_GROUPS)), sorted(self.inv))
        for service, roles in SERVICE_GROUPS.items():
            self.assertEqual({'children': {r: {} for r in roles},
                              'vars': {'ansible_ssh_user': 'heat-admin'}},
                             self.inv[service], service)
        self.assertEqual({'Compute': {}, 'Controller': {}},
                         self.inv['overcloud']['children'])
        self.assertEqual(
            {'ctlplane_vip': '127.0.10.5', 'external_vip': '127.0.10.5',
             'internal_api_vip': '127.0.10.5', 'storage_vip': '127.0.10.5',
             'storage_mgmt_vip': '127.0.10.5'},
            self.inv['overcloud']['vars'])
        undercloud = self.inv['Undercloud']
        self.assertEqual({'undercloud': {}}, undercloud['hosts'])
        self.assertEqual('local', undercloud['vars']['ansible_connection'])
        self.assertEqual('overcloud', undercloud['vars']['plan'])

    def test_hosts_and_vars(self):
        server_ids = self.outputs['ServerIdData']
        controller_id = server_ids['server_ids']['Controller'][0]
        compute_id = server_ids['server_ids']['Compute'][0]
        # Queens: ONE bootstrap server id, applied to all roles.
        self.assertEqual(controller_id, server_ids['bootstrap_server_id'])
        networks = ['ctlplane', 'external', 'internal_api', 'management',
                    'storage', 'storage_mgmt', 'tenant']
        for role, name, address, server_id, bootstrap in (
                ('Controller', 'overcloud-controller-0', '127.0.10.11',
                 controller_id, True),
                ('Compute', 'overcloud-novacompute-0', '127.0.10.21',
                 compute_id, False)):
            self.assertEqual({'ansible_ssh_user': 'heat-admin',
                              'bootstrap_server_id': controller_id,
                              'role_name': role,
                              'tripleo_role_name': role},
                             self.inv[role]['vars'])
            host = self.inv[role]['hosts'][name]
            expected = {'ansible_host': address,
                        'deploy_server_id': server_id,
                        'enabled_networks': networks,
                        'tripleo_bootstrap_node': bootstrap}
            expected.update(('%s_ip' % net, address) for net in networks)
            self.assertEqual(expected, host)


class TestReleaseWalkConversion(base.TestCase):

    def test_string_playbook_converted(self):
        text = ('- hosts: overcloud\n  tasks:\n'
                '  - set_fact: {releases: [ocata, pike, queens]}\n'
                '  - set_fact:\n'
                '      ffu_releases: "{{ releases | difference('
                'releases | last) }}"\n')
        plays, changes, resume = playbooks.convert(
            'fast_forward_upgrade_playbook.yaml', text)
        self.assertEqual('{{ releases[:-1] }}',
                         plays[0]['tasks'][1]['set_fact']['ffu_releases'])
        self.assertEqual(1, len(changes))
        self.assertEqual([], resume)

    def test_other_files_and_good_walks_untouched(self):
        good = [{'hosts': 'all', 'tasks': [
            {'set_fact': {'ffu_releases': '{{ releases[:-1] }}'}}]}]
        self.assertEqual((good, [], []), playbooks.convert(
            'fast_forward_upgrade_playbook.yaml', good))
        text = 'ffu_releases: "{{ a | difference(b) }}"\n'
        self.assertEqual((text, [], []), playbooks.convert(
            'global_vars.yaml', text))


class TestResumePoints(base.TestCase):
    """THT 8.4.1's step loops get the journal's skip condition."""

    PREP = ('- name: get bootstrap nodeid\n'
            '  command: hiera bootstrap_nodeid\n'
            '- include_tasks: fast_forward_upgrade_prep_role_tasks.yaml\n'
            '  with_sequence: start=0 end=3\n'
            '  loop_control:\n'
            '    loop_var: step\n')

    def test_step_loops_get_the_condition(self):
        tasks, converted, resume = playbooks.convert(
            'fast_forward_upgrade_prep_tasks.yaml', self.PREP)
        self.assertEqual([], converted)
        self.assertEqual([{'file': 'fast_forward_upgrade_prep_tasks.yaml',
                           'include': 'fast_forward_upgrade_prep_role_'
                                      'tasks.yaml'}], resume)
        self.assertNotIn('when', tasks[0])
        self.assertEqual([journal.SKIP_CONDITION], tasks[1]['when'])

    def test_existing_conditions_kept_and_added_once(self):
        tasks = [{'include_tasks': 'x.yaml', 'when': 'a|bool',
                  'loop_control': {'loop_var': 'step'}},
                 {'include_tasks': 'y.yaml',
                  'loop_control': {'loop_var': 'release'}}]
        tasks, _, resume = playbooks.convert(
            'fast_forward_upgrade_bootstrap_tasks.yaml', tasks)
        self.assertEqual(['a|bool', journal.SKIP_CONDITION],
                         tasks[0]['when'])
        self.assertNotIn('when', tasks[1])
        again = playbooks.convert('fast_forward_upgrade_bootstrap_tasks'
                                  '.yaml', tasks)
        self.assertEqual((tasks, [], []), again)

    def test_loops_in_plays_and_blocks(self):
        plays = [{'hosts': 'all', 'tasks': [{'block': [
            {'include_tasks': 'z.yaml',
             'loop_control': {'loop_var': 'step'}}]}]}]
        plays, _, resume = playbooks.convert(
            'fast_forward_upgrade_playbook.yaml', plays)
        self.assertEqual(1, len(resume))
        self.assertIn(journal.SKIP_CONDITION,
                      plays[0]['tasks'][0]['block'][0]['when'])
