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

"""Heat stack actions: PATCH update and a bounded wait."""

import time

from heatclient import exc as heat_exc
from mistral_lib import actions

from tripleo_ffu.actions import clients

MAX_REPORTED_FAILURES = 20


def failed_resources(heat, stack_id, nested_depth=5):
    """[{resource, type, status, reason}] for the FAILED resources."""
    found = []
    for res in heat.resources.list(stack_id, nested_depth=nested_depth):
        if not res.resource_status.endswith('FAILED'):
            continue
        parent = getattr(res, 'parent_resource', None)
        name = '%s.%s' % (parent, res.resource_name) if parent else (
            res.resource_name)
        found.append({'resource': name,
                      'type': getattr(res, 'resource_type', ''),
                      'status': res.resource_status,
                      'reason': res.resource_status_reason})
    return found


def failure_message(stack_name, status, reason, failures):
    text = 'Stack %s is %s: %s' % (stack_name, status, reason)
    if failures:
        text += ' Failed resources: ' + '; '.join(
            '%s (%s): %s' % (f['resource'], f['type'], f['reason'])
            for f in failures[:MAX_REPORTED_FAILURES])
    return text


def with_deploy_parameters(environment, now=time.time):
    """The environment with what every upstream deploy sets, unless given.

    tripleo-common sets StackAction and a new DeployIdentifier on each
    deploy and stack update; THT's conditions read them.
    """
    defaults = dict(environment.get('parameter_defaults') or {})
    defaults.setdefault('StackAction', 'UPDATE')
    defaults.setdefault('DeployIdentifier', int(now()))
    return dict(environment, parameter_defaults=defaults)


class UpdateStackAction(actions.Action):
    """PATCH-update an existing stack with new environment and files."""

    def __init__(self, stack, environment=None, files=None, parameters=None,
                 timeout=240, heat_url=None):
        super().__init__()
        self.stack = stack
        self.environment = environment or {}
        self.files = files or {}
        self.parameters = parameters or {}
        self.timeout = timeout
        self.heat_url = heat_url

    def run(self, context):
        heat = clients.heat_client(context, self.heat_url)
        try:
            stack = heat.stacks.get(self.stack)
        except heat_exc.HTTPNotFound:
            return actions.Result(
                error='Stack %s not found in Heat: check --stack (or '
                      'OVERCLOUD_STACK_NAME)' % self.stack)
        if stack.stack_status.endswith('IN_PROGRESS'):
            return actions.Result(
                error='Stack %s is %s: wait for that operation to finish '
                      'before starting the upgrade step'
                      % (self.stack, stack.stack_status))
        try:
            heat.stacks.update(stack.id, existing=True,
                               environment=with_deploy_parameters(
                                   self.environment),
                               files=self.files,
                               parameters=self.parameters,
                               timeout_mins=self.timeout)
        except heat_exc.HTTPException as e:
            return actions.Result(
                error='Heat refused the update of stack %s: %s'
                      % (self.stack, e))
        return {'stack_id': stack.id,
                'previous_status': stack.stack_status,
                'previous_updated_time': stack.updated_time}


class WaitStackAction(actions.Action):
    """Wait, bounded, until the update started after `since` has ended.

    Returns {status, message, stack_status, failures}; `status` is SUCCESS
    only for a *_COMPLETE stack, so the workflow can branch without
    parsing text.
    """

    def __init__(self, stack, timeout=240, since=None, poll_interval=2,
                 heat_url=None):
        super().__init__()
        self.stack = stack
        self.timeout = timeout
        self.since = since
        self.poll_interval = poll_interval
        self.heat_url = heat_url

    def _ended(self, stack):
        in_progress = stack.stack_status.endswith('IN_PROGRESS')
        return not in_progress and stack.updated_time != self.since

    def run(self, context, clock=time.monotonic, sleep=time.sleep):
        heat = clients.heat_client(context, self.heat_url)
        deadline = clock() + float(self.timeout) * 60
        stack = heat.stacks.get(self.stack)
        while not self._ended(stack):
            if clock() >= deadline:
                return {'status': 'FAILED', 'stack_status':
                        stack.stack_status, 'failures': [],
                        'message': 'Timed out after %s minutes waiting for '
                                   'stack %s to finish updating (still %s); '
                                   'Heat goes on with it: check '
                                   '"openstack stack show %s"' % (
                                       self.timeout, self.stack,
                                       stack.stack_status, self.stack)}
            sleep(self.poll_interval)
            stack = heat.stacks.get(self.stack)

        if stack.stack_status.endswith('COMPLETE'):
            return {'status': 'SUCCESS', 'stack_status': stack.stack_status,
                    'failures': [],
                    'message': 'Stack %s is %s.' % (self.stack,
                                                    stack.stack_status)}
        failures = failed_resources(heat, stack.id)
        return {'status': 'FAILED', 'stack_status': stack.stack_status,
                'failures': failures[:MAX_REPORTED_FAILURES],
                'message': failure_message(self.stack, stack.stack_status,
                                           stack.stack_status_reason,
                                           failures)}
