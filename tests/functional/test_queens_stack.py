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

"""prepare and converge on the real THT 8.4.1 (Queens) stack.

The stack (keystone-only Controller + Compute, upstream's environments) is
created once per sandbox, by the first test that needs it, in the
sandbox's real Heat; the commands are the real openstack CLI through the
real Mistral.
"""

import os
import stat
import time

import yaml

from tests.functional import base
from tests.unit import test_queens_outputs
from tripleo_ffu import paths

STACK = 'queens'


class TestQueensStack(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.sandbox.create_stack('queens', STACK)
        self.heat = self.sandbox.heat_client()
        self.config_dir = paths.config_dir(self.sandbox.work_dir, STACK)

    def _step(self, step):
        args = [step, '--yes', '--stack', STACK]
        for path in self.sandbox.environments('queens', step):
            args += ['-e', path]
        result = self.openstack(*args)
        self.assertEqual(0, result.rc, result)
        self.assertIn('FFWD Upgrade %s on stack %s complete.'
                      % (step.capitalize(), STACK), result.out)
        return result

    def _wait_update(self, since):
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            stack = self.heat.stacks.get(STACK)
            if (stack.updated_time != since and
                    not stack.stack_status.endswith('IN_PROGRESS')):
                return stack
            time.sleep(2)
        self.fail('stack %s still updating after 600 s' % STACK)

    def _registry(self):
        return self.heat.stacks.environment(STACK)['resource_registry']

    def _defaults(self):
        return self.heat.stacks.environment(STACK)['parameter_defaults']

    def test_prepare_converge_then_normal_updates(self):
        prepared = self._step('prepare')
        stack = self.heat.stacks.get(STACK)
        self.assertEqual('UPDATE_COMPLETE', stack.stack_status)
        defaults = self._defaults()
        self.assertEqual('FASTFORWARDUPGRADE', defaults['StackUpdateType'])
        self.assertEqual('UPDATE', defaults['StackAction'])
        self.assertIn('converted: fast_forward_upgrade_playbook.yaml '
                      'set_fact ffu_releases', prepared.out)
        self.assertIn("cannot load: deploy_steps_playbook.yaml line 27 "
                      "(task \"Common roles for TripleO servers\"): the role "
                      "'tripleo-bootstrap' was not found", prepared.out)

        # The upstream file set, private, and the inventory by short name.
        found = set()
        for root, dirs, names in os.walk(self.config_dir):
            self.assertEqual(0o700, stat.S_IMODE(os.stat(root).st_mode))
            for name in names:
                path = os.path.join(root, name)
                self.assertEqual(0o600, stat.S_IMODE(os.stat(path).st_mode),
                                 path)
                found.add(os.path.relpath(path, self.config_dir))
        for role in ('Controller', 'Compute'):
            for name in test_queens_outputs.ROLE_FILES:
                self.assertIn('%s/%s' % (role, name), found)
        for name in test_queens_outputs.ROLE_CONFIG_FILES:
            self.assertIn(name, found)
        with open(os.path.join(self.config_dir, paths.INVENTORY_FILE)) as f:
            inventory = yaml.safe_load(f)
        self.assertEqual(['queens-controller-0'],
                         list(inventory['Controller']['hosts']))
        self.assertEqual({'Controller': {}},
                         inventory['keystone']['children'])

        self._step('converge')
        stack = self.heat.stacks.get(STACK)
        self.assertEqual('UPDATE_COMPLETE', stack.stack_status)
        self.assertEqual('', self._defaults()['StackUpdateType'])
        # The deployments are config-download values again, not no-ops.
        self.assertTrue(self._registry()['OS::Heat::SoftwareDeployment']
                        .endswith('config-download-software.yaml'))

        # A normal stack update (new hieradata) works after converge.
        since = stack.updated_time
        self.heat.stacks.update(stack.id, existing=True, environment={
            'parameter_defaults': {
                'ExtraConfig': {'tripleo_ffu::after_converge': True}}})
        stack = self._wait_update(since)
        self.assertEqual('UPDATE_COMPLETE', stack.stack_status,
                         stack.stack_status_reason)
        self.assertIn('tripleo_ffu::after_converge',
                      stack.parameters['ExtraConfig'])
