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

"""The workbook and the actions as the real Mistral server sees them."""

from tests.functional import base
from tripleo_ffu import contract
from tripleo_ffu.workflows import registration


class TestRegistration(base.FunctionalTestCase):

    def test_workflows_tagged_and_actions_listed(self):
        mistral = self.sandbox.mistral_client()
        workflows = {w.name: w for w in mistral.workflows.list()
                     if w.name.startswith('tripleo.ffwd_upgrade.v1.')}
        self.assertEqual({'tripleo.ffwd_upgrade.v1.prepare',
                          'tripleo.ffwd_upgrade.v1.run',
                          'tripleo.ffwd_upgrade.v1.converge',
                          'tripleo.ffwd_upgrade.v1.abort',
                          'tripleo.ffwd_upgrade.v1.preflight',
                          'tripleo.ffwd_upgrade.v1.restore',
                          'tripleo.ffwd_upgrade.v1.update_and_wait'},
                         set(workflows))
        for workflow in workflows.values():
            self.assertIn('tripleo-common-managed', workflow.tags)
        listed = {a.name for a in mistral.actions.list(limit=-1)}
        self.assertLessEqual(set(registration.project_actions()), listed)
        run = mistral.actions.get('tripleo_ffu.ansible_playbook')
        for name in ('stack', 'work_dir', 'playbook', 'limit_hosts',
                     'extra_vars', 'timeout'):
            self.assertIn(name, run.input)

    def test_workbook_deleted_by_an_undercloud_upgrade_comes_back(self):
        mistral = self.sandbox.mistral_client()
        definition = registration.workbook_definition()
        self.addCleanup(registration.ensure_registered, mistral)
        # As instack-undercloud's Mistral post-config does.
        mistral.workbooks.delete(contract.WORKBOOK_NAME)
        status = self.openstack('status')
        self.assertEqual(0, status.rc, status)
        self.assertIn('Registered workbook tripleo.ffwd_upgrade.v1 in '
                      'Mistral: it was missing', status.out)
        self.assertEqual(definition.strip(), mistral.workbooks.get(
            contract.WORKBOOK_NAME).definition.strip())

        mistral.workbooks.delete(contract.WORKBOOK_NAME)
        prepared = self.prepare()
        self.assertSucceeded(prepared, 'prepare')
        self.assertIn('Registered workbook', prepared.out)

        # A stale definition (an older package's) is replaced.
        mistral.workbooks.update(definition.replace(
            'description: TripleO fast-forward upgrade',
            'description: an older tripleo-ffu'))
        status = self.openstack('status')
        self.assertIn('Updated workbook tripleo.ffwd_upgrade.v1', status.out)
        self.assertNotIn('Registered', self.openstack('status').out)
