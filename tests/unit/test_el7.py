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

"""The EL7 stand-ins of the sandbox's node containers, off the node."""

import contextlib
import io
import json
import os
import types

import fixtures

from tests.unit import base
from tripleo_ffu.sandbox import el7


class TestEl7Tools(base.TestCase):

    def setUp(self):
        super().setUp()
        root = self.useFixture(fixtures.TempDir()).path
        for name in ('STATE', 'CALLS', 'FAIL_ON', 'HIERADATA'):
            path = os.path.join(root, name.lower())
            self.useFixture(fixtures.MonkeyPatch(
                'tripleo_ffu.sandbox.el7.%s' % name, path))
        el7.save({'repo': 'newton',
                  'packages': {'openstack-keystone': '10.0.3',
                               'os-collect-config': '5.2.1'},
                  'units': {'httpd': {'active': True, 'enabled': True}},
                  'vhosts': ['keystone_wsgi'], 'databases': []})
        with open(el7.HIERADATA, 'w') as f:
            json.dump({'bootstrap_nodeid': 'overcloud-controller-0'}, f)

    def call(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = el7.main(list(argv))
        return rc, out.getvalue(), err.getvalue()

    def test_yum_follows_the_repos_and_never_downgrades(self):
        self.assertEqual(0, self.call('yum', '-y', 'update',
                                      'openstack-keystone*')[0])
        self.assertEqual('10.0.3', el7.load()['packages'][
            'openstack-keystone'])
        self.call('tripleo-ffu-repos', 'ocata')
        rc, out, _ = self.call('yum', '-y', 'update', 'openstack-keystone*')
        self.assertEqual('Updated: openstack-keystone 10.0.3 -> 11.0.4\n',
                         out)
        self.assertEqual('5.2.1', el7.load()['packages']['os-collect-config'])
        rc, out, err = self.call('tripleo-ffu-repos', 'newton')
        self.assertEqual(1, rc)
        self.assertIn('repos are at ocata; refusing to go back', err)
        self.assertEqual(0, self.call('tripleo-ffu-repos', 'queens')[0])
        self.call('yum', '-y', 'update')
        self.assertEqual({'openstack-keystone': '13.0.4',
                          'os-collect-config': '8.3.1'},
                         el7.load()['packages'])

    def test_rpm_and_yum_install(self):
        self.assertEqual((1, 'package httpd is not installed\n', ''),
                         self.call('rpm', '-q', 'httpd'))
        self.call('yum', '-y', 'install', 'httpd')
        self.assertEqual((0, 'httpd-2.4.6\n', ''),
                         self.call('rpm', '-q', 'httpd'))
        rc, _, err = self.call('yum', '-y', 'install', 'nope')
        self.assertEqual((1, 'yum: No package nope available.\n'), (rc, err))

    def test_systemctl_states_and_show(self):
        self.assertEqual(0, self.call('systemctl', 'is-active', '--quiet',
                                      'httpd')[0])
        self.call('systemctl', 'stop', 'httpd.service')
        self.call('systemctl', 'disable', 'httpd')
        self.assertEqual((3, '', ''), self.call('systemctl', 'is-active',
                                                '--quiet', 'httpd'))
        self.assertEqual((3, 'disabled\n', ''),
                         self.call('systemctl', 'is-enabled', 'httpd'))
        _, out, _ = self.call('systemctl', 'show', 'httpd')
        self.assertIn('ActiveState=inactive\n', out)
        self.assertIn('UnitFileState=disabled\n', out)
        _, out, _ = self.call('systemctl', 'show', 'nope')
        self.assertIn('LoadState=not-found', out)
        rc, _, err = self.call('systemctl', 'start', 'nope')
        self.assertEqual((1, 'systemctl: Unit nope.service not found.\n'),
                         (rc, err))

    def test_hiera_httpd_and_recorded_calls(self):
        self.assertEqual((0, 'overcloud-controller-0\n', ''), self.call(
            'hiera', '-c', '/etc/puppet/hiera.yaml', 'bootstrap_nodeid'))
        self.assertEqual('nil\n', self.call('hiera', 'nope')[1])
        _, out, _ = self.call('httpd', '-t', '-D', 'DUMP_VHOSTS')
        self.assertIn('keystone_wsgi', out)
        with open(el7.CALLS) as f:
            calls = f.read().splitlines()
        self.assertEqual(3, len(calls))
        self.assertTrue(calls[0].endswith(
            'rc=0 hiera -c /etc/puppet/hiera.yaml bootstrap_nodeid'))

    def test_injected_failure(self):
        with open(el7.FAIL_ON, 'w') as f:
            f.write('yum -y update\n')
        rc, _, err = self.call('yum', '-y', 'update', 'x')
        self.assertEqual(1, rc)
        self.assertIn('injected failure: yum -y update x', err)
        self.assertEqual(0, self.call('yum', 'list')[0])


class TestQueensWalkVerification(base.TestCase):
    """What the FFU run must leave on the Queens stack's nodes."""

    def setUp(self):
        super().setUp()
        from tripleo_ffu.sandbox import queens
        from tripleo_ffu.sandbox import report
        self.report = report
        self.nodes = [types.SimpleNamespace(hostname=h, address=a, spec=s)
                      for h, a, s in queens.nodes('overcloud')]
        walked = [('keystone', r, n) for r in ('newton', 'ocata', 'pike')
                  for n in report.node_tool.MIGRATIONS['keystone'][r]]
        self.states = {
            'overcloud-controller-0': {
                'repo': 'queens',
                'packages': {'openstack-keystone': '12.0.3',
                             'os-collect-config': '8.3.1',
                             'openstack-heat-agents': '1.5.4'},
                'migrations': [{'service': s, 'release': r, 'name': n}
                               for s, r, n in walked],
                'calls': ['t rc=0 keystone-manage db_sync']},
            'overcloud-novacompute-0': {
                'repo': 'queens',
                'packages': {'openstack-nova-compute': '14.1.0',
                             'os-collect-config': '8.3.1',
                             'openstack-heat-agents': '1.5.4'},
                'migrations': [], 'calls': []},
        }
        self.sandbox = types.SimpleNamespace(
            node_containers=lambda: self.nodes,
            node_report=lambda host: self.states[host])
        self.useFixture(fixtures.MockPatch(
            'tripleo_ffu.sandbox.sandbox.http_ok', return_value=True))

    def test_a_good_walk(self):
        self.assertEqual([], self.report.verify_queens_walk(self.sandbox))

    def test_what_a_bad_walk_shows(self):
        controller = self.states['overcloud-controller-0']
        controller['migrations'] = controller['migrations'][::-1]
        controller['packages']['openstack-keystone'] = '13.0.4'
        compute = self.states['overcloud-novacompute-0']
        compute['repo'] = 'pike'
        compute['calls'] = ['t rc=0 keystone-manage db_sync']
        problems = self.report.verify_queens_walk(self.sandbox)
        self.assertEqual(4, len(problems), problems)
        self.assertEqual('overcloud-novacompute-0 repos at pike',
                         problems[0])
        self.assertIn('overcloud-novacompute-0 (not a bootstrap node) ran',
                      problems[1])
        self.assertIn('overcloud-controller-0 migrations are', problems[2])
        self.assertEqual('overcloud-controller-0 openstack-keystone is '
                         '13.0.4, expected 12.0.3 (pike)', problems[3])
