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

"""`ffwd-upgrade run --no-workflow`: the run action, here, without Mistral.

The escape when Mistral itself is broken (Train added the same). The very
action code the workflow runs, with its checks, its stack lock (taken
without Mistral's word when Mistral does not answer), its Ansible record
and its events file, followed with the same progress lines.

The workbook's `run` workflow and run_here() are the same sequence, and
tests/unit/test_workbook.py holds them to it (SEQUENCE):

    lock_stack    tripleo_ffu.step_lock         take_step_lock()
    run_playbook  tripleo_ffu.ansible_playbook  AnsiblePlaybookAction.run()
    report_*      tripleo_ffu.notify            (nothing: no Mistral
                                                execution for a UI to
                                                follow, so no message)
    unlock_*      tripleo_ffu.step_unlock       release_step_lock(), always
"""

import collections
import threading
import uuid

from mistral_lib import actions

from tripleo_ffu.actions import ansible as ansible_action
from tripleo_ffu.actions import preflight as preflight_action
from tripleo_ffu.actions import lock as lock_action
from tripleo_ffu.ansible import runner
from tripleo_ffu import locks
from tripleo_ffu import contract
from tripleo_ffu import errors
from tripleo_ffu import records
from tripleo_ffu import runs
from tripleo_ffu.workflows import follow


# The workbook's run workflow, task by task, as run_here() does it; the
# notification is the one step it leaves out.
SEQUENCE = ('tripleo_ffu.step_lock', 'tripleo_ffu.preflight',
            'tripleo_ffu.ansible_playbook', 'tripleo_ffu.notify',
            'tripleo_ffu.step_unlock')


class LocalRunError(errors.FFUError):
    """The run was refused or failed; the message says why."""


def run_here(workflow_input, write, verbose=False, mistral=None,
             poll_s=follow.EVENTS_POLL_S):
    """Run the run action in this process; return its result dict.

    `mistral`: a client, asked about the lock's holder when it answers.
    Raises LocalRunError with the action's message when it refuses or
    the playbook fails, KeyboardInterrupt after stopping Ansible.
    """
    stack = workflow_input['stack']
    work_dir = contract.resolve_work_dir(workflow_input.get('work_dir'))
    execution_id = contract.LOCAL_RUN_PREFIX + str(uuid.uuid4())
    taken = lock_action.take_step_lock(
        stack, 'run', work_dir, execution_id,
        lambda holder: lock_action.local_holder_state(mistral, holder))
    if isinstance(taken, actions.Result):
        raise LocalRunError(taken.error)
    write('Running %s here, without Mistral (run %s) on stack %s.' % (
        workflow_input.get('playbook') or contract.DEFAULT_PLAYBOOK,
        execution_id, stack))
    stale = taken['taken_over']
    if stale:
        write('  took over the lock of %s execution %s (%s)' % (
            stale.get('step'), stale.get('execution_id'), stale.get('state')))
    try:
        result = _run_following(workflow_input, work_dir, execution_id,
                                stack, write, verbose, poll_s)
    finally:
        lock_action.release_step_lock(stack, work_dir, execution_id)
    if isinstance(result, actions.Result):
        error = result.error
        raise LocalRunError(error.get('message') if isinstance(error, dict)
                            else error)
    return result


# What the actions read of Mistral's action context.
_Context = collections.namedtuple('_Context', 'security execution')
_Execution = collections.namedtuple('_Execution', 'workflow_execution_id')


def _run_following(workflow_input, work_dir, execution_id, stack, write,
                   verbose, poll_s):
    kwargs = {k: v for k, v in workflow_input.items()
              if k not in ('queue_name', 'skip_preflight')}
    kwargs['work_dir'] = work_dir
    action = ansible_action.AnsiblePlaybookAction(**kwargs)
    context = _Context(security=None,
                       execution=_Execution(execution_id))
    checked = preflight_action.PreflightAction(
        stack, work_dir, step='run',
        skip=workflow_input.get('skip_preflight', False)).run(context)
    if isinstance(checked, actions.Result):
        return checked
    write(checked['message'])
    outcome = {}

    def target():
        try:
            outcome['result'] = action.run(context)
        except Exception as e:
            outcome['result'] = actions.Result(
                error='The run action failed: %s: %s' % (type(e).__name__,
                                                         e))
    worker = threading.Thread(target=target)
    worker.daemon = True
    events = follow.LocalEvents(runs.events_file(work_dir, stack,
                                                 execution_id))
    printer = follow.EventPrinter(write, verbose)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(poll_s)
            printer.show(events.read())
    except KeyboardInterrupt:
        where = _stop_ansible(work_dir, stack, execution_id, events)
        worker.join(60)
        raise KeyboardInterrupt(
            'Interrupted: stopped Ansible%s; the nodes may be in the middle '
            'of that step. Check them, then run the step again.' % where)
    printer.show(events.read())
    return outcome.get('result')


def _stop_ansible(work_dir, stack, execution_id, events):
    """Stop this run's ansible-playbook group; say where it was."""
    record = locks.read(locks.ansible_lock_path(work_dir, stack)) or {}
    if record.get('execution_id') == execution_id and locks.still_running(
            record):
        runner.stop_group(int(record['pid']))
    return records.stopped_where(events.path)
