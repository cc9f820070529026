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

import datetime
import time

from heatclient import exc as heat_exc
from mistral_lib import actions

from tripleo_ffu.actions import clients
from tripleo_ffu import contract

MAX_REPORTED_FAILURES = 20
# How often a wait on an IN_PROGRESS stack asks whether any engine still
# works on it.
STUCK_CHECK_INTERVAL_S = 30


def heat_time(text):
    """A naive UTC datetime from Heat's ISO times ('...Z', '.ffffff')."""
    if not text:
        return None
    moment = datetime.datetime.fromisoformat(str(text).rstrip('Z'))
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(
            tzinfo=None)
    return moment


def is_stuck(operation_started, engines, newest_event):
    """True when no running engine can be working on an IN_PROGRESS stack.

    `engines`: [(created_at, status)] of the heat-engine services. Heat
    does not reset an IN_PROGRESS convergence stack whose engine died; it
    stays IN_PROGRESS for ever. It is stuck when every engine that is up
    started after the operation began (its engine has gone) and nothing
    happened to the stack since the newest one started. With no engine
    up, Heat itself is down: nothing can be said yet.
    """
    started = [heat_time(created) for created, status in engines
               if status == 'up']
    if not started or not operation_started:
        return False
    operation_started = heat_time(operation_started)
    if min(started) <= operation_started:
        return False
    return heat_time(newest_event) is None or (
        heat_time(newest_event) <= max(started))


def stuck_message(stack_name, status, since):
    return ('Stack %s has been %s since %s, but the Heat engine that ran '
            'that operation has stopped and no running engine works on it: '
            'it will never finish. Run "openstack stack cancel --no-rollback '
            '%s", wait for %s_FAILED, then run the ffwd-upgrade step again.'
            % (stack_name, status, since, stack_name,
               status.split('_')[0]))


def stuck_reason(heat, stack, stack_name):
    """stuck_message() for a stuck IN_PROGRESS stack, else None.

    None too when Heat does not tell (the engine list needs admin).
    """
    since = stack.updated_time or getattr(stack, 'creation_time', None)
    try:
        engines = [(s.created_at, s.status) for s in heat.services.list()
                   if getattr(s, 'binary', 'heat-engine') == 'heat-engine']
        events = heat.events.list(stack.id, sort_dir='desc',
                                  sort_keys='event_time', limit=1)
    except Exception:
        return None
    newest = events[0].event_time if events else None
    if is_stuck(since, engines, newest):
        return stuck_message(stack_name, stack.stack_status, since)
    return None


def is_connection_error(exc):
    """Heat down or restarting: worth retrying inside a deadline."""
    if isinstance(exc, heat_exc.CommunicationError):
        return True
    return isinstance(exc, (heat_exc.HTTPServiceUnavailable,
                            heat_exc.HTTPInternalServerError,
                            heat_exc.HTTPBadGateway)) or (
        type(exc).__name__ in ('ConnectionError', 'ConnectFailure'))


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


def failed(stack_status, message, failures=()):
    """The error result of a wait: {status: FAILED, message, ...}."""
    return actions.Result(error={'status': 'FAILED', 'message': message,
                                 'stack_status': stack_status,
                                 'failures': list(failures)})


class UpdateStackAction(actions.Action):
    """PATCH-update an existing stack with new environment and files."""

    def __init__(self, stack, environment=None, files=None, parameters=None,
                 timeout=contract.DEFAULT_TIMEOUT_MIN, heat_url=None):
        super().__init__()
        self.stack = stack
        self.environment = environment or {}
        self.files = files or {}
        self.parameters = parameters or {}
        self.timeout = timeout
        self.heat_url = heat_url

    def run(self, context):
        try:
            return self._update(context)
        except Exception as e:
            return actions.Result(
                error='Could not update stack %s: %s: %s. Check that Heat '
                      'runs ("openstack stack show %s"), then run the step '
                      'again.' % (self.stack, type(e).__name__, e,
                                  self.stack))

    def _update(self, context):
        heat = clients.heat_client(context, self.heat_url)
        try:
            stack = heat.stacks.get(self.stack)
        except heat_exc.HTTPNotFound:
            return actions.Result(
                error='Stack %s not found in Heat: check --stack (or '
                      'OVERCLOUD_STACK_NAME)' % self.stack)
        if stack.stack_status.endswith('IN_PROGRESS'):
            return actions.Result(
                error=stuck_reason(heat, stack, self.stack) or
                'Stack %s is %s: wait for that operation to finish '
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

    Returns {status: SUCCESS, message, stack_status, failures} for a
    *_COMPLETE stack; any other end is an error result with the same
    keys (status FAILED), so the workflow has one error branch.
    """

    def __init__(self, stack, timeout=contract.DEFAULT_TIMEOUT_MIN, since=None,
                 poll_interval=2, heat_url=None):
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
        try:
            return self._wait(context, clock, sleep)
        except Exception as e:
            return actions.Result(
                error='Waiting for stack %s failed: %s: %s' % (
                    self.stack, type(e).__name__, e))

    def _get(self, heat, clock, deadline, sleep):
        """The stack; Heat down or restarting is retried until deadline."""
        while True:
            try:
                return heat.stacks.get(self.stack)
            except Exception as e:
                if not is_connection_error(e) or clock() >= deadline:
                    raise
            sleep(self.poll_interval)

    def _wait(self, context, clock, sleep):
        heat = clients.heat_client(context, self.heat_url)
        deadline = clock() + float(self.timeout) * 60
        next_stuck_check = clock() + STUCK_CHECK_INTERVAL_S
        stack = self._get(heat, clock, deadline, sleep)
        while not self._ended(stack):
            if clock() >= deadline:
                return failed(stack.stack_status, 'Timed out after %s '
                              'minutes waiting for stack %s to finish '
                              'updating (still %s); Heat goes on with it: '
                              'check "openstack stack show %s"' % (
                                  self.timeout, self.stack,
                                  stack.stack_status, self.stack))
            if clock() >= next_stuck_check:
                next_stuck_check = clock() + STUCK_CHECK_INTERVAL_S
                stuck = stuck_reason(heat, stack, self.stack)
                if stuck:
                    return failed(stack.stack_status, stuck)
            sleep(self.poll_interval)
            stack = self._get(heat, clock, deadline, sleep)

        if stack.stack_status.endswith('COMPLETE'):
            return {'status': 'SUCCESS', 'stack_status': stack.stack_status,
                    'failures': [],
                    'message': 'Stack %s is %s.' % (self.stack,
                                                    stack.stack_status)}
        failures = failed_resources(heat, stack.id)
        return failed(stack.stack_status,
                      failure_message(self.stack, stack.stack_status,
                                      stack.stack_status_reason, failures),
                      failures[:MAX_REPORTED_FAILURES])
