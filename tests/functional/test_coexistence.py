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

"""This plugin beside python-tripleoclient 20.0.0 in one openstack CLI.

tripleoclient pins ansible<2.10 (through validations-libs), so it lives in
its own venv, named by TRIPLEO_FFU_COEXIST_VENV (tools/run-tests.sh makes
it); without it the test skips and says so.
"""

import os
import subprocess

from oslotest import base

OUR_COMMANDS = ('overcloud ffwd-upgrade prepare', 'overcloud ffwd-upgrade run',
                'overcloud ffwd-upgrade converge',
                'overcloud ffwd-upgrade status')


class TestCoexistence(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        venv = os.environ.get('TRIPLEO_FFU_COEXIST_VENV')
        if not venv or not os.path.exists(os.path.join(venv, 'bin',
                                                       'openstack')):
            self.skipTest('TRIPLEO_FFU_COEXIST_VENV names no venv with '
                          'python-tripleoclient (tools/run-tests.sh makes '
                          'one)')
        self.openstack = os.path.join(venv, 'bin', 'openstack')

    def _run(self, *args):
        proc = subprocess.run([self.openstack] + list(args),
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              timeout=300, env=dict(os.environ,
                                                    OS_AUTH_TYPE='none'))
        return proc.returncode, proc.stdout

    def test_both_plugins_load(self):
        rc, out = self._run('command', 'list', '-f', 'value')
        self.assertEqual(0, rc, out)
        for command in OUR_COMMANDS:
            self.assertIn(command, out)
        # tripleoclient's own overcloud commands are still there.
        self.assertIn('overcloud deploy', out)
        self.assertIn('overcloud upgrade run', out)
        self.assertIn('openstack.tripleoclient.v2', out)

    def test_our_help_works(self):
        rc, out = self._run('overcloud', 'ffwd-upgrade', 'run', '--help')
        self.assertEqual(0, rc, out)
        self.assertIn('--static-inventory', out)
        self.assertIn('--ssh-user', out)
