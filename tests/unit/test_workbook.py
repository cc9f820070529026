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

from tests.unit import base
from tripleo_ffu import compat
from tripleo_ffu.workflows import registration

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
WORKBOOK = os.path.join(ROOT, 'workbooks', 'ffwd_upgrade.yaml')


def registered_actions():
    return {name for name, _ in base.setup_cfg_entry_points(
        'mistral.actions')}


class TestWorkbook(base.TestCase):

    def setUp(self):
        super(TestWorkbook, self).setUp()
        with open(WORKBOOK) as f:
            self.text = f.read()
        self.data = compat.ordered_yaml_load(self.text)

    def test_mistral_parses_and_validates_it(self):
        from mistral.lang import parser
        try:
            spec = parser.get_workbook_spec_from_yaml(self.text,
                                                      validate=True)
        except TypeError:  # Mistral 6 (Queens) always validates.
            spec = parser.get_workbook_spec_from_yaml(self.text)
        self.assertEqual('tripleo.ffwd_upgrade.v1', spec.get_name())
        self.assertEqual(['abort', 'converge', 'preflight', 'prepare',
                          'restore', 'run', 'update_and_wait'],
                         sorted(w.get_name() for w in spec.get_workflows()))

    def test_prepare_and_converge_share_the_stack_update(self):
        update = self.data['workflows']['update_and_wait']
        self.assertEqual(['update_stack', 'wait_stack'],
                         list(update['tasks']))
        for step in ('prepare', 'converge'):
            task = self.data['workflows'][step]['tasks']['update_stack']
            self.assertEqual('update_and_wait', task['workflow'])
            self.assertEqual('report_failure', task['on-error'])
        # A failed update or wait ends the sub-workflow with its message.
        for task in update['tasks'].values():
            self.assertEqual(['fail(msg=<% $.message %>)'], task['on-error'])

    def test_one_error_branch_per_task(self):
        for name, workflow in self.steps():
            for task_name, task in workflow['tasks'].items():
                for branch in ('on-success', 'on-error', 'on-complete'):
                    value = task.get(branch)
                    if isinstance(value, list):
                        # Only engine commands: no branching on results.
                        self.assertEqual(1, len(value), (name, task_name))
                        self.assertTrue(str(value[0]).startswith('fail('))

    def steps(self):
        from tripleo_ffu import contract
        return [(name, self.data['workflows'][name])
                for name in contract.STEPS]

    def test_expressions_are_single_lines(self):
        # Mistral only evaluates "<% ... %>" within one line: a folded
        # YAML scalar whose continuation is indented keeps its newline.
        def strings(value):
            if isinstance(value, dict):
                for v in value.values():
                    for found in strings(v):
                        yield found
            elif isinstance(value, list):
                for v in value:
                    for found in strings(v):
                        yield found
            elif isinstance(value, compat.string_types):
                yield value
        expressions = [v for v in strings(self.data) if '<%' in v]
        self.assertGreater(len(expressions), 50)
        for expression in expressions:
            self.assertNotIn('\n', expression)

    def test_every_workflow_is_tagged(self):
        for name, workflow in self.data['workflows'].items():
            self.assertIn('tripleo-common-managed', workflow.get('tags', []),
                          name)

    def test_outputs_carry_status_and_message(self):
        for name, workflow in self.data['workflows'].items():
            self.assertEqual('SUCCESS', workflow['output']['status'], name)
            self.assertEqual('FAILED', workflow['output-on-error']['status'])
            self.assertIn('message', workflow['output'])
            self.assertIn('message', workflow['output-on-error'])

    def test_upstream_input_names(self):
        def names(workflow):
            return {list(i)[0] if isinstance(i, dict) else i
                    for i in self.data['workflows'][workflow]['input']}
        self.assertLessEqual(
            {'stack', 'timeout', 'queue_name', 'work_dir', 'node_user',
             'environment', 'files', 'parameters'}, names('prepare'))
        self.assertLessEqual(
            {'stack', 'work_dir', 'node_user', 'playbook', 'inventory_file',
             'tags', 'skip_tags', 'limit_hosts', 'verbosity', 'extra_vars',
             'timeout', 'queue_name'}, names('run'))
        self.assertLessEqual(
            {'stack', 'timeout', 'environment', 'files', 'parameters',
             'queue_name'}, names('converge'))

    def test_every_registered_action_is_checked(self):
        self.assertEqual(registered_actions(),
                         set(registration.project_actions()))

    def test_actions_used_are_registered(self):
        known = registered_actions()
        for workflow in self.data['workflows'].values():
            for task_name, task in workflow['tasks'].items():
                if 'workflow' in task:
                    self.assertIn(task['workflow'], self.data['workflows'])
                    continue
                self.assertIn(task['action'], known, task_name)
                # Engine keywords as task names are taken as commands.
                self.assertNotIn(task_name, ('noop', 'fail', 'succeed',
                                             'pause'))

    def test_failures_end_in_error(self):
        for _, workflow in self.steps():
            tasks = workflow['tasks']
            self.assertEqual('unlock_after_failure',
                             tasks['report_failure']['on-complete'])
            self.assertEqual(['fail(msg=<% $.message %>)'],
                             tasks['unlock_after_failure']['on-complete'])

    def test_every_step_takes_the_stack_lock_first_and_gives_it_back(self):
        for name, workflow in self.steps():
            tasks = workflow['tasks']
            lock = tasks['lock_stack']
            self.assertEqual('tripleo_ffu.step_lock', lock['action'])
            self.assertEqual(name, lock['input']['step'])
            self.assertEqual('report_failure', lock['on-error'])
            # Mistral starts the tasks nothing points at: only the lock.
            targets = set()
            for task in tasks.values():
                for key in ('on-success', 'on-error', 'on-complete'):
                    value = task.get(key) or []
                    for item in [value] if isinstance(value, str) else value:
                        targets.add(list(item)[0] if isinstance(item, dict)
                                    else item)
            self.assertEqual({'lock_stack'}, set(tasks) - targets, name)
            self.assertEqual('unlock_stack',
                             tasks['report_success']['on-complete'])
            for unlock in ('unlock_stack', 'unlock_after_failure'):
                self.assertEqual('tripleo_ffu.step_unlock',
                                 tasks[unlock]['action'])

    def test_task_bounds_use_the_contracts_grace(self):
        """A task's bound: the action's own timeout plus the grace."""
        from tripleo_ffu import contract
        for workflow in self.data['workflows'].values():
            for task in workflow['tasks'].values():
                if 'timeout' in task:
                    given = task['input']['timeout']
                    self.assertEqual(
                        '%s * 60 + %d %%>' % (given[:-3],
                                              contract.ACTION_GRACE_S),
                        task['timeout'])

    def test_work_dir_is_resolved_on_the_executor(self):
        for _, workflow in self.steps():
            self.assertIn({'work_dir': None}, workflow['input'])


class TestContract(base.TestCase):
    """The workbook's defaults are the contract module's."""

    def setUp(self):
        super(TestContract, self).setUp()
        with open(contract_workbook()) as f:
            self.data = compat.ordered_yaml_load(f)

    def _defaults(self, workflow):
        return {k: v for item in self.data['workflows'][workflow]['input']
                if isinstance(item, dict) for k, v in item.items()}

    def test_defaults(self):
        from tripleo_ffu import contract
        self.assertEqual(contract.WORKBOOK_NAME, self.data['name'])
        self.assertEqual(set(contract.STEPS + contract.CHECKS) |
                         {'update_and_wait'}, set(self.data['workflows']))
        self.assertEqual(contract.DEFAULT_TIMEOUT_MIN,
                         self._defaults('update_and_wait')['timeout'])
        for step in contract.STEPS:
            defaults = self._defaults(step)
            self.assertEqual(contract.DEFAULT_TIMEOUT_MIN,
                             defaults['timeout'], step)
            self.assertEqual(contract.DEFAULT_QUEUE, defaults['queue_name'])
            # Resolved by the executor (contract.resolve_work_dir).
            self.assertIsNone(defaults['work_dir'])
        self.assertEqual(contract.DEFAULT_SSH_USER,
                         self._defaults('prepare')['node_user'])
        self.assertEqual(contract.DEFAULT_PLAYBOOK,
                         self._defaults('run')['playbook'])

    def test_outputs_and_names_of_the_contract(self):
        from tripleo_ffu import contract
        for step in contract.STEPS:
            workflow = self.data['workflows'][step]
            self.assertEqual(list(contract.OUTPUT_KEYS[step]),
                             list(workflow['output']), step)
            on_error = set(workflow['output-on-error'])
            self.assertLessEqual({'status', 'message', 'failures'}, on_error)
            self.assertLessEqual(on_error, set(contract.OUTPUT_KEYS[step]) |
                                 {'failures'}, step)
            self.assertEqual(contract.LOCK_TASK, list(workflow['tasks'])[0])
        with open(os.path.join(os.path.dirname(contract_workbook()), '..',
                               'setup.cfg')) as f:
            self.assertIn('    %s = ' % contract.EVENTS_ACTION, f.read())

    def test_run_without_mistral_is_the_run_workflow(self):
        from tripleo_ffu.v1 import local_run
        tasks = self.data['workflows']['run']['tasks']
        order = []
        name = 'lock_stack'
        while name:
            order.append(tasks[name]['action'])
            name = tasks[name].get('on-success') or tasks[name].get(
                'on-complete')
            name = name if isinstance(name, str) else None
        self.assertEqual(list(local_run.SEQUENCE), order)

    def test_notifications_typed_by_the_executions_workflow(self):
        for workflow in self.data['workflows'].values():
            for task in workflow['tasks'].values():
                if task.get('action') == 'tripleo_ffu.notify':
                    self.assertNotIn('type', task['input'])


def contract_workbook():
    from tripleo_ffu import paths
    return paths.workbook_path()
