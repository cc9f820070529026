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

import os
import time

from heatclient import exc as heat_exc
from mistral_lib import actions

from tripleo_ffu.actions import clients
from tripleo_ffu.actions import failures
from tripleo_ffu import compat
from tripleo_ffu import contract
from tripleo_ffu import journal
from tripleo_ffu import locks
from tripleo_ffu import restore_points
from tripleo_ffu import paths
from tripleo_ffu import stacks
from tripleo_ffu import templates

# How often a wait on an IN_PROGRESS stack asks whether any engine still
# works on it.
STUCK_CHECK_INTERVAL_S = 30


def with_deploy_parameters(environment, now=time.time):
    """The environment with what every upstream deploy sets, unless given.

    tripleo-common sets StackAction and a new DeployIdentifier on each
    deploy and stack update; THT's conditions read them.
    """
    defaults = dict(environment.get('parameter_defaults') or {})
    defaults.setdefault('StackAction', 'UPDATE')
    defaults.setdefault('DeployIdentifier', int(now()))
    return dict(environment, parameter_defaults=defaults)


def registry(environment):
    return environment.get('resource_registry') or {}


def existing_stack(heat, name):
    """The stack (outputs unresolved), or the error result naming it."""
    try:
        return heat.stacks.get(name, resolve_outputs=False)
    except heat_exc.HTTPNotFound:
        return actions.Result(
            error='Stack %s not found in Heat: check --stack (or '
                  'OVERCLOUD_STACK_NAME)' % name)


def idle_stack(heat, name, before):
    """The stack, or the error result: not found, or busy (stuck or not).

    `before`: what waits for the running operation ("starting the upgrade
    step", "aborting").
    """
    stack = existing_stack(heat, name)
    if isinstance(stack, actions.Result):
        return stack
    if stack.stack_status.endswith('IN_PROGRESS'):
        return actions.Result(
            error=stacks.stuck_reason(heat, stack, name) or
            'Stack %s is %s: wait for that operation to finish before %s'
            % (name, stack.stack_status, before))
    return stack


def failed(stack_status, message, failures=()):
    """The error result of a wait: {status: FAILED, message, ...}."""
    return actions.Result(error={'status': 'FAILED', 'message': message,
                                 'stack_status': stack_status,
                                 'failures': list(failures)})


def templates_update(heat, stack, name, rendered, templates_dir,
                     roles_file, networks_file, plan_environment, step,
                     environments, environment=None, files=None):
    """Update arguments and lost mappings of a move to new templates.

    (arguments, sentence naming the lost mappings or None): the stack
    (`name` as the operator gave it) moves to `templates_dir`, rendered
    into `rendered`. Raises TemplatesError when they do not render or
    load.
    """
    compat.makedirs(os.path.dirname(rendered), 0o700)
    templates.render(templates_dir, rendered, roles_file, networks_file,
                     legacy_internal_api=stacks.has_legacy_internal_api(
                         heat, stack.id))
    plan = templates.plan_items(rendered, plan_environment)
    step_items = templates.step_items(step, environments)
    if environment:
        step_items.append({'environment': environment})
    arguments = templates.update_arguments(rendered, plan + step_items,
                                           files or {})
    lifecycle = [{'path': p} for p in
                 templates.LIFECYCLE_ENVIRONMENTS.values()]
    current = registry(heat.stacks.environment(stack.id))
    lost = templates.lost_mappings(
        current,
        registry(templates.merge_environments(rendered, plan)[0]),
        registry(templates.merge_environments(rendered, step_items)[0]),
        rendered,
        registry(templates.merge_environments(rendered, lifecycle)[0]))
    if not lost:
        return arguments, None
    return arguments, templates.lost_mappings_message(
        name, lost, rendered, templates.tree_root(
            v for v in current.values()
            if isinstance(v, compat.string_types)))


class UpdateStackAction(actions.Action):
    """PATCH-update an existing stack with new environments and files.

    With `templates` (a directory on this host), the templates too: they
    are rendered into the work dir and the stack moves to them, its
    parameters kept (doc/templates.rst).
    """

    def __init__(self, stack, environment=None, files=None, parameters=None,
                 timeout=contract.DEFAULT_TIMEOUT_MIN, heat_url=None,
                 templates=None, roles_file=None, networks_file=None,
                 plan_environment=None, environments=None, step=None,
                 work_dir=None, allow_lost_mappings=False):
        super(UpdateStackAction, self).__init__()
        self.stack = stack
        self.environment = environment or {}
        self.files = files or {}
        self.parameters = parameters or {}
        self.timeout = timeout
        self.heat_url = heat_url
        self.templates = templates
        self.roles_file = roles_file
        self.networks_file = networks_file
        self.plan_environment = plan_environment
        self.environments = environments or []
        self.step = step
        self.work_dir = work_dir
        self.allow_lost_mappings = allow_lost_mappings

    @failures.reports_failure(
        lambda self, cause: 'Could not update stack %s: %s. Check that Heat '
        'runs ("openstack stack show %s"), then run the step again.'
        % (self.stack, cause, self.stack))
    def run(self, context):
        return self._update(context)

    def _update_arguments(self, heat, stack):
        """What the update sends besides parameters: template or not."""
        if not self.templates:
            return {'environment': self.environment, 'files': self.files}
        arguments, lost = templates_update(
            heat, stack, self.stack, templates.rendered_dir(
                contract.resolve_work_dir(self.work_dir), self.stack),
            self.templates, self.roles_file, self.networks_file,
            self.plan_environment, self.step, self.environments,
            self.environment, self.files)
        if lost and not self.allow_lost_mappings:
            raise templates.TemplatesError(lost)
        return arguments

    def _update(self, context):
        heat = clients.heat_client(context, self.heat_url)
        stack = idle_stack(heat, self.stack, 'starting the upgrade step')
        if isinstance(stack, actions.Result):
            return stack
        state_path = os.path.join(paths.config_dir(
            contract.resolve_work_dir(self.work_dir), self.stack),
            paths.STACK_STATE)
        # Only converge compares with, and marks, what prepare recorded.
        state = locks.read(state_path) if self.step == 'converge' else None
        if self.step == 'converge':
            changed = stacks.changed_since_prepare(state, stack, self.stack,
                                                   'converge')
            if changed:
                return actions.Result(error=changed)
        try:
            arguments = self._update_arguments(heat, stack)
        except templates.TemplatesError as e:
            return actions.Result(error='%s; stack %s was not updated'
                                  % (e, self.stack))
        arguments['environment'] = with_deploy_parameters(
            arguments['environment'])
        work_dir = contract.resolve_work_dir(self.work_dir)
        if self.step == 'prepare':
            # The restore point "abort" goes back to (the first prepare's).
            restore_points.save_stack(work_dir, self.stack, heat, stack)
        try:
            heat.stacks.update(stack.id, existing=True,
                               parameters=self.parameters,
                               timeout_mins=self.timeout, **arguments)
        except heat_exc.HTTPException as e:
            return actions.Result(
                error='Heat refused the update of stack %s: %s'
                      % (self.stack, e))
        if self.step == 'converge' and state:
            # From here the stack's updates are converge's own (a re-run
            # after a failed or timed-out converge among them).
            locks.write(state_path, dict(state, converge_sent_at=locks.now()))
        if self.step == 'converge':
            # The upgrade's journal and restore point end with it.
            restore_points.end_upgrade(work_dir, self.stack)
        return {'stack_id': stack.id,
                'previous_status': stack.stack_status,
                'previous_updated_time': stack.updated_time}


# Sections of Heat's environment API that an update does not take back.
NOT_SENT_BACK = ('encrypted_param_names',)


class AbortStackAction(actions.Action):
    """Update the stack back to what it was before prepare changed it.

    Only while no step of the walk has run on the nodes: past that, the
    old templates would describe nodes that are no longer there.
    """

    def __init__(self, stack, work_dir=None,
                 timeout=contract.DEFAULT_TIMEOUT_MIN, heat_url=None):
        super(AbortStackAction, self).__init__()
        self.stack = stack
        self.work_dir = work_dir
        self.timeout = timeout
        self.heat_url = heat_url

    def refusal(self, work_dir, saved, stack):
        """Why not to abort, or None."""
        if not saved:
            return ('No restore point for stack %s (%s): prepare saves one '
                    'before it first changes the stack; there is nothing to '
                    'go back to' % (self.stack, restore_points.stack_file(
                        work_dir, self.stack)))
        if saved.get('stack_id') != stack.id:
            return ('The restore point %s is of another stack named %s '
                    '(id %s, this one is %s)' % (
                        restore_points.stack_file(work_dir, self.stack),
                        self.stack, saved.get('stack_id'), stack.id))
        began = restore_points.walk_began(work_dir, self.stack)
        if began:
            hosts = {}
            for host, key in began:
                hosts.setdefault(host, []).append(key)
            return ('Not aborting: the walk already ran on the nodes (%s), '
                    'and the stack\'s old templates would describe nodes '
                    'that are no longer as they were. Go on instead: '
                    '"openstack overcloud ffwd-upgrade run --stack %s" '
                    'resumes where the walk stopped' % (
                        journal.describe(hosts), self.stack))
        return None

    @failures.reports_failure(
        lambda self, cause: 'Could not put stack %s back: %s' % (
            self.stack, cause))
    def run(self, context):
        heat = clients.heat_client(context, self.heat_url)
        stack = idle_stack(heat, self.stack, 'aborting')
        if isinstance(stack, actions.Result):
            return stack
        work_dir = contract.resolve_work_dir(self.work_dir)
        saved = restore_points.read(work_dir, self.stack)
        refused = self.refusal(work_dir, saved, stack)
        if refused:
            return actions.Result(error=refused)
        environment = dict((k, v) for k, v in saved['environment'].items()
                           if k not in NOT_SENT_BACK)
        try:
            # A full update (not PATCH): the template, files and
            # environment as Heat held them, nothing of prepare's kept.
            heat.stacks.update(stack.id, existing=False,
                               template=saved['template'],
                               files=saved['files'],
                               environment=environment,
                               timeout_mins=self.timeout)
        except heat_exc.HTTPException as e:
            return actions.Result(
                error='Heat refused to put stack %s back: %s'
                      % (self.stack, e))
        # The downloaded config describes the prepared stack: set aside,
        # so that "run" asks for a new prepare.
        config_dir = paths.config_dir(work_dir, self.stack)
        if os.path.isdir(config_dir):
            os.rename(config_dir, '%s.aborted-%s' % (
                config_dir, compat.utc_now().strftime('%Y%m%dT%H%M%SZ')))
        return {'stack_id': stack.id,
                'previous_status': stack.stack_status,
                'previous_updated_time': stack.updated_time,
                'restore_point': restore_points.stack_file(work_dir,
                                                           self.stack),
                'saved_at': saved.get('saved_at')}


class WaitStackAction(actions.Action):
    """Wait, bounded, until the update started after `since` has ended.

    Returns {status: SUCCESS, message, stack_status, failures} for a
    *_COMPLETE stack; any other end is an error result with the same
    keys (status FAILED), so the workflow has one error branch.
    """

    def __init__(self, stack, timeout=contract.DEFAULT_TIMEOUT_MIN, since=None,
                 poll_interval=2, heat_url=None):
        super(WaitStackAction, self).__init__()
        self.stack = stack
        self.timeout = timeout
        self.since = since
        self.poll_interval = poll_interval
        self.heat_url = heat_url

    def _ended(self, stack):
        in_progress = stack.stack_status.endswith('IN_PROGRESS')
        return not in_progress and stack.updated_time != self.since

    @failures.reports_failure(
        lambda self, cause: 'Waiting for stack %s failed: %s'
        % (self.stack, cause))
    def run(self, context, clock=compat.monotonic, sleep=time.sleep):
        return self._wait(context, clock, sleep)

    def _get(self, heat, clock, deadline, sleep):
        """The stack; Heat down or restarting is retried until deadline."""
        while True:
            try:
                # Without outputs: resolving a THT stack's outputs costs
                # Heat seconds of CPU per poll, which the update it waits
                # for is then short of (Heat 10 runs in one process).
                return heat.stacks.get(self.stack, resolve_outputs=False)
            except Exception as e:
                if not stacks.is_connection_error(e) or clock() >= deadline:
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
                stuck = stacks.stuck_reason(heat, stack, self.stack)
                if stuck:
                    return failed(stack.stack_status, stuck)
            sleep(self.poll_interval)
            stack = self._get(heat, clock, deadline, sleep)

        if stack.stack_status.endswith('COMPLETE'):
            return {'status': 'SUCCESS', 'stack_status': stack.stack_status,
                    'failures': [],
                    'message': 'Stack %s is %s.' % (self.stack,
                                                    stack.stack_status)}
        failures = stacks.failed_resources(heat, stack.id)
        return failed(stack.stack_status,
                      stacks.failure_message(
                          self.stack, stack.stack_status,
                          stack.stack_status_reason, failures),
                      failures[:stacks.MAX_REPORTED_FAILURES])
