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

"""The whole FFU of a Newton-deployed stack to THT 8.4.1, over SSH.

The stack (keystone-only Controller + Compute deployed from the Newton
templates, THT 5.3.13, with Newton's environments; prepare moves it to
the real THT 8.4.1 (Queens) with upstream's command line)
and its node containers (own sshd, heat-admin with sudo, EL7 stand-ins, a
real MariaDB) are created once per sandbox by the first test that needs
them, in the sandbox's real Heat; the commands are the real openstack CLI
through the real Mistral; the checks read the nodes themselves over SSH.
"""

import json
import os
import stat
import time

import yaml

from tests.functional import base
from tests.unit import test_queens_outputs
from tripleo_ffu import contract
from tripleo_ffu import node_script
from tripleo_ffu import paths
from tripleo_ffu import preflight as preflight_mod
from tripleo_ffu import templates
from tripleo_ffu_sandbox.components import node_containers as containers
from tripleo_ffu_sandbox import queens
from tripleo_ffu_sandbox import report

STACK = 'queens'
# Deployed from the Newton templates (THT 5.3.13), as every overcloud this
# tool upgrades; prepare moves it to THT 8.4.1.
KIND = 'newton'
CONTROLLER = 'queens-controller-0'
# The node's heat-config records: each deployment it applied.
NODE_DEPLOYED = (
    "sudo python3 -c 'import glob, json; print(json.dumps([json.load(open("
    "p)) for p in sorted(glob.glob(\"/var/lib/heat-config/deployed/*.json\"))"
    " if not p.endswith(\".notify.json\")]))'")
OS_NET_CONFIG_TEMPLATE = ('/usr/libexec/os-apply-config/templates/etc/'
                          'os-net-config/config.json')
COMPUTE = 'queens-novacompute-0'


class QueensTestCase(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.sandbox.create_stack(KIND, STACK)
        self.address = {n.hostname: n.address
                        for n in self.sandbox.node_containers()}
        self.workload = 'http://%s:%d/' % (self.address[COMPUTE],
                                           queens.WORKLOAD_PORT)
        self.heat = self.sandbox.heat_client()
        self.config_dir = paths.config_dir(self.sandbox.work_dir, STACK)

    def _step(self, step, *extra):
        args = [step, '--yes', '--stack', STACK]
        if step != 'run':
            # Upstream's shape: --templates, -r, -p and every -e of the
            # create.
            args += self.sandbox.step_arguments(KIND, step, STACK)
        result = self.openstack(*(args + list(extra)))
        self.assertEqual(0, result.rc, result)
        self.assertIn('FFWD Upgrade %s on stack %s complete.'
                      % (step.capitalize(), STACK), result.out)
        return result

    def _prepared(self):
        if not os.path.isfile(os.path.join(self.config_dir,
                                           paths.INVENTORY_FILE)):
            self._step('prepare')

    def node(self, hostname):
        return self.sandbox.node_report(hostname)

    def on_node(self, hostname, command):
        node = [n for n in self.sandbox.node_containers()
                if n.hostname == hostname][0]
        rc, out, err = containers.ssh_command(self.sandbox.ssh_key,
                                              node.address, command)
        self.assertEqual(0, rc, err)
        return out

    def assertWalkedOcataThenPike(self):
        controller = self.node(CONTROLLER)
        self.assertEqual('queens', controller['repo'])
        # The walk ends at pike on the bootstrap node; queens' packages
        # come with the final Queens step (upgrade_steps_playbook).
        self.assertEqual('12.0.3',
                         controller['packages']['openstack-keystone'])
        walked = [(m['release'], m['name'])
                  for m in controller['migrations']]
        self.assertEqual(
            [('newton', '096_drop_role_domain_id_fk'),
             ('newton', '097_drop_user_name_fk'),
             ('ocata', '010_contract_add_local_user_foreign_keys'),
             ('ocata', '011_contract_user_id_unique'),
             ('pike', '022_contract_add_default_project_id_index'),
             ('pike', '023_contract_add_second_password_column')], walked)
        self.assertFalse(controller['units']['httpd']['active'])
        self.assertEqual(['newton -> ocata', 'ocata -> pike',
                          'pike -> queens'],
                         [h.split(' repo ')[1] for h in controller['history']
                          if ' repo ' in h])
        compute = self.node(COMPUTE)
        self.assertEqual('queens', compute['repo'])
        self.assertEqual([], compute['migrations'])
        self.assertFalse(compute['units']['openstack-nova-compute'][
            'active'])
        self.assertEqual('8.3.1', compute['packages']['os-collect-config'])
        # Only the bootstrap node walked the releases: no DB sync, no
        # package update of the services on the compute.
        self.assertNotIn('keystone-manage db_sync',
                         ' '.join(compute['calls']))
        self.assertEqual('14.1.0',
                         compute['packages']['openstack-nova-compute'])

    def assertQueensEverywhere(self):
        controller = self.node(CONTROLLER)
        self.assertEqual('13.0.4',
                         controller['packages']['openstack-keystone'])
        walked = [(m['release'], m['name'])
                  for m in controller['migrations']]
        # Queens' own migrations, by the keystone_db_sync container of
        # the deploy steps, once, after pike's.
        self.assertEqual(
            [('pike', '023_contract_add_second_password_column'),
             ('queens', '043_contract_add_application_credentials'),
             ('queens', '044_contract_add_expiration_column')],
            walked[-3:])
        self.assertEqual(len(walked), len(set(walked)))
        self.assertLessEqual({'mysql', 'keystone', 'rabbitmq', 'haproxy'},
                             set(report.running_containers(controller)))
        self.assertIn('mysql_upgrade', ' '.join(controller['calls']))
        compute = self.node(COMPUTE)
        self.assertEqual('8.3.1', compute['packages']['os-collect-config'])
        self.assertLessEqual({'nova_compute', 'nova_libvirt'},
                             set(report.running_containers(compute)))
        self.assertNotIn('keystone-manage', ' '.join(compute['calls']))


class TestQueensNodes(QueensTestCase):
    """Failures, re-runs and limits of the FFU run on the SSH nodes."""

    def setUp(self):
        super().setUp()
        self._prepared()
        self.sandbox.reset_node_containers()

    def test_prepare_missing_an_environment_of_the_deploy_is_refused(self):
        """Upstream's commonest mistake, refused before the update."""
        args = self.sandbox.step_arguments(KIND, 'prepare', STACK)
        at = [n for n, arg in enumerate(args)
              if arg.endswith('/deployed-server-environment.yaml')][0]
        del args[at - 1:at + 1]
        before = self.heat.stacks.get(STACK).updated_time
        result = self.openstack('prepare', '--yes', '--stack', STACK, *args)
        self.assertNotEqual(0, result.rc, result)
        self.assertIn('OS::TripleO::Server (deployed-server/deployed-server.'
                      'yaml -> OS::Nova::Server)', result.out)
        self.assertIn('--allow-lost-mappings', result.out)
        self.assertIn('stack %s was not updated' % STACK, result.out)
        self.assertEqual(before, self.heat.stacks.get(STACK).updated_time)

    def test_preflight_makes_prepares_checks_of_its_arguments(self):
        """Prepare's command line, checked before anything changes."""
        args = self.sandbox.step_arguments(KIND, 'prepare', STACK)
        before = self.heat.stacks.get(STACK).updated_time

        def preflight(*extra):
            result = self.openstack('preflight', '--stack', STACK, '-f',
                                    'json', *(list(extra)))
            return result, {r['Check']: r for r in json.loads(result.stdout)}

        result, rows = preflight(*args)
        self.assertEqual(0, result.rc, result)
        for check in (preflight_mod.TEMPLATES_CHECK,
                      preflight_mod.LIFECYCLE_CHECK,
                      preflight_mod.MAPPINGS_CHECK, 'Stack %s' % STACK,
                      preflight_mod.NODE_CHECKS['ssh']):
            self.assertEqual('pass', rows[check]['Result'], rows[check])

        # An environment file that is not there.
        missing = os.path.join(self.sandbox.work_dir, 'no-such-env.yaml')
        result, rows = preflight(*(args + ['-e', missing]))
        self.assertEqual(1, result.rc, result)
        self.assertEqual('fail', rows[preflight_mod.TEMPLATES_CHECK][
            'Result'])
        self.assertIn(missing, rows[preflight_mod.TEMPLATES_CHECK]['Detail'])
        self.assertIn('Pre-flight failed 1 check(s)', result.out)

        # An environment file of the deploy left out.
        at = [n for n, arg in enumerate(args)
              if arg.endswith('/deployed-server-environment.yaml')][0]
        result, rows = preflight(*(args[:at - 1] + args[at + 1:]))
        self.assertEqual(1, result.rc, result)
        mappings = rows[preflight_mod.MAPPINGS_CHECK]
        self.assertEqual('fail', mappings['Result'])
        self.assertIn('OS::TripleO::Server (deployed-server/deployed-server.'
                      'yaml -> OS::Nova::Server)', mappings['Detail'])
        self.assertEqual(before, self.heat.stacks.get(STACK).updated_time)

    def test_failure_at_pike_db_sync_then_resume(self):
        """A re-run resumes where the walk failed, without repeating."""
        self.on_node(CONTROLLER, "echo 'keystone-manage db_sync when-repo="
                                 "pike' | sudo tee /etc/tripleo-ffu-node/"
                                 "fail-on")
        failed = self.openstack('run', '--yes', '--stack', STACK)
        self.assertNotEqual(0, failed.rc, failed)
        self.assertIn('FAILED: %s | keystone db sync (release pike, step '
                      '8)' % CONTROLLER, failed.out)
        self.assertIn('%s failed at task "keystone db sync" (release pike, '
                      'step 8): ' % CONTROLLER, failed.out)
        self.assertIn('injected failure: keystone-manage db_sync',
                      failed.out)
        self.assertIn(os.path.join(self.config_dir, 'ansible.log'),
                      failed.out)
        self.assertIn('%s finished ocata 0-9, pike 0-7 (' % CONTROLLER,
                      failed.out)
        self.assertIn('FAILED pike step 8 at task "keystone db sync"',
                      failed.out)
        self.on_node(CONTROLLER, 'sudo rm /etc/tripleo-ffu-node/fail-on')

        # Walking from the top again would repeat ocata's DB sync.
        refused = self.openstack('run', '--yes', '--stack', STACK,
                                 '--restart')
        self.assertNotEqual(0, refused.rc, refused)
        self.assertIn('this run would run again %s: ocata 8, already '
                      'finished' % CONTROLLER, refused.out)
        self.assertIn('--repeat-db-sync', refused.out)

        with base.WorkloadProbe(self.workload) as probe:
            resumed = self._step('run')
        # Pike's step 0 (facts the later steps test) runs again on the
        # controller.
        self.assertIn('Skipped what the journal shows finished (%s: ocata '
                      '0-9, pike 1-7; %s: ocata 0-9, pike 0-9)'
                      % (CONTROLLER, COMPUTE), resumed.out)
        self.assertNotIn('(release ocata, step', resumed.out)
        # The node's own record: each release's DB sync ran once, but
        # pike's that failed.
        syncs = [line.split(' by ')[1] for line in
                 self.node(CONTROLLER)['history']
                 if 'keystone-manage db_sync by' in line]
        self.assertEqual(['ocata code', 'pike code'], syncs)
        self.assertWalkedOcataThenPike()
        self.assertEqual([], probe.misses)

    def test_db_restore_after_pike_migrations_then_resume(self):
        """The dump before pike's DB sync brings the database back."""
        # The walk stops just after pike's DB sync: the first package
        # update from the queens repos (the final release's tasks).
        self.on_node(CONTROLLER, "echo 'yum when-repo=queens' | sudo tee "
                                 "/etc/tripleo-ffu-node/fail-on")
        failed = self.openstack('run', '--yes', '--stack', STACK)
        self.assertNotEqual(0, failed.rc, failed)
        self.assertIn('%s finished ocata 0-9, pike 0-9 (' % CONTROLLER,
                      failed.out)
        self.assertIn('Database dumps (to go back to before a release\'s DB '
                      'sync: "openstack overcloud ffwd-upgrade restore '
                      '--release <release>"): ocata on %s (keystone, '
                      'nova_cell0, ' % CONTROLLER, failed.out)
        self.assertIn('; pike on %s (keystone, nova_cell0, ' % CONTROLLER,
                      failed.out)
        migrated = [(m['release'], m['name'])
                    for m in self.node(CONTROLLER)['migrations']]
        self.assertIn(('pike', '023_contract_add_second_password_column'),
                      migrated)
        # Every database of the node's MariaDB, checksummed.
        self.assertEqual(
            ['SHA256SUMS', 'keystone.sql.gz', 'manifest.json',
             'nova_cell0.sql.gz'],
            sorted(self.on_node(CONTROLLER, 'sudo ls /var/lib/tripleo-ffu/'
                                            'db-dumps/pike').split()))

        restored = self.openstack('restore', '--yes', '--stack', STACK,
                                  '--release', 'pike')
        self.assertEqual(0, restored.rc, restored)
        self.assertIn('Databases restored to before the pike DB sync: pike '
                      'on %s (keystone, nova_cell0, ' % CONTROLLER,
                      restored.out)
        self.assertIn('FFWD Upgrade Restore on stack %s complete.' % STACK,
                      restored.out)
        # The node's migrations table: pike's are gone, the rest kept.
        self.assertEqual([m for m in migrated if m[0] != 'pike'],
                         [(m['release'], m['name'])
                          for m in self.node(CONTROLLER)['migrations']])

        # The next run does pike's DB sync again, without --repeat-db-sync.
        self.on_node(CONTROLLER, 'sudo rm /etc/tripleo-ffu-node/fail-on')
        with base.WorkloadProbe(self.workload) as probe:
            resumed = self._step('run')
        self.assertIn('Skipped what the journal shows finished (%s: ocata '
                      '0-9, pike 1-7; %s: ocata 0-9, pike 1-7)'
                      % (CONTROLLER, COMPUTE), resumed.out)
        syncs = [line.split(' by ')[1] for line in
                 self.node(CONTROLLER)['history']
                 if 'keystone-manage db_sync by' in line]
        self.assertEqual(['ocata code', 'pike code', 'pike code'], syncs)
        self.assertWalkedOcataThenPike()
        self.assertEqual([], probe.misses)

    def test_a_failed_host_then_the_command_the_message_gives(self):
        # The advised next step works as written: the controller has
        # moved on to pike and would refuse to walk ocata again.
        self.on_node(COMPUTE, "echo 'systemctl stop openstack-nova-compute' "
                              "| sudo tee /etc/tripleo-ffu-node/fail-on")
        failed = self.openstack('run', '--yes', '--stack', STACK)
        self.assertNotEqual(0, failed.rc, failed)
        command = ('openstack overcloud ffwd-upgrade run --stack %s --limit '
                   '%s' % (STACK, COMPUTE))
        self.assertIn('run the step again for %s only: "%s"'
                      % (COMPUTE, command), failed.out)
        self.on_node(COMPUTE, 'sudo rm /etc/tripleo-ffu-node/fail-on')
        again = self.openstack(*(command.split()[3:] + ['--yes']))
        self.assertEqual(0, again.rc, again)
        self.assertWalkedOcataThenPike()

    def test_an_unreachable_node_then_the_command_the_message_gives(self):
        compute = [n for n in self.sandbox.node_containers()
                   if n.hostname == COMPUTE][0]
        compute.stop()
        compute.wait_gone()
        self.addCleanup(self.sandbox.containers.start)
        # The pre-flight before the run finds it: nothing starts.
        refused = self.openstack('run', '--yes', '--stack', STACK)
        self.assertNotEqual(0, refused.rc, refused)
        self.assertIn('Pre-flight failed 1 check(s): SSH as the inventory '
                      'user, sudo and a Python for Ansible (%s: ' % COMPUTE,
                      refused.out)
        self.assertEqual('newton', self.node(CONTROLLER)['repo'])
        # Skipped (and recorded so), the run meets it on the way.
        failed = self.openstack('run', '--yes', '--stack', STACK,
                                '--skip-preflight')
        self.assertNotEqual(0, failed.rc, failed)
        with open(os.path.join(self.sandbox.work_dir, 'tripleo-ffu-state',
                               STACK, 'preflight.jsonl')) as f:
            self.assertTrue(json.loads(f.read().splitlines()[-1])[
                'skipped'])
        self.assertIn('%s unreachable at task ' % COMPUTE, failed.out)
        command = ('openstack overcloud ffwd-upgrade run --stack %s --limit '
                   '%s' % (STACK, COMPUTE))
        self.assertIn('run the step again for %s only: "%s"'
                      % (COMPUTE, command), failed.out)
        # The controller walked on: a plain re-run is not what to do.
        self.assertEqual('queens', self.node(CONTROLLER)['repo'])
        self.sandbox.containers.start()
        again = self.openstack(*(command.split()[3:] + ['--yes']))
        self.assertEqual(0, again.rc, again)
        self.assertWalkedOcataThenPike()

    def test_limit_by_short_host_name(self):
        result = self._step('run', '--limit', COMPUTE)
        self.assertIn('RECAP %s ok=' % COMPUTE, result.out)
        self.assertNotIn(CONTROLLER, result.out)
        self.assertEqual('newton', self.node(CONTROLLER)['repo'])
        self.assertEqual('queens', self.node(COMPUTE)['repo'])

    def test_ssh_user_takes_effect(self):
        result = self.openstack('run', '--yes', '--stack', STACK, '--limit',
                                COMPUTE, '--ssh-user', 'tripleo-admin')
        self.assertNotEqual(0, result.rc, result)
        self.assertIn('UNREACHABLE: %s' % COMPUTE, result.out)
        self.assertIn('tripleo-admin@%s: Permission denied'
                      % self.address[COMPUTE], result.out)
        self.assertEqual('newton', self.node(COMPUTE)['repo'])

    def test_nodes_leave_nothing_on_this_machine(self):
        nodes = self.sandbox.node_containers()
        self.sandbox.stop_node_containers()
        self.addCleanup(self.sandbox.reset_node_containers)
        for node in nodes:
            self.assertFalse(node.alive())
            self.assertFalse(containers.ssh_ready(node.address))
        with open('/proc/self/mountinfo') as f:
            mounts = f.read()
        self.assertNotIn(self.sandbox.containers_dir, mounts)
        # No process left running from, or chrooted into, these nodes
        # (other sandboxes' nodes may run beside them).
        for pid in filter(str.isdigit, os.listdir('/proc')):
            try:
                root = os.readlink('/proc/%s/root' % pid)
                with open('/proc/%s/cmdline' % pid, 'rb') as f:
                    cmdline = f.read().decode(errors='replace')
            except OSError:
                continue
            self.assertNotIn(self.sandbox.containers_dir, root)
            self.assertNotIn(self.sandbox.containers_dir, cmdline)
        with open('/etc/passwd') as f:
            self.assertNotIn('heat-admin', f.read())


class TestQueensStack(QueensTestCase):

    def _wait_update(self, since):
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            stack = self.heat.stacks.get(STACK)
            if (stack.updated_time != since and
                    not stack.stack_status.endswith('IN_PROGRESS')):
                return stack
            time.sleep(2)
        busy = [r.resource_name for r in self.heat.resources.list(
            STACK, nested_depth=5) if r.resource_status.endswith(
                'IN_PROGRESS')]
        self.fail('stack %s still updating after 600 s (%s); resources in '
                  'progress: %s' % (STACK, stack.stack_status_reason,
                                    ', '.join(busy[:20])))

    def _registry(self):
        return self.heat.stacks.environment(STACK)['resource_registry']

    def _deployed(self, host):
        """The deployments the node's own heat-config applied so far."""
        return json.loads(self.on_node(host, NODE_DEPLOYED))

    def _os_net_config_template(self, host):
        return self.on_node(host, 'sudo sh -c "test -e %s && echo present '
                                  '|| echo absent"' % OS_NET_CONFIG_TEMPLATE)

    def _defaults(self):
        return self.heat.stacks.environment(STACK)['parameter_defaults']

    def test_prepare_run_converge_then_normal_updates(self):
        self.sandbox.reset_node_containers()
        for host in (CONTROLLER, COMPUTE):
            self.assertEqual('present\n',
                             self._os_net_config_template(host), host)
        prepared = self._step('prepare')
        stack = self.heat.stacks.get(STACK)
        self.assertEqual('UPDATE_COMPLETE', stack.stack_status)
        # Upstream's prepare script first, on every server, as a script
        # deployment each node's heat-config applied (the template it
        # removes is gone) and its os-collect-config signalled; its stack
        # is gone.
        self.assertIn('Ran the ffwd-upgrade-prepare script on 2 server(s): '
                      'Compute-0, Controller-0.', prepared.out)
        for host in (CONTROLLER, COMPUTE):
            self.assertEqual(
                [node_script.PREPARE_SCRIPT],
                [c['config'] for c in self._deployed(host)
                 if c['name'] == node_script.PREPARE_CONFIG_NAME], host)
            self.assertEqual('absent\n',
                             self._os_net_config_template(host), host)
        self.assertEqual([], [s.stack_name for s in self.heat.stacks.list()
                              if s.stack_name.endswith('-prepare')])
        # The overcloudrc, as upstream's prepare wrote it: here, private.
        rc_file = os.path.join(self.cli_dir, '%src' % STACK)
        self.assertIn('Wrote %s (0600)' % rc_file, prepared.out)
        self.assertEqual(0o600, stat.S_IMODE(os.stat(rc_file).st_mode))
        with open(rc_file) as f:
            self.assertIn('export OS_AUTH_URL=http://', f.read())
        # The stack moved to the templates prepare rendered from
        # --templates, in the work dir.
        rendered = templates.rendered_dir(self.sandbox.work_dir, STACK)
        self.assertEqual(
            'file://%s/docker/services/keystone.yaml' % rendered,
            self._registry()['OS::TripleO::Services::Keystone'])
        defaults = self._defaults()
        self.assertEqual('FASTFORWARDUPGRADE', defaults['StackUpdateType'])
        self.assertEqual('UPDATE', defaults['StackAction'])
        self.assertIn('converted: fast_forward_upgrade_playbook.yaml '
                      'set_fact ffu_releases', prepared.out)
        # With tripleo-common's roles on the executor, as on an undercloud,
        # every playbook loads, the deploy steps included.
        self.assertNotIn('cannot load', prepared.out)
        # 10 per node: the Queens deployed server's own two
        # (HostsEntryDeployment, InstanceIdDeployment) among them.
        self.assertIn('Wrote 20 software deployment(s) for the deploy steps',
                      prepared.out)

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
        with open(os.path.join(self.config_dir, paths.CHECK_REPORT)) as f:
            self.assertEqual([], yaml.safe_load(f))
        # The software deployments, as upstream's config download writes
        # them for the deploy steps.
        with open(os.path.join(self.config_dir, 'group_vars',
                               'Controller')) as f:
            pre = yaml.safe_load(f)['Controller_pre_deployments']
        self.assertIn('NetworkDeployment', pre)
        self.assertIn('ControllerAllNodesDeployment', pre)
        with open(os.path.join(self.config_dir, 'Controller', CONTROLLER,
                               'ControllerAllNodesDeployment')) as f:
            hiera = yaml.safe_load(f)['ControllerAllNodesDeployment']
        self.assertEqual('hiera', hiera['group'])
        self.assertEqual(CONTROLLER, hiera['config']['datafiles'][
            'bootstrap_node']['bootstrap_nodeid'])
        with open(os.path.join(self.config_dir, paths.INVENTORY_FILE)) as f:
            inventory = yaml.safe_load(f)
        self.assertEqual(['queens-controller-0'],
                         list(inventory['Controller']['hosts']))
        self.assertEqual({'Controller': {}},
                         inventory['keystone']['children'])

        with base.WorkloadProbe(self.workload) as probe:
            ran = self._step('run')
        self.assertIn('RECAP %s ok=' % CONTROLLER, ran.out)
        self.assertWalkedOcataThenPike()
        self.assertGreater(probe.answers, 0)
        self.assertEqual([], probe.misses)

        # The final Queens step, Controller then Compute: upgrade, deploy
        # and post-upgrade step playbooks of the config, by role and by
        # node, as upstream's "overcloud upgrade run --roles".
        with base.WorkloadProbe(self.workload) as probe:
            for target in (['--roles', 'Controller'],
                           ['--nodes', 'queens-novacompute-0']):
                result = self.openstack('run', '--yes', '--stack', STACK,
                                        *target)
                self.assertEqual(0, result.rc, result)
                self.assertIn('Playbook %s succeeded' % ', '.join(
                    contract.FINAL_STEP_PLAYBOOKS), result.out)
        self.assertEqual([], probe.misses)
        self.assertQueensEverywhere()

        applied = {host: len(self._deployed(host))
                   for host in (CONTROLLER, COMPUTE)}
        self._step('converge')
        stack = self.heat.stacks.get(STACK)
        self.assertEqual('UPDATE_COMPLETE', stack.stack_status)
        self.assertEqual('', self._defaults()['StackUpdateType'])
        # Back to deployments the nodes signal, as the Newton deploy had
        # them: the deploy steps are a deployment group again, and each
        # node's own heat-config applied more of them.
        self.assertEqual('OS::Heat::StructuredDeploymentGroup',
                         self._registry()['OS::TripleO::DeploymentSteps'])
        for host, count in applied.items():
            self.assertGreater(len(self._deployed(host)), count, host)

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
