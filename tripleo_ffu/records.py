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

"""What the executor's own records say about an execution.

Mistral can lose an action's result (executor killed or restarted) and
later mark the execution ERROR "Heartbeat wasn't received" whatever
happened on the nodes. The lock records (locks.py) and the run's events
file, written on the executor's host, say what really happened; these
functions turn them into sentences for the operator. Without read access
to the work dir (another host, another user) they return None.
"""

import os

from tripleo_ffu.ansible import events as events_mod
from tripleo_ffu import db_dumps
from tripleo_ffu import journal
from tripleo_ffu import locks
from tripleo_ffu import runs


def ansible_record(work_dir, stack, execution_id=None):
    """The ansible-playbook record of run `execution_id`, else None.

    Without an execution id: the stack's newest run's (the live one).
    """
    if not work_dir:
        return None
    own = runs.read_record(work_dir, stack, execution_id)
    if own:
        return own
    # The stack's live record: the newest run's (also the only record
    # of runs made before runs had their own directory).
    record = locks.read(locks.ansible_lock_path(work_dir, stack))
    if record and execution_id and record.get('execution_id') != (
            execution_id):
        return None
    return record


def executor_gone(work_dir, stack, execution_id):
    """True when `execution_id` holds the stack but its executor died.

    Its running action can then never report: Mistral shows the
    execution RUNNING until it notices the missed heartbeats.
    """
    if not work_dir:
        return False
    holder = locks.read(locks.step_lock_path(work_dir, stack))
    if not holder or holder.get('execution_id') != execution_id:
        return False
    return locks.executor_stopped(holder)


def stopped_where(events_file):
    """' during task "X" (release R, step N)' from a run's events."""
    found, _ = events_mod.read_new_events(events_file or '', 0)
    return events_mod.during(events_mod.last_task(found))


def describe_ansible(record):
    """One sentence on the run a record names, or None without one."""
    if not record:
        return None
    who = 'ansible-playbook (pid %s, playbook %s, execution %s)' % (
        record.get('pid'), record.get('playbook'),
        record.get('execution_id'))
    if locks.still_running(record):
        return ('%s is still running on the nodes, started %s.' % (
            who, record.get('started_at')))
    if record.get('running'):
        where = stopped_where(record.get('events_file'))
        executor = record.get('executor')
        if executor and locks.process_alive(executor):
            # The executor lives: it could not write the outcome (a full
            # or read-only work dir); the execution's message says why.
            return ('%s ended%s, but its outcome was not recorded; its '
                    'Mistral executor (pid %s) still runs, and the '
                    'execution\'s message says what went wrong. The nodes '
                    'may be in the middle of that step: check them, then '
                    'run the step again.' % (who, where, executor['pid']))
        return ('%s was stopped before its end%s, with its Mistral '
                'executor: the nodes may be in the middle of that step. '
                'Check them, then run the step again.' % (who, where))
    return '%s ended %s at %s: %s' % (
        who, record.get('status'), record.get('ended_at'),
        record.get('message'))


def run_details(record):
    """[(field, value)] of a run's record for status <id>."""
    if not record:
        return []
    span = record.get('log_range') or [None, None]
    fields = [
        ('Ansible', '%s, %s%s, pid %s, started %s%s' % (
            record.get('ansible') or 'ansible (version unknown)',
            record.get('playbook'),
            ' --limit %s' % record['limit'] if record.get('limit') else '',
            record.get('pid'), record.get('started_at'),
            ', ended %s %s (rc %s)' % (record.get('ended_at'),
                                       record.get('status'), record.get('rc'))
            if not record.get('running') else ''))]
    recap = events_mod.recap_lines(record.get('recap'))
    if recap:
        fields.append(('Recap', '; '.join(recap)))
    if record.get('skipped'):
        fields.append(('Skipped (resume)',
                       journal.describe(record['skipped'])))
    found = journal.read(record.get('journal_file') or '')
    where = journal.summary(found)
    if where:
        fields.append(('Journal', '%s (%s)' % (
            '; '.join('%s: %s' % line for line in where),
            record['journal_file'])))
    dumps = db_dumps.manifests(found)
    if dumps:
        fields.append(('Database dumps', db_dumps.describe(dumps)))
    fields.append(('Run record', '%s (log %s%s; by hand: %s)' % (
        os.path.dirname(record.get('events_file') or ''),
        record.get('log_path'),
        ', bytes %s-%s' % tuple(span) if span[0] is not None else '',
        record.get('command_script'))))
    return fields
