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
import sys
import types

import fixtures

from tests.unit import base
from tripleo_ffu_sandbox.node import el7


class TestEl7Tools(base.TestCase):

    def setUp(self):
        super().setUp()
        root = self.useFixture(fixtures.TempDir()).path
        for name in ('STATE', 'CALLS', 'FAIL_ON', 'HIERADATA'):
            path = os.path.join(root, name.lower())
            self.useFixture(fixtures.MonkeyPatch(
                'tripleo_ffu_sandbox.node.el7.%s' % name, path))
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


class QueensNodesTestCase(base.TestCase):
    """The Queens stack's nodes as the verifications read them."""

    def setUp(self):
        super().setUp()
        from tripleo_ffu_sandbox import queens
        from tripleo_ffu_sandbox import report
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
            'tripleo_ffu_sandbox.report.http_ok', return_value=True))


class TestQueensWalkVerification(QueensNodesTestCase):
    """What the FFU run must leave on the Queens stack's nodes."""

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


class TestQueensVerification(QueensNodesTestCase):
    """What the whole procedure must leave (the final step included)."""

    def setUp(self):
        super().setUp()
        queens_migrations = [
            {'service': 'keystone', 'release': 'queens', 'name': n}
            for n in self.report.node_tool.MIGRATIONS['keystone']['queens']]
        controller = self.states['overcloud-controller-0']
        controller['migrations'] += queens_migrations
        controller['packages']['openstack-keystone'] = '13.0.4'
        controller['containers'] = {
            name: {'status': 'running'} for name in
            self.report.QUEENS_CONTAINERS['Controller']}
        compute = self.states['overcloud-novacompute-0']
        # Queens runs nova in containers: its packages left the host.
        del compute['packages']['openstack-nova-compute']
        compute['containers'] = {
            'nova_compute': {'status': 'running'},
            'nova_libvirt': {'status': 'running'},
            'nova_statedir_owner': {'status': 'exited (0)'}}

    def test_a_good_procedure(self):
        self.assertEqual([], self.report.verify_queens(self.sandbox))

    def test_what_a_bad_procedure_shows(self):
        controller = self.states['overcloud-controller-0']
        controller['migrations'] = controller['migrations'][:-1]
        controller['packages']['openstack-keystone'] = '12.0.3'
        self.states['overcloud-novacompute-0']['containers'][
            'nova_compute']['status'] = 'exited (1)'
        problems = self.report.verify_queens(self.sandbox)
        self.assertEqual(
            'overcloud-novacompute-0 containers not running: nova_compute',
            problems[0])
        self.assertIn('overcloud-controller-0 migrations are', problems[1])
        self.assertEqual('overcloud-controller-0 openstack-keystone is '
                         '12.0.3, not 13.0.4', problems[2])
        self.assertEqual(3, len(problems))

    def test_table_shows_removed_packages_and_containers(self):
        before = {'c': {'openstack-nova-compute': '14.1.0',
                        'containers running': '0'}}
        after = {'c': {'containers running': '3'}}
        table = self.report.compare_table(before, after).splitlines()
        self.assertRegex(table[1], r'containers running +0 +-> 3 +upgraded$')
        self.assertRegex(table[2], r'14\.1\.0 +-> - +removed$')
        # 80 columns, no trailing blanks, with the longest names a
        # Queens node has.
        after = {'overcloud-novacompute-10': {
            'openstack-tripleo-common': '17.0.13',
            'migrations since newton': '10'}}
        for line in self.report.compare_table({}, after).splitlines():
            self.assertLessEqual(len(line), 80, line)
            self.assertEqual(line.rstrip(), line)


class TestDeployTools(base.TestCase):
    """The stand-ins THT Queens' deploy steps call (el7_deploy.py)."""

    def setUp(self):
        super().setUp()
        from tripleo_ffu_sandbox.node import el7_deploy
        self.deploy = el7_deploy
        self.root = self.useFixture(fixtures.TempDir()).path
        for name in ('STATE', 'CALLS', 'FAIL_ON', 'HIERADATA'):
            self.useFixture(fixtures.MonkeyPatch(
                'tripleo_ffu_sandbox.node.el7.%s' % name,
                os.path.join(self.root, name.lower() + '.state')))
        # On the node el7_deploy imports el7 as a top-level module.
        self.useFixture(fixtures.MonkeyPatch(
            'tripleo_ffu_sandbox.node.el7_deploy.el7', el7))
        for name in ('DEPLOYED', 'HOOK_SCRIPTS', 'HOOK_OUTPUTS',
                     'CONFIG_DATA', 'TRIPLEO_CONFIG'):
            self.useFixture(fixtures.MonkeyPatch(
                'tripleo_ffu_sandbox.node.el7_deploy.%s' % name,
                os.path.join(self.root, name.lower())))
        self.useFixture(fixtures.MonkeyPatch(
            'tripleo_ffu_sandbox.node.el7_deploy._hostname',
            lambda: 'overcloud-controller-0'))
        el7.save({'repo': 'queens', 'packages': {}, 'units': {},
                  'vhosts': [], 'databases': ['keystone']})
        with open(el7.HIERADATA, 'w') as f:
            json.dump({}, f)

    def call(self, *argv, **env):
        self.useFixture(fixtures.MonkeyPatch('os.environ', dict(
            os.environ, **env)))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = self.deploy.main(list(argv))
        return rc, out.getvalue(), err.getvalue()

    def notify(self, deployment_id):
        with open(os.path.join(self.deploy.DEPLOYED,
                               '%s.notify.json' % deployment_id)) as f:
            return json.load(f)

    def test_heat_config_runs_each_deployment_once_with_its_hook(self):
        marker = os.path.join(self.root, 'ran')
        deployments = [
            {'id': 'd-script', 'group': 'script',
             'deployment_name': 'HostsEntryDeployment',
             'config': '#!/bin/sh\necho "$hosts" >> %s\necho done\n'
                       'echo warn >&2\n' % marker,
             'inputs': [{'name': 'hosts', 'value': '127.0.0.1 ctl'}]},
            {'id': 'd-hiera', 'group': 'hiera',
             'config': {'datafiles': {'bootstrap_node': {
                 'bootstrap_nodeid': 'overcloud-controller-0'}}}},
            {'id': 'd-puppet', 'group': 'puppet', 'config': '',
             'name': 'ControllerDeployment_Step1'},
            {'id': 'd-salt', 'group': 'salt', 'config': ''}]
        config = os.path.join(self.root, 'HostsEntryDeployment')
        with open(config, 'w') as f:
            json.dump(deployments, f)
        for _ in range(2):
            self.assertEqual(0, self.call('55-heat-config',
                                          HEAT_SHELL_CONFIG=config)[0])
        # Once: heat-config skips what it deployed already.
        with open(marker) as f:
            self.assertEqual('127.0.0.1 ctl\n', f.read())
        self.assertEqual({'deploy_stdout': 'done\n',
                          'deploy_stderr': 'warn\n',
                          'deploy_status_code': 0}, self.notify('d-script'))
        self.assertEqual('overcloud-controller-0',
                         el7.hiera_value('bootstrap_nodeid'))
        # Recorded: nothing on a sandbox node for Puppet to act on.
        self.assertEqual(
            {'deploy_stdout': 'puppet config ControllerDeployment_Step1 '
                              'recorded\n',
             'deploy_stderr': '', 'deploy_status_code': 0},
            self.notify('d-puppet'))
        self.assertEqual(1, self.notify('d-salt')['deploy_status_code'])
        self.assertIn('group salt has no hook',
                      self.notify('d-salt')['deploy_stderr'])
        self.assertIn('deployment HostsEntryDeployment (script) rc=0',
                      ' '.join(el7.load()['history']))

    def test_a_scripts_outputs_are_in_its_result(self):
        """Newton's HostsEntryConfig: one file per output, as the hook."""
        config = os.path.join(self.root, 'HostsEntry')
        with open(config, 'w') as f:
            json.dump([{'id': 'd-hosts', 'group': 'script',
                        'outputs': [{'name': 'hostname'},
                                    {'name': 'ip_address'}],
                        'config': '#!/bin/sh\nmkdir -p $heat_outputs_path\n'
                                  'echo -n ctl > $heat_outputs_path.hostname\n'
                        }], f)
        self.assertEqual(0, self.call('55-heat-config',
                                      HEAT_SHELL_CONFIG=config)[0])
        self.assertEqual({'hostname': 'ctl', 'deploy_stdout': '',
                          'deploy_stderr': '', 'deploy_status_code': 0},
                         self.notify('d-hosts'))

    def test_hostnamectl_static_name(self):
        self.assertEqual((0, 'overcloud-controller-0\n', ''),
                         self.call('hostnamectl', '--static'))

    def test_what_a_deployment_script_changes_is_kept(self):
        # A script that changes the node's state (as a yum update would).
        script = ('#!/bin/sh\n%s -c "import json; p=\'%s\'; '
                  's=json.load(open(p)); s[\'repo\']=\'pike\'; '
                  'json.dump(s, open(p, \'w\'))"\n'
                  % (sys.executable, el7.STATE))
        config = os.path.join(self.root, 'UpdateDeployment')
        with open(config, 'w') as f:
            json.dump([{'id': 'd-update', 'group': 'script',
                        'deployment_name': 'UpdateDeployment',
                        'config': script}], f)
        self.assertEqual(0, self.call('55-heat-config',
                                      HEAT_SHELL_CONFIG=config)[0])
        self.assertEqual(0, self.notify('d-update')['deploy_status_code'])
        state = el7.load()
        self.assertEqual('pike', state['repo'])
        self.assertIn('deployment UpdateDeployment (script) rc=0',
                      ' '.join(state['history']))

    def _containers(self, containers):
        path = os.path.join(self.root, 'step.json')
        with open(path, 'w') as f:
            json.dump(containers, f)
        return self.call('paunch', '--debug', 'apply', '--file', path,
                         '--config-id', 'tripleo_step3')

    def test_paunch_starts_containers_and_syncs_on_the_bootstrap_node(self):
        started, synced = [], []
        self.useFixture(fixtures.MonkeyPatch(
            'tripleo_ffu_sandbox.node.el7.start_mariadb', started.append))
        self.useFixture(fixtures.MonkeyPatch(
            'tripleo_ffu_sandbox.node.el7.node_address', lambda: '127.0.0.11'))
        self.useFixture(fixtures.MonkeyPatch(
            'tripleo_ffu_sandbox.node.el7.migrate',
            lambda state, service, code: synced.append((service, code))))
        with open(os.path.join(os.path.dirname(el7.HIERADATA),
                               'all_nodes.json'), 'w') as f:
            json.dump({'keystone_short_bootstrap_node_name':
                       'overcloud-controller-0'}, f)
        rc, out, err = self._containers({
            'keystone': {'image': 'keystone:queens', 'start_order': 2},
            'keystone_db_sync': {'image': 'keystone:queens',
                                 'detach': False, 'start_order': 0},
            'mysql': {'image': 'mariadb:queens'}})
        self.assertEqual(0, rc, err)
        self.assertEqual(['127.0.0.11'], started)
        self.assertEqual([('keystone', 'queens')], synced)
        containers = el7.load()['containers']
        self.assertEqual(('running', 'exited (0)', 'tripleo_step3'), (
            containers['keystone']['status'],
            containers['keystone_db_sync']['status'],
            containers['mysql']['config_id']))

        # Another node of the role: no DB sync there.
        self.useFixture(fixtures.MonkeyPatch(
            'tripleo_ffu_sandbox.node.el7_deploy._hostname',
            lambda: 'overcloud-controller-1'))
        rc, out, _ = self._containers({'keystone_db_sync': {
            'detach': False}})
        self.assertIn('skipped: not the bootstrap node of keystone', out)
        self.assertEqual(1, len(synced))

    def test_docker_exec_runs_in_a_running_container_only(self):
        self._containers({'mysql_client': {'image': 'x'}})
        self.assertEqual(0, self.call('docker', 'exec', '-u', 'root',
                                      'mysql_client', 'true')[0])
        rc, _, err = self.call('docker', 'exec', 'mysql', 'mysql_upgrade')
        self.assertEqual(1, rc)
        self.assertIn('No such container: mysql', err)

    def test_docker_puppet_records_the_config_volumes(self):
        config = os.path.join(self.root, 'docker-puppet.json')
        with open(config, 'w') as f:
            json.dump([{'config_volume': 'keystone'},
                       {'config_volume': 'mysql'}], f)
        os.makedirs(self.deploy.TRIPLEO_CONFIG)
        step = os.path.join(self.deploy.TRIPLEO_CONFIG,
                            'docker-container-startup-config-step_1.json')
        with open(step, 'w') as f:
            json.dump({'mysql': {'image': 'mariadb'}}, f)
        rc, _, err = self.call('python', '/var/lib/docker-puppet/'
                               'docker-puppet.py', CONFIG=config)
        self.assertEqual(0, rc, err)
        self.assertIn('docker-puppet docker-puppet.json: keystone, mysql',
                      ' '.join(el7.load()['history']))
        self.assertTrue(os.path.isdir(os.path.join(
            self.deploy.CONFIG_DATA, 'mysql')))
        # What paunch reads next.
        with open(os.path.join(self.deploy.TRIPLEO_CONFIG, 'hashed-'
                               'docker-container-startup-config-step_1.json'
                               )) as f:
            self.assertEqual({'mysql': {'image': 'mariadb'}}, json.load(f))
