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

"""A script on every server of the stack, before prepare's update.

node_script.py says how (a helper stack with a software deployment group)
and why (upstream's FFWD_UPGRADE_PREPARE_SCRIPT).
"""

import time

from heatclient import exc as heat_exc
from mistral_lib import actions

from tripleo_ffu.actions import clients
from tripleo_ffu.actions import failures
from tripleo_ffu.actions import stack as stack_action
from tripleo_ffu import node_script

DEFAULT_TIMEOUT_MIN = 10
DELETE_WAIT_S = 120


def _outputs(stack):
    return dict((o['output_key'], o.get('output_value'))
                for o in getattr(stack, 'outputs', None) or [])


class RunOnServersAction(actions.Action):
    """Deploy `script` on every server of `stack`; wait for each answer."""

    def __init__(self, stack, script=node_script.PREPARE_SCRIPT,
                 config_name=node_script.PREPARE_CONFIG_NAME,
                 timeout=DEFAULT_TIMEOUT_MIN, poll_interval=2,
                 heat_url=None):
        super(RunOnServersAction, self).__init__()
        self.stack = stack
        self.script = script
        self.config_name = config_name
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.heat_url = heat_url

    @failures.reports_failure(
        lambda self, cause: 'Could not run the %s script on the servers of '
        'stack %s: %s. Stack %s was not updated; check that Heat runs, then '
        'run prepare again.' % (self.config_name, self.stack, cause,
                                self.stack))
    def run(self, context):
        heat = clients.heat_client(context, self.heat_url)
        stack = stack_action.existing_stack(heat, self.stack)
        if isinstance(stack, actions.Result):
            return stack
        servers = node_script.servers(heat, stack.id)
        if not servers:
            return {'message': 'Stack %s has no servers: no %s script to '
                               'run.' % (self.stack, self.config_name),
                    'servers': []}
        name = node_script.helper_stack_name(self.stack, self.config_name)
        # One left by an interrupted prepare: its deployments are stale.
        self._delete(heat, name)
        heat.stacks.create(
            stack_name=name, timeout_mins=self.timeout,
            template=node_script.deployment_template(
                servers, self.script, self.config_name))
        try:
            helper = self._wait(heat, name)
            outputs = _outputs(heat.stacks.get(name, resolve_outputs=True))
            failed = node_script.failures(outputs)
            silent = [] if helper.stack_status == 'CREATE_COMPLETE' else (
                self._waiting_on(heat, helper, failed))
        finally:
            left = self._delete(heat, name)
        hosts = ', '.join(sorted(servers))
        if failed or silent or helper.stack_status != 'CREATE_COMPLETE':
            problems = failed + ['%s (no answer within %d min: is its '
                                 'os-collect-config running?)'
                                 % (s, self.timeout) for s in silent]
            return actions.Result(error=(
                'The %s script failed on %s (stack %s): %s. Stack %s was '
                'not updated; fix those servers, then run prepare again.%s'
                % (self.config_name, ', '.join(problems) or hosts, name,
                   helper.stack_status_reason, self.stack,
                   left and ' ' + left or '')))
        return {'message': 'Ran the %s script on %d server(s): %s.%s'
                           % (self.config_name, len(servers), hosts,
                              left and ' ' + left or ''),
                'servers': sorted(servers)}

    def _wait(self, heat, name):
        # Heat ends the create at timeout_mins; a minute more for it to.
        deadline = time.time() + self.timeout * 60 + 60
        while True:
            helper = heat.stacks.get(name, resolve_outputs=False)
            if (not helper.stack_status.endswith('IN_PROGRESS') or
                    time.time() >= deadline):
                return helper
            time.sleep(self.poll_interval)

    @staticmethod
    def _waiting_on(heat, helper, failed):
        """The servers whose deployment neither succeeded nor failed.

        The group names each deployment by its server's name.
        """
        reported = set(f.split(' (')[0] for f in failed)
        return sorted(
            r.resource_name for r in heat.resources.list(helper.id,
                                                         nested_depth=2)
            if r.resource_type == 'OS::Heat::SoftwareDeployment' and
            r.resource_status != 'CREATE_COMPLETE' and
            r.resource_name not in reported)

    def _delete(self, heat, name):
        """Delete the helper stack if it exists; a sentence if it stays."""
        try:
            helper = heat.stacks.get(name, resolve_outputs=False)
        except heat_exc.HTTPNotFound:
            return ''
        heat.stacks.delete(helper.id)
        deadline = time.time() + DELETE_WAIT_S
        while time.time() < deadline:
            try:
                helper = heat.stacks.get(helper.id, resolve_outputs=False)
            except heat_exc.HTTPNotFound:
                return ''
            if helper.stack_status in ('DELETE_COMPLETE', 'DELETE_FAILED'):
                break
            time.sleep(self.poll_interval)
        if helper.stack_status == 'DELETE_COMPLETE':
            return ''
        return ('Stack %s (the script\'s deployments) is %s: delete it with '
                '"openstack stack delete %s".' % (
                    name, helper.stack_status, name))
