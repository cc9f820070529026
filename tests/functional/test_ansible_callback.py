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

"""The progress callback under the real ansible-playbook (no servers)."""

import os
import textwrap

import fixtures
from oslotest import base

from tripleo_ffu.ansible import events
from tripleo_ffu.ansible import runner

PLAYBOOK = textwrap.dedent('''\
    - hosts: all
      gather_facts: false
      tasks:
        - name: Steps of a release
          include_tasks: steps.yaml
          loop: [1, 2]
          loop_control: {loop_var: step}
          vars: {release: pike}
          when: inventory_hostname == 'node-a'
        - name: Say hello
          command: echo hello
        - name: Break on one host
          command: /bin/false
          when: inventory_hostname == 'node-b'
        - name: Skipped everywhere
          debug: msg=never
          when: false
''')
INVENTORY = textwrap.dedent('''\
    all:
      hosts:
        node-a: {}
        node-b: {}
        node-c: {ansible_host: 127.0.0.1, ansible_connection: ssh,
                 ansible_port: %d, ansible_ssh_common_args:
                 "-o ConnectTimeout=2", ansible_ssh_retries: 0}
      vars:
        ansible_connection: local
        ansible_python_interpreter: "{{ ansible_playbook_python }}"
''')


# The Queens-era environment (Python 2.7, Ansible 2.9) that the test
# command creates: tools/setup-queens-env.sh.
QUEENS_VENV_ENV = 'TRIPLEO_FFU_QUEENS_VENV'


class TestCallbackWithRealAnsible(base.BaseTestCase):

    def test_events_recap_and_failures(self):
        self._check_runtime(runner.find_ansible_playbook())

    def test_ansible_2_9_on_python_2_7(self):
        """A Queens undercloud's runtime loads the callback and reports."""
        venv = os.environ.get(QUEENS_VENV_ENV)
        if not venv:
            if os.environ.get('TRIPLEO_FFU_REQUIRE_SANDBOX'):
                self.fail('%s is not set' % QUEENS_VENV_ENV)
            self.skipTest('%s is not set (tools/run-tests.sh sets it)'
                          % QUEENS_VENV_ENV)
        ansible_playbook = os.path.join(venv, 'bin', 'ansible-playbook')
        self.assertTrue(runner.ansible_version(ansible_playbook).startswith(
            'ansible 2.9.'))
        self._check_runtime(ansible_playbook)

    def test_several_playbooks_in_one_run(self):
        """run --roles: the events of every playbook, the failure named."""
        self._check_several_playbooks(runner.find_ansible_playbook())
        venv = os.environ.get(QUEENS_VENV_ENV)
        if venv:
            self._check_several_playbooks(
                os.path.join(venv, 'bin', 'ansible-playbook'))

    def _check_several_playbooks(self, ansible_playbook):
        work = self.useFixture(fixtures.TempDir()).path
        for name, task in (('first.yaml', 'command: echo first'),
                           ('second.yaml', 'command: "false"')):
            with open(os.path.join(work, name), 'w') as f:
                f.write('- hosts: all\n  gather_facts: false\n  tasks:\n'
                        '    - name: In %s\n      %s\n' % (name, task))
        with open(os.path.join(work, 'inv.yaml'), 'w') as f:
            f.write('all:\n  hosts:\n    node-a: {}\n  vars:\n'
                    '    ansible_connection: local\n'
                    '    ansible_python_interpreter: '
                    '"{{ ansible_playbook_python }}"\n')
        events_file = os.path.join(work, 'events', 'run.jsonl')
        argv = runner.build_command(ansible_playbook,
                                    ['first.yaml', 'second.yaml'], 'inv.yaml')
        result = runner.run_playbook(work, argv, events_file, 120)
        self.assertNotEqual(0, result['rc'])
        self.assertEqual([('node-a', 'In second.yaml')],
                         [(f['host'], f['task']) for f in result['failures']])
        self.assertEqual(1, result['recap']['node-a']['failures'])
        parsed, _ = events.read_new_events(events_file, 0)
        self.assertEqual(['first.yaml', 'second.yaml'], [
            e['event_data']['playbook'] for e in parsed
            if e['event'] == 'playbook_on_start'])

    def _check_runtime(self, ansible_playbook):
        from tripleo_ffu_sandbox import processes
        work = self.useFixture(fixtures.TempDir()).path
        with open(os.path.join(work, 'play.yaml'), 'w') as f:
            f.write(PLAYBOOK)
        with open(os.path.join(work, 'steps.yaml'), 'w') as f:
            f.write('- name: Step {{ step }}\n  command: echo {{ step }}\n')
        with open(os.path.join(work, 'inv.yaml'), 'w') as f:
            # A port nobody listens on: node-c is unreachable.
            f.write(INVENTORY % processes.free_port())
        events_file = os.path.join(work, 'events', 'run.jsonl')
        argv = runner.build_command(ansible_playbook, 'play.yaml',
                                    'inv.yaml')
        result = runner.run_playbook(work, argv, events_file, 120)

        self.assertNotEqual(0, result['rc'])
        failures = {(f['host'], f['task'], f['unreachable'])
                    for f in result['failures']}
        self.assertEqual({('node-b', 'Break on one host', False),
                          ('node-c', 'Say hello', True)}, failures)
        self.assertEqual({'node-a', 'node-b', 'node-c'},
                         set(result['recap']))
        self.assertEqual(1, result['recap']['node-b']['failures'])
        self.assertEqual(1, result['recap']['node-c']['unreachable'])

        parsed, _ = events.read_new_events(events_file, 0)
        kinds = [e['event'] for e in parsed]
        self.assertEqual('playbook_on_start', kinds[0])
        self.assertEqual('playbook_on_stats', kinds[-1])
        self.assertIn('runner_on_skipped', kinds)
        ok = [e for e in parsed if e['event'] == 'runner_on_ok']
        self.assertEqual({'node-a', 'node-b'},
                         {e['event_data']['host'] for e in ok})
        # Included tasks carry the release and step of their loop.
        steps = [events.format_event(e) for e in ok
                 if e['event_data']['task'].startswith('Step ')]
        self.assertEqual(['  changed: node-a | Step 1 (release pike, step 1)',
                          '  changed: node-a | Step 2 (release pike, step 2)'],
                         steps)
        self.assertGreater(os.path.getsize(result['log_path']), 0)
        self.assertTrue(os.access(result['command_script'], os.X_OK))
