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

"""The client side of Mistral: start an execution, follow it to its end.

The only module that knows python-mistralclient. Following is done by
polling the execution and its tasks, never by waiting for a message that
can be lost, and every wait is bounded.
"""

import ast
import json
import os
import time

import yaml

from tripleo_ffu.ansible import events as events_mod
from tripleo_ffu import compat
from tripleo_ffu import contract
# The follower's callers catch these as follow.FFUError and
# follow.MistralUnreachable.
from tripleo_ffu.mistral_api import call
from tripleo_ffu.mistral_api import FFUError
from tripleo_ffu.mistral_api import MistralUnreachable
from tripleo_ffu import paths
from tripleo_ffu import records
from tripleo_ffu import runs

FINAL_STATES = ('SUCCESS', 'ERROR', 'CANCELLED')
# Task states not worth a progress line (about to run, or waiting).
QUIET_STATES = ('IDLE', 'WAITING')
POLL_INTERVAL = 0.5
# How often a local events file is read between two polls of Mistral.
EVENTS_POLL_S = 0.05
# How long the API may not answer before the follower gives up: a
# restart of the API, or a stopped executor's Ansible being stopped.
UNREACHABLE_GRACE_S = 10
# What a follower reads of an execution: never its input.
EXECUTION_FIELDS = ('id', 'workflow_name', 'state', 'state_info', 'output',
                    'created_at', 'updated_at')


class WorkflowNotRegistered(FFUError):
    pass


class WorkflowFailed(FFUError):
    def __init__(self, message, output=None):
        super(WorkflowFailed, self).__init__(message)
        self.output = output or {}


class FollowTimeout(FFUError):
    pass


class ExecutionOrphaned(FFUError):
    """Mistral shows the execution running; its executor has gone."""


def start(mistral, step, workflow_input):
    """Start workflow `step` of the workbook; return the execution."""
    name = contract.workflow_name(step)
    try:
        return call(mistral, mistral.executions.create, name,
                    workflow_input=workflow_input,
                    description='tripleo-ffu %s of stack %s' % (
                        step, workflow_input.get('stack')))
    except MistralUnreachable:
        raise
    except Exception as e:
        text = str(e)
        if getattr(e, 'error_code', None) == 404 or (
                'not found' in text.lower() and name in text):
            raise WorkflowNotRegistered(
                'Workflow %s is not registered in Mistral. Register the '
                'workbook: "openstack workbook create '
                'workbooks/ffwd_upgrade.yaml" (the sandbox does this in '
                '"tripleo-ffu-sandbox up").' % name)
        raise FFUError('Mistral refused to start %s: %s' % (name, text))


def _json_dict(value):
    """A Mistral JSON field as a dict; {} for anything else."""
    if isinstance(value, compat.string_types):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


_WORKFLOW_TASKS = {}


def _workflow_tasks():
    """{workflow name: its task names in definition order} (read once)."""
    if not _WORKFLOW_TASKS:
        with open(paths.workbook_path()) as f:
            workbook = compat.ordered_yaml_load(f)
        _WORKFLOW_TASKS.update(
            ('%s.%s' % (workbook['name'], name), list(workflow['tasks']))
            for name, workflow in workbook['workflows'].items())
    return _WORKFLOW_TASKS


def definition_order(workflow_name):
    """{task name: its place in the workflow's definition}."""
    try:
        names = _workflow_tasks().get(workflow_name) or []
    except (EnvironmentError, ValueError, yaml.YAMLError):
        names = []
    return {name: index for index, name in enumerate(names)}


def in_order(tasks, workflow_name):
    """Tasks by creation time, ties (whole seconds) in definition order."""
    order = definition_order(workflow_name)
    return sorted(tasks, key=lambda t: (t.created_at or '',
                                        order.get(t.name, len(order))))


def error_message(state_info):
    """The message of a task's error.

    An action's error result {status: FAILED, message, ...} reaches the
    task's state_info as the dict's Python text.
    """
    if state_info.startswith('{'):
        try:
            error = ast.literal_eval(state_info)
        # RuntimeError: Python 3's RecursionError (deeply nested text).
        except (ValueError, SyntaxError, MemoryError, RuntimeError):
            return state_info
        if isinstance(error, dict) and error.get('message'):
            return compat.text_type(error['message'])
    return state_info


def lock_task_result(mistral, tasks):
    """{work_dir, lock, taken_over} of the lock task among `tasks`, or {}."""
    for task in tasks:
        if task.name == contract.LOCK_TASK and task.state == 'SUCCESS':
            full = call(mistral, mistral.tasks.get, task.id)
            return _json_dict(getattr(full, 'result', None))
    return {}


def parse_output(execution):
    return _json_dict(getattr(execution, 'output', None))


def execution_input(execution):
    return _json_dict(getattr(execution, 'input', None))


def get_execution(mistral, execution_id):
    """The execution without its input, which may carry passwords.

    Mistral's GET takes a field list; python-mistralclient's get() does
    not pass one, hence its lower-level _get. Mistral 6 (Queens) takes
    none ('Unknown argument: "fields"'): there the whole execution is
    read and its input dropped at once.
    """
    manager = mistral.executions
    if not getattr(manager, 'tripleo_ffu_no_fields', False):
        try:
            return call(mistral, manager._get, '/executions/%s?fields=%s'
                        % (execution_id, ','.join(EXECUTION_FIELDS)))
        except MistralUnreachable:
            raise
        except Exception as e:
            if 'Unknown argument: "fields"' not in str(e):
                raise
            manager.tripleo_ffu_no_fields = True
    execution = call(mistral, manager.get, execution_id)
    execution.input = None
    return execution


class LocalEvents(object):
    """A run's events from its file, on the executor's host."""

    local = True

    def __init__(self, path):
        self.path = path
        self.offset = 0

    def read(self):
        events, self.offset = events_mod.read_new_events(self.path,
                                                         self.offset)
        return events


class RemoteEvents(object):
    """A run's events through Mistral, for a client that cannot read them.

    Each read is a synchronous, unsaved run of the read-only action
    tripleo_ffu.run_events on the executor.
    """

    local = False

    def __init__(self, mistral, stack, execution_id, work_dir):
        self.mistral = mistral
        self.input = {'stack': stack, 'execution_id': execution_id,
                      'work_dir': work_dir}
        self.offset = 0

    def read(self):
        execution = call(self.mistral, self.mistral.action_executions.create,
                         contract.EVENTS_ACTION,
                         dict(self.input, offset=self.offset),
                         run_sync=True, save_result=False)
        result = _json_dict(getattr(execution, 'output', None)).get(
            'result') or {}
        self.offset = result.get('offset', self.offset)
        return result.get('events') or []


def events_source(mistral, stack, execution_id, work_dir):
    """The file when this host can read the stack's config dir, else Mistral.

    On a UI's host or another CLI host the work dir is absent or not
    readable (it is private to the executor's user).
    """
    config_dir = paths.config_dir(work_dir, stack)
    if os.access(config_dir, os.R_OK | os.X_OK):
        return LocalEvents(runs.events_file(work_dir, stack, execution_id))
    return RemoteEvents(mistral, stack, execution_id, work_dir)


class EventPrinter(object):
    """Ansible events as progress lines, with release/step transitions."""

    def __init__(self, write, verbose=False):
        self.write = write
        self.verbose = verbose
        self._where = None

    def show(self, events):
        for event in events:
            where = events_mod.release_step(event)
            if where and where != self._where:
                self._where = where
                release, step = where
                # Outside the step loop (the release's own tasks): no step.
                self.write('-- release %s' % release if step is None else
                           '-- release %s, step %s' % where)
            line = events_mod.format_event(event, self.verbose)
            if line:
                self.write(line)


class Follower(object):
    """Prints an execution's task and Ansible progress until it ends.

    `run_events`: the execution is a run, whose Ansible events are shown
    too, read from the executor's work dir (the caller's `work_dir`, else
    the one the lock task resolved on the executor) where this host can
    read it, else through Mistral.
    """

    def __init__(self, mistral, write, events_path=None, verbose=False,
                 poll_interval=POLL_INTERVAL, clock=compat.monotonic,
                 sleep=time.sleep, stack=None, work_dir=None,
                 run_events=False):
        self.mistral = mistral
        self.write = write
        self.events = LocalEvents(events_path) if events_path else None
        self.poll_interval = poll_interval
        self.clock = clock
        self.sleep = sleep
        self.stack = stack
        self.work_dir = work_dir
        self.run_events = run_events
        self._task_states = {}
        self._printer = EventPrinter(write, verbose)
        self._lock_read = False
        self._execution_id = None

    def _report_tasks(self, execution_id, workflow_name=None):
        # Sorted by Mistral, which keeps sub-second creation times (its API
        # shows whole seconds only).
        tasks = call(self.mistral, self.mistral.tasks.list,
                     workflow_execution_id=execution_id,
                     sort_keys='created_at', sort_dirs='asc')
        running, changed = [], []
        for task in tasks:
            if task.state not in FINAL_STATES:
                running.append(task.name)
            if (task.state not in QUIET_STATES and
                    self._task_states.get(task.id) != task.state):
                self._task_states[task.id] = task.state
                changed.append(task)
        # Within one poll, what ended came before what started after it,
        # each group in the workflow's own order: Mistral's creation times
        # can tie, and then its order inverts.
        order = definition_order(workflow_name)
        changed.sort(key=lambda t: (t.state not in FINAL_STATES,
                                    order.get(t.name, len(order))))
        for task in changed:
            line = '[%s] %s' % (task.name, task.state)
            if task.state == 'ERROR' and task.state_info:
                line += ': %s' % self._task_error(task)
            self.write(line)
            if task.name == contract.LOCK_TASK and task.state == 'SUCCESS':
                self._read_lock_result(task)
        return running

    def _task_error(self, task):
        """The message of a failed task.

        From its state_info when Mistral wrote the error result as Python
        text; Mistral 6 writes its own shortened '{key: value, ...}' form,
        so then from the task's result.
        """
        message = error_message(task.state_info)
        if message != task.state_info or not message.startswith('{'):
            return message
        full = call(self.mistral, self.mistral.tasks.get, task.id)
        result = _json_dict(getattr(full, 'result', None))
        return compat.text_type(result.get('message') or message)

    def _read_lock_result(self, task):
        """Learn the executor's work dir; say if a stale lock was taken."""
        if self._lock_read:
            return
        self._lock_read = True
        result = lock_task_result(self.mistral, [task])
        self.work_dir = self.work_dir or result.get('work_dir')
        if self.events is None and self.run_events and self.work_dir:
            self.events = events_source(self.mistral, self.stack,
                                        self._execution_id, self.work_dir)
        stale = result.get('taken_over')
        if stale:
            self.write('  took over the lock of %s execution %s (%s)' % (
                stale.get('step'), stale.get('execution_id'),
                stale.get('state')))

    def _report_events(self):
        if self.events:
            self._printer.show(self.events.read())

    def _what_ansible_says(self, execution_id):
        record = records.ansible_record(self.work_dir, self.stack or '',
                                        execution_id)
        return records.describe_ansible(record)

    def _poll(self, execution_id):
        execution = get_execution(self.mistral, execution_id)
        # Ansible events first: they happened before the task ended.
        self._report_events()
        running = self._report_tasks(execution_id,
                                     getattr(execution, 'workflow_name',
                                             None))
        return execution, running

    def follow(self, execution_id, timeout_s):
        """Return the output of a SUCCESS execution; raise otherwise."""
        try:
            execution = self._follow(execution_id, timeout_s)
        except MistralUnreachable as e:
            said = self._what_ansible_says(execution_id)
            raise MistralUnreachable(
                '%s Execution %s had not ended when Mistral stopped '
                'answering. %s When Mistral is back: "openstack overcloud '
                'ffwd-upgrade status %s".' % (
                    e, execution_id, said or 'Whether its action still runs '
                    'cannot be seen from here: on the executor host, look '
                    'for ansible-playbook (pgrep -af ansible-playbook).',
                    execution_id))
        output = parse_output(execution)
        if execution.state == 'SUCCESS':
            return output
        message = (output.get('message') or execution.state_info or
                   'execution %s ended %s' % (execution_id, execution.state))
        raise WorkflowFailed('%s (execution %s, state %s)' % (
            message, execution_id, execution.state), output)

    def _poll_through_restarts(self, execution_id):
        """_poll, waiting out an API that stops answering for a moment."""
        unreachable_since = None
        while True:
            try:
                return self._poll(execution_id)
            except MistralUnreachable:
                now = self.clock()
                unreachable_since = unreachable_since or now
                if now - unreachable_since >= UNREACHABLE_GRACE_S:
                    raise
            self.sleep(self.poll_interval)

    def _wait(self):
        """Sleep until the next poll; a local events file is read meanwhile.

        Reading the file every EVENTS_POLL_S costs a stat; it brings
        Ansible's lines within tens of milliseconds, where the poll of
        Mistral (an HTTP round trip) stays at poll_interval.
        """
        end = self.clock() + self.poll_interval
        while self.events is not None and self.events.local:
            left = end - self.clock()
            if left <= 0:
                return
            self.sleep(min(EVENTS_POLL_S, left))
            self._report_events()
        self.sleep(self.poll_interval)

    def _follow(self, execution_id, timeout_s):
        self._execution_id = execution_id
        deadline = self.clock() + timeout_s
        while True:
            execution, running = self._poll_through_restarts(execution_id)
            if execution.state in FINAL_STATES:
                return execution
            if records.executor_gone(self.work_dir, self.stack or '',
                                     execution_id):
                raise ExecutionOrphaned(
                    'Execution %s still shows %s in Mistral, but the Mistral '
                    'executor that ran it has stopped, so its task %s can '
                    'no longer end (Mistral marks it ERROR once it notices '
                    'the missed heartbeats). %s Once you have checked the '
                    'nodes, free the stack for the next step: "openstack '
                    'workflow execution update %s --state ERROR".' % (
                        execution_id, execution.state,
                        ', '.join(running) or '(none)',
                        self._what_ansible_says(execution_id) or '',
                        execution_id))
            if self.clock() >= deadline:
                break
            self._wait()
        # Once more: it may have ended while we slept.
        execution, running = self._poll(execution_id)
        if execution.state in FINAL_STATES:
            return execution
        said = self._what_ansible_says(execution_id)
        raise FollowTimeout(
            'Gave up following execution %s after %d minutes; Mistral still '
            'shows it %s (task: %s). %s Follow it again with "openstack '
            'overcloud ffwd-upgrade status %s --follow".' % (
                execution_id, timeout_s // 60, execution.state,
                ', '.join(running) or 'none running',
                said or 'Its action may still be working.', execution_id))


def list_executions(mistral, stack, limit=20, page_size=100, max_pages=20):
    """The ffwd-upgrade executions of `stack`, newest first, at most `limit`.

    Mistral filters on the workflow names; the stack is in the input,
    which Mistral cannot filter on, so pages are read until `limit` are
    found (bounded: `max_pages`).
    """
    names = 'in:' + ','.join(contract.workflow_name(step)
                             for step in contract.STEPS)
    found, marker = [], ''
    for _ in range(max_pages):
        page = call(mistral, mistral.executions.list, limit=page_size,
                    marker=marker, sort_keys='created_at', sort_dirs='desc',
                    workflow_name=names)
        found += [e for e in page
                  if execution_input(e).get('stack', contract.DEFAULT_STACK) ==
                  stack]
        if len(found) >= limit or len(page) < page_size:
            break
        marker = page[-1].id
    return found[:limit]


def current_task(mistral, execution, tasks=None):
    """The name of the running task, or of the failed one.

    `tasks`: the execution's task list when the caller has it already.
    """
    if execution.state == 'SUCCESS':
        return ''
    if tasks is None:
        tasks = call(mistral, mistral.tasks.list,
                     workflow_execution_id=execution.id)
    wanted = 'ERROR' if execution.state == 'ERROR' else 'RUNNING'
    names = [t.name for t in tasks if t.state == wanted]
    return ', '.join(names)
