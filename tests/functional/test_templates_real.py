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

"""The real tripleo-heat-templates 8.4.1 and upstream's real command lines.

The templates are the sandbox's (the THT sdist of the package registry);
the stack update from them runs in test_queens_stack.
"""

import filecmp
import json
import os
import shutil
import tempfile

from tests.functional import base
from tripleo_ffu import templates
from tripleo_ffu_sandbox import queens

UPSTREAM_THT = '/usr/share/openstack-tripleo-heat-templates'
UPSTREAM_HOME = '/home/stack/'
LINES = os.path.join(os.path.dirname(os.path.dirname(__file__)), 'unit',
                     'fixtures', 'upstream_command_lines.json')


def differences(comparison, prefix=''):
    """Files of the left tree that differ or are missing on the right."""
    found = [os.path.join(prefix, n) for n in comparison.diff_files +
             comparison.left_only
             if n != '__pycache__' and not n.endswith('.pyc')]
    for name, sub in comparison.subdirs.items():
        found += differences(sub, os.path.join(prefix, name))
    return found


class TestRealTemplates(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.rendered_by_tht = self.sandbox.overclouds.queens_templates()
        self.source = queens.fetch_tht(self.sandbox.overclouds.tht_dir)
        self.tmp = tempfile.mkdtemp(prefix='tripleo-ffu-tht-')
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_rendered_as_tht_own_process_templates(self):
        out = os.path.join(self.tmp, 'rendered')
        rendered = templates.render(self.source, out,
                                    queens.roles_file(self.source))
        self.assertGreater(len(rendered), 50)
        # Every file THT's tool writes, the same here (which also keeps the
        # j2 sources). roles_data.yaml: the roles rendered for, where THT's
        # tool keeps the original.
        self.assertEqual(['roles_data.yaml'], differences(
            filecmp.dircmp(self.rendered_by_tht, out, ignore=[])))

    def _upstream_files(self, args):
        """The line's paths made real: a copy of THT, the operator's files.

        Files the Queens templates lack (a later release's) are added
        empty to the copy; the operator's are empty environments, apart
        from the roles and networks files.
        """
        tht = os.path.join(self.tmp, 'tht')
        if not os.path.isdir(tht):
            shutil.copytree(self.source, tht)
        home = os.path.join(self.tmp, 'home')
        os.makedirs(home, exist_ok=True)
        result = []
        for arg in args:
            if arg.startswith(UPSTREAM_THT):
                arg = tht + arg[len(UPSTREAM_THT):]
                if arg != tht and not os.path.exists(arg) and not (
                        os.path.exists(templates.j2_name(arg))):
                    with open(arg, 'w') as f:
                        f.write('{}\n')
            elif arg.startswith(UPSTREAM_HOME):
                name = arg[len(UPSTREAM_HOME):]
                arg = os.path.join(home, name)
                source = {'roles_data.yaml': 'roles_data.yaml',
                          'network_data.yaml': 'network_data.yaml'}.get(name)
                if source:
                    shutil.copyfile(os.path.join(self.source, source), arg)
                else:
                    with open(arg, 'w') as f:
                        f.write('parameter_defaults: {}\n')
            result.append(arg)
        return result

    def test_upstream_command_lines_dry_run(self):
        """The real CLI takes tripleo-upgrade's lines (typical variables)."""
        with open(LINES) as f:
            lines = [line for line in json.load(f)
                     if line['variables'] == 'typical']
        self.assertEqual(6, len(lines))
        for line in lines:
            args = self._upstream_files(line['args'])
            result = self.openstack(line['step'], '--dry-run', *args)
            self.assertEqual(0, result.rc, (line, result))
            self.assertIn('Dry run: nothing was started.', result.out)
            # The j2-only network-isolation.yaml, named by path.
            self.assertIn('  environments/network-isolation.yaml\n',
                          result.out)
            self.assertIn('environments/lifecycle/ffwd-upgrade-%s.yaml '
                          '(lifecycle)' % line['step'], result.out)
