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

"""The real Queens config under the real Ansible runtime of the product.

The config is rendered from the outputs of a real THT 8.4.1 stack (the
unit tests' fixture); the real ansible-playbook, ansible-inventory and
ansible of the product's venv load it. No server is needed.
"""

import json
import os
import subprocess
import sys

import fixtures
from oslotest import base
import yaml

from tests.unit import test_queens_outputs
from tripleo_ffu.ansible import check
from tripleo_ffu.config import download
from tripleo_ffu import contract
from tripleo_ffu import paths

BIN = os.path.dirname(sys.executable)
# Stand-ins for the two task files the release loop includes: they only
# record which release and step ran, on which host.
RECORDER = """\
- name: Record the release walked
  lineinfile:
    path: "{{ walk_record }}.{{ inventory_hostname }}"
    line: "{{ inventory_hostname }} {{ release }} %s"
    create: true
  delegate_to: localhost
"""


class QueensConfigTestCase(base.BaseTestCase):
    # The runtime under test: the product venv's (ansible-core 2.15).
    bin_dir = BIN
    version_line = '[core 2.15.'
    mysql_module = 'community.mysql.mysql_db'

    def setUp(self):
        super().setUp()
        self.ansible_playbook = os.path.join(self.bin_dir, 'ansible-playbook')
        self.work_dir = self.useFixture(fixtures.TempDir()).path
        files, self.report = download.render_config(
            test_queens_outputs.queens_outputs(), 'heat-admin', 'overcloud')
        self.config_dir, _ = download.write_config(files, self.work_dir,
                                                   'overcloud')
        self.inventory = os.path.join(self.config_dir, paths.INVENTORY_FILE)

    def ansible(self, tool, *args, env=None):
        return subprocess.run(
            [os.path.join(self.bin_dir, tool)] + list(args),
            cwd=self.config_dir,
            capture_output=True, text=True, stdin=subprocess.DEVNULL,
            env=dict(os.environ, ANSIBLE_NOCOLOR='1', **(env or {})),
            timeout=300)


class TestReleaseWalk(QueensConfigTestCase):

    def test_ocata_then_pike_under_any_hash_seed(self):
        for name, step in (('fast_forward_upgrade_prep_tasks.yaml', 'prep'),
                           ('fast_forward_upgrade_bootstrap_tasks.yaml',
                            'bootstrap'),
                           ('fast_forward_upgrade_post_role_tasks.yaml',
                            'post')):
            with open(os.path.join(self.config_dir, name), 'w') as f:
                f.write(RECORDER % step)
        # The overcloud's hosts, reached as this machine, as root.
        local = os.path.join(self.config_dir, 'local-inventory.yaml')
        with open(local, 'w') as f:
            yaml.safe_dump({'overcloud': {'hosts': {
                'overcloud-controller-0': {}, 'overcloud-novacompute-0': {}},
                'vars': {'ansible_connection': 'local',
                         'ansible_become': False,
                         'ansible_python_interpreter':
                             '{{ ansible_playbook_python }}'}}}, f)
        for seed in ('0', '1', '2', '3', '42'):
            record = os.path.join(self.config_dir, 'walk-%s.txt' % seed)
            result = self.ansible(
                'ansible-playbook', '-i', local,
                'fast_forward_upgrade_playbook.yaml',
                '-e', 'walk_record=%s' % record,
                env={'PYTHONHASHSEED': seed})
            self.assertEqual(0, result.returncode, result.stdout +
                             result.stderr)
            with open(record + '.overcloud-controller-0') as f:
                walked = [line.split()[1:] for line in f]
            self.assertEqual([['ocata', 'prep'], ['ocata', 'bootstrap'],
                              ['pike', 'prep'], ['pike', 'bootstrap'],
                              ['queens', 'post']], walked,
                             'PYTHONHASHSEED=%s' % seed)


class TestInventoryInAnsible(QueensConfigTestCase):

    def test_limit_by_short_name_and_service_groups(self):
        result = self.ansible('ansible', '-i', self.inventory, 'overcloud',
                              '--limit', 'overcloud-controller-0',
                              '--list-hosts')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual(['hosts', '(1):', 'overcloud-controller-0'],
                         result.stdout.split())
        result = self.ansible('ansible-inventory', '-i', self.inventory,
                              '--list')
        self.assertEqual(0, result.returncode, result.stderr)
        listed = json.loads(result.stdout)
        self.assertEqual(['Controller'], listed['keystone']['children'])
        self.assertEqual(['Compute'], listed['nova_compute']['children'])
        hostvars = listed['_meta']['hostvars']['overcloud-novacompute-0']
        self.assertEqual('127.0.10.21', hostvars['ansible_host'])
        self.assertEqual('Compute', hostvars['tripleo_role_name'])
        self.assertEqual('127.0.10.5', hostvars['internal_api_vip'])

    def test_groups_keystone_seen_by_tasks(self):
        result = self.ansible(
            'ansible', '-i', self.inventory, 'undercloud', '-m', 'debug',
            '-a', 'msg={{ groups["keystone"] | join(",") }}')
        self.assertEqual(0, result.returncode, result.stdout + result.stderr)
        self.assertIn('"msg": "overcloud-controller-0"', result.stdout)


class TestRuntimeLoadsQueens(QueensConfigTestCase):

    def test_runtime_is_the_documented_one(self):
        result = self.ansible('ansible-playbook', '--version')
        self.assertIn(self.version_line, result.stdout.splitlines()[0])
        result = self.ansible('ansible-doc', '-t', 'module', '-l')
        self.assertIn(self.mysql_module, result.stdout.split())

    def test_every_file_checked_only_deploy_steps_role_missing(self):
        problems = check.check_config(self.ansible_playbook,
                                      self.config_dir, self.inventory)
        self.assertEqual(1, len(problems), problems)
        self.assertEqual('deploy_steps_playbook.yaml', problems[0]['file'])
        self.assertIn("the role 'tripleo-bootstrap' was not found",
                      problems[0]['error'])
        # The upgrade playbooks with `include:` load in this runtime.
        playbooks, task_files = check.config_files(self.config_dir)
        for name in ('upgrade_steps_playbook.yaml',
                     'post_upgrade_steps_playbook.yaml',
                     'update_steps_playbook.yaml',
                     'pre_upgrade_rolling_steps_playbook.yaml',
                     'fast_forward_upgrade_playbook.yaml'):
            self.assertIn(name, playbooks)
        self.assertIn('Controller/fast_forward_upgrade_tasks.yaml',
                      task_files)

    def test_broken_task_file_named_and_blocks_runs(self):
        path = os.path.join(self.config_dir, 'Controller',
                            'fast_forward_upgrade_tasks.yaml')
        with open(path) as f:
            tasks = yaml.safe_load(f)
        tasks.insert(3, {'name': 'Dump the keystone database',
                         'mysqldump_all': {'dest': '/tmp/x'}})
        with open(path, 'w') as f:
            yaml.safe_dump(tasks, f)
        problems = check.check_config(self.ansible_playbook,
                                      self.config_dir, self.inventory)
        broken = [p for p in problems if p['file'] ==
                  'Controller/fast_forward_upgrade_tasks.yaml']
        self.assertEqual(1, len(broken), problems)
        self.assertEqual('Dump the keystone database', broken[0]['task'])
        self.assertIn("couldn't resolve module/action 'mysqldump_all'",
                      broken[0]['error'])
        with open(os.path.join(self.config_dir, paths.CHECK_REPORT),
                  'w') as f:
            yaml.safe_dump(problems, f)
        self.assertEqual(broken, check.blocking_problems(
            self.config_dir, contract.DEFAULT_PLAYBOOK))


class TestTaskLevelWarn(QueensConfigTestCase):
    """A task file that cannot load, which a playbook includes."""

    def test_listed_once(self):
        relpath = 'Controller/upgrade_tasks.yaml'
        path = os.path.join(self.config_dir, relpath)
        with open(path) as f:
            tasks = yaml.safe_load(f)
        tasks.insert(0, {'name': 'Check the release file',
                         'command': 'cat /etc/redhat-release',
                         'warn': False, 'when': 'step|int == 0'})
        with open(path, 'w') as f:
            yaml.safe_dump(tasks, f)
        problems = check.check_config(self.ansible_playbook,
                                      self.config_dir, self.inventory)
        # Neither 2.15 nor 2.9 loads a task-level `warn` (2.15: "conflicting
        # action statements", 2.9: "unexpected parameter type in action").
        self.assertEqual(
            [relpath, 'deploy_steps_playbook.yaml'],
            sorted(p['file'] for p in problems), problems)
        self.assertEqual('Check the release file', [
            p for p in problems if p['file'] == relpath][0]['task'])


class OnAnsible29(object):
    """The same tests under a Queens undercloud's Ansible 2.9 on 2.7.

    From the venv tools/setup-queens-env.sh makes.
    """

    version_line = 'ansible-playbook 2.9.'
    mysql_module = 'mysql_db'

    def setUp(self):
        venv = os.environ.get('TRIPLEO_FFU_QUEENS_VENV')
        if not venv:
            if os.environ.get('TRIPLEO_FFU_REQUIRE_SANDBOX'):
                self.fail('TRIPLEO_FFU_QUEENS_VENV is not set')
            self.skipTest('TRIPLEO_FFU_QUEENS_VENV is not set '
                          '(tools/run-tests.sh sets it)')
        self.bin_dir = os.path.join(venv, 'bin')
        super().setUp()


class TestReleaseWalkAnsible29(OnAnsible29, TestReleaseWalk):
    pass


class TestInventoryInAnsible29(OnAnsible29, TestInventoryInAnsible):
    pass


class TestRuntimeLoadsQueensAnsible29(OnAnsible29, TestRuntimeLoadsQueens):
    pass


class TestTaskLevelWarnAnsible29(OnAnsible29, TestTaskLevelWarn):
    pass
