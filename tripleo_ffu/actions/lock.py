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

"""One ffwd-upgrade step per stack at a time.

Each workflow takes the stack's step lock first and gives it back last,
so every client (the CLI, a UI, a gate job) passes through it. A lock
whose execution Mistral no longer runs is stale and is taken over.
"""

import functools

from mistral_lib import actions

from tripleo_ffu.actions import clients
from tripleo_ffu.actions import failures
from tripleo_ffu import locks
from tripleo_ffu import mistral_api
from tripleo_ffu import contract
from tripleo_ffu.workflows import follow

# Mistral states of an execution that may still act on the stack.
ACTIVE_STATES = ('IDLE', 'RUNNING', 'PAUSED')


def ansible_problem(record, stack):
    """Why a step must not start while this ansible-playbook lives."""
    return ('ansible-playbook (pid %s, started %s by execution %s, playbook '
            '%s) is still running on the nodes of stack %s. Wait for it to '
            'end ("openstack overcloud ffwd-upgrade status %s"), or stop it '
            '(kill -TERM -%s on the Mistral executor host) and check the '
            'nodes, before starting another step.' % (
                record.get('pid'), record.get('started_at'),
                record.get('execution_id'), record.get('playbook'), stack,
                record.get('execution_id'), record.get('pid')))


def holder_problem(holder, state, stack, step):
    """Why `step` cannot start while `holder` (in Mistral `state`) runs."""
    text = ('Not starting %s: stack %s is held by %s execution %s (%s since '
            '%s); one ffwd-upgrade step runs per stack at a time. Follow it: '
            '"openstack overcloud ffwd-upgrade status %s --follow".' % (
                step, stack, holder.get('step'), holder.get('execution_id'),
                state, holder.get('started_at'), holder.get('execution_id')))
    if locks.executor_stopped(holder):
        executor = holder['executor']
        text += (' Its Mistral executor (pid %s) has stopped since, so its '
                 'action cannot end: Mistral marks it ERROR once the '
                 'action\'s heartbeats are missed, or mark it yourself once '
                 'you have checked the nodes: "openstack workflow execution '
                 'update %s --state ERROR".' % (executor.get('pid'),
                                                holder.get('execution_id')))
    return text


def execution_state(mistral, execution_id):
    """The Mistral state of `execution_id`; None when Mistral has none."""
    execution = mistral_api.get_or_none(mistral, mistral.executions.get,
                                        execution_id)
    return execution.state if execution else None


class StepLockAction(actions.Action):
    """Take the stack's step lock for this workflow execution.

    Returns {work_dir, lock, taken_over}; `work_dir` is the one resolved
    here, on the executor, for the later tasks and for clients.
    """

    def __init__(self, stack, step, work_dir=None, mistral_url=None):
        super(StepLockAction, self).__init__()
        self.stack = stack
        self.step = step
        self.work_dir = work_dir
        self.mistral_url = mistral_url

    # Unsure whether another step runs: refuse, in one sentence.
    @failures.reports_failure(
        lambda self, cause: 'Not starting %s: could not check that no other '
        'ffwd-upgrade step runs on stack %s (%s)' % (
            self.step, self.stack, cause))
    def run(self, context):
        work_dir = contract.resolve_work_dir(self.work_dir)
        execution_id = context.execution.workflow_execution_id
        mistral = clients.mistral_client(context, self.mistral_url)
        return take_step_lock(
            self.stack, self.step, work_dir, execution_id,
            functools.partial(mistral_holder_state, mistral),
            functools.partial(check_mistral, mistral))


def mistral_holder_state(mistral, holder):
    return execution_state(mistral, holder.get('execution_id'))


def step_of(execution):
    """'run' of an execution of workflow tripleo.ffwd_upgrade.v1.run."""
    return (getattr(execution, 'workflow_name', '') or '').rsplit('.', 1)[-1]


def execution_ahead(mistral, stack, execution_id):
    """An active ffwd-upgrade execution of `stack` ahead of this one.

    The lock file guards one work dir on one executor host; Mistral sees
    every execution of the stack, whatever its work dir or executor. Of
    the active ones, the earliest created (then the lowest id) goes
    first, so two checking at once agree on which one that is. Returns
    it, or None.
    """
    mine = mistral_api.call(mistral, mistral.executions.get, execution_id)

    def order(execution):
        return (execution.created_at, execution.id)
    ahead = [e for e in follow.list_executions(mistral, stack)
             if e.id != execution_id and e.state in ACTIVE_STATES and
             order(e) < order(mine)]
    return min(ahead, key=order) if ahead else None


def check_mistral(mistral, stack, step, execution_id):
    """Why `step` must not start: another execution ahead; else None."""
    ahead = execution_ahead(mistral, stack, execution_id)
    if ahead is None:
        return None
    return holder_problem({'step': step_of(ahead), 'execution_id': ahead.id,
                           'started_at': ahead.created_at},
                          ahead.state, stack, step)


def local_holder_state(mistral, holder):
    """The holder's state for a step run without Mistral.

    Mistral's answer when it gives one; else the holder counts as running
    while the process that took the lock (a Mistral executor, or a CLI
    running a step itself) lives.
    """
    if mistral is not None:
        try:
            return execution_state(mistral, holder.get('execution_id'))
        except Exception:
            pass
    executor = holder.get('executor')
    return 'RUNNING' if executor and locks.process_alive(executor) else None


def take_step_lock(stack, step, work_dir, execution_id, holder_state,
                   check_others=None):
    """Take the lock for `execution_id`, or refuse (an actions.Result).

    `holder_state(holder)`: the state of the execution holding it, None
    when it is gone. `check_others(stack, step, execution_id)`: why not to
    start because of an execution the lock file cannot see (another work
    dir or executor), or None.
    """
    path = locks.step_lock_path(work_dir, stack)
    with locks.guard(work_dir, stack):
        holder = locks.read(path)
        taken_over = None
        if holder and holder.get('execution_id') != execution_id:
            state = holder_state(holder)
            if state in ACTIVE_STATES:
                return actions.Result(error=holder_problem(
                    holder, state, stack, step))
            taken_over = dict(holder, state=state or 'gone from Mistral')
        # A run whose execution has ended may have left Ansible behind.
        ansible = locks.read(locks.ansible_lock_path(work_dir, stack))
        if locks.still_running(ansible):
            return actions.Result(error='Not starting %s: %s' % (
                step, ansible_problem(ansible, stack)))
        problem = check_others and check_others(stack, step, execution_id)
        if problem:
            return actions.Result(error=problem)
        locks.write(path, {'execution_id': execution_id, 'step': step,
                           'stack': stack, 'started_at': locks.now(),
                           'executor': locks.this_process()})
    return {'work_dir': work_dir, 'lock': path, 'taken_over': taken_over}


def release_step_lock(stack, work_dir, execution_id):
    """Give the lock back if `execution_id` holds it; True if it did."""
    path = locks.step_lock_path(work_dir, stack)
    with locks.guard(work_dir, stack):
        holder = locks.read(path)
        if holder and holder.get('execution_id') == execution_id:
            locks.remove(path)
            return True
    return False


class StepUnlockAction(actions.Action):
    """Give the stack's step lock back, if this execution holds it."""

    def __init__(self, stack, work_dir=None):
        super(StepUnlockAction, self).__init__()
        self.stack = stack
        self.work_dir = work_dir

    @failures.reports_failure(
        lambda self, cause: 'Could not release the step lock of stack %s '
        '(%s); the next step takes it over once this execution has ended.'
        % (self.stack, cause))
    def run(self, context):
        return {'released': release_step_lock(
            self.stack, contract.resolve_work_dir(self.work_dir),
            context.execution.workflow_execution_id)}
