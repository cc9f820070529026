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

"""This plugin beside python-tripleoclient in one openstack CLI.

tripleoclient 20.0.0 (today's) pins ansible<2.10 (through validations-libs),
so it lives in its own venv, named by TRIPLEO_FFU_COEXIST_VENV;
tripleoclient 9.3.1 (Queens, which registers the same `overcloud
ffwd-upgrade` commands) lives in a Python 2.7 venv with the Queens
openstack CLI, named by TRIPLEO_FFU_COEXIST_QUEENS_VENV. tools/run-tests.sh
makes both; without them the tests skip and say so.
"""

import os
import subprocess

from oslotest import base

OUR_COMMANDS = ('overcloud ffwd-upgrade prepare', 'overcloud ffwd-upgrade run',
                'overcloud ffwd-upgrade converge',
                'overcloud ffwd-upgrade status')


# Runs `openstack` (Queens: pkg_resources' working set) with this plugin's
# distribution discovered first and tripleoclient's last.
TRIPLEOCLIENT_LAST = """
import sys
import pkg_resources
ws = pkg_resources.working_set
for key, first in (('tripleo-ffu', True), ('python-tripleoclient', False)):
    dist = ws.by_key[key]
    for order in (ws.entries, ws.entry_keys[dist.location]):
        item = dist.location if order is ws.entries else dist.key
        order.remove(item)
        order.insert(0 if first else len(order), item)
from openstackclient import shell
sys.argv[0] = 'openstack'
sys.exit(shell.main(sys.argv[1:]))
"""


class CoexistenceCase(base.BaseTestCase):
    """The openstack CLI of the venv that VENV names."""

    VENV = None

    def setUp(self):
        super().setUp()
        venv = os.environ.get(self.VENV)
        if not venv or not os.path.exists(os.path.join(venv, 'bin',
                                                       'openstack')):
            self.skipTest('%s names no venv with python-tripleoclient '
                          '(tools/run-tests.sh makes one)' % self.VENV)
        self.openstack = os.path.join(venv, 'bin', 'openstack')

    def _run(self, *args):
        proc = subprocess.run([self.openstack] + list(args),
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              timeout=300, env=dict(os.environ,
                                                    OS_AUTH_TYPE='none'))
        return proc.returncode, proc.stdout


class TestCoexistence(CoexistenceCase):

    VENV = 'TRIPLEO_FFU_COEXIST_VENV'

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


class TestCoexistenceWithQueensTripleoclient(CoexistenceCase):
    """Beside tripleoclient 9.3.1, ours run under the names both register.

    tripleoclient registers overcloud ffwd-upgrade prepare, run and
    converge too; ours run whatever order OSC discovers the plugins in,
    because they are in the group OSC loads after every plugin's
    (openstack.extension).

    tripleoclient is installed without its dependencies (tripleo-common
    and the clients of a whole undercloud): which implementation a command
    name resolves to depends only on its entry points and its plugin
    module, which are there.
    """

    VENV = 'TRIPLEO_FFU_COEXIST_QUEENS_VENV'

    def _run_tripleoclient_last(self, *args):
        """The openstack CLI with tripleoclient's plugin discovered last.

        The order the working set gives is an accident of how each is
        installed; with tripleoclient last, a plugin group loaded in
        discovery order would lose to it.
        """
        python = os.path.join(os.path.dirname(self.openstack), 'python')
        proc = subprocess.run([python, '-c', TRIPLEOCLIENT_LAST] +
                              list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              timeout=300, env=dict(os.environ,
                                                    OS_AUTH_TYPE='none'))
        return proc.returncode, proc.stdout

    def test_ours_run_under_the_shared_names(self):
        rc, out = self._run('command', 'list', '-f', 'value')
        self.assertEqual(0, rc, out)
        self.assertIn('openstack.tripleoclient.v1', out)
        self.assertIn('overcloud deploy', out)
        for run in (self._run, self._run_tripleoclient_last):
            for step in ('prepare', 'run', 'converge'):
                rc, out = run('overcloud', 'ffwd-upgrade', step, '--help')
                self.assertEqual(0, rc, out)
                # An option tripleoclient's commands do not have.
                self.assertIn('--work-dir', out, (run, step))
            rc, out = run('overcloud', 'ffwd-upgrade', 'run', '--help')
            self.assertIn('--roles', out)
            self.assertIn('--nodes', out)
