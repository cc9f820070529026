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

"""Reading the callback's JSON-lines events: recap, failures, progress."""

import json
import re

from tripleo_ffu import compat

MAX_FAILURES = 50


def read_new_events(path, offset, max_bytes=-1):
    """Complete lines after byte `offset`; return (events, new offset).

    A line still being written (no newline yet) is left for the next call.
    With `max_bytes`, at most that much is read (but always one whole
    line, however long), the rest is left for the next call.
    """
    try:
        with open(path, 'rb') as f:
            f.seek(offset)
            data = f.read(max_bytes)
            if max_bytes > 0 and b'\n' not in data:
                data += f.readline()
    except EnvironmentError as e:
        if not compat.is_missing(e):
            raise
        return [], offset
    end = data.rfind(b'\n') + 1
    events = []
    for line in data[:end].splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            continue
    return events, offset + end


def summarize(events):
    """Per-host recap and the failed host/task/message list of a run."""
    recap, failures = {}, []
    for event in events:
        kind, data = event.get('event'), event.get('event_data') or {}
        if kind == 'playbook_on_stats':
            recap = data.get('recap') or {}
        elif kind == 'runner_on_unreachable' or (
                kind == 'runner_on_failed' and
                not data.get('ignore_errors')):
            failures.append({'host': data.get('host'),
                             'task': data.get('task'),
                             'release': data.get('release'),
                             'step': data.get('step'),
                             'unreachable': kind == 'runner_on_unreachable',
                             'message': data.get('msg', '')})
    return recap, failures


# The task Ansible adds to every play that gathers facts.
FACTS_TASK = 'Gathering Facts'


def tasks_started(events):
    """Tasks of the playbooks that started (fact gathering is not one)."""
    return sum(1 for e in events
               if e.get('event') == 'playbook_on_task_start' and
               (e.get('event_data') or {}).get('task') != FACTS_TASK)


def last_task(events):
    """{task, release, step} of the last task started, or None.

    Release and step come from the last host result that carried them:
    the task-start event has no host, so no loop variables.
    """
    task, where = None, {}
    for event in events:
        data = event.get('event_data') or {}
        if event.get('event') == 'playbook_on_task_start':
            task = data.get('task')
        elif data.get('release') not in (None, ''):
            where = {k: data.get(k) for k in ('release', 'step')}
    if task is None:
        return None
    return dict(where, task=task)


def describe_task(task):
    """'task "X" (release pike, step 3)' for a last_task() result."""
    return 'task "%s"%s' % (task.get('task'), _where(task))


def during(task):
    """' during task "X" (release R, step N)', or '' without a task."""
    return ' during %s' % describe_task(task) if task else ''


# Where Ansible says a file it could not load went wrong.
ERROR_PLACE = re.compile(r"The error appears to (?:be|have been) in "
                         r"'([^']+)': line (\d+)")


def first_error_line(output):
    """Ansible's first error line (`ERROR! ...` or `[ERROR]: ...`).

    With the file and line Ansible names below it (a task file it could
    not parse), so that the operator knows which file to fix.
    """
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if not line.startswith(('ERROR!', '[ERROR]')):
            continue
        for later in lines[index + 1:index + 40]:
            if later.startswith(('ERROR!', '[ERROR]')):
                break
            place = ERROR_PLACE.search(later)
            if place:
                return '%s (in %s, line %s)' % (
                    line.strip().rstrip(':'), place.group(1),
                    place.group(2))
        return line.strip()
    return None


def failure_sentence(failures, log_path, error_line=None, tasks_run=0):
    """One human sentence naming the failed hosts and tasks.

    Without a failed task (Ansible stopped on a parse error, a missing
    module or file...), Ansible's own first error line says why.
    """
    if not failures:
        when = ('after %d task(s) had started' % tasks_run if tasks_run
                else 'before any task ran')
        return 'Ansible stopped %s without a failed task: %s; see %s' % (
            when, error_line or 'no error line in its output', log_path)
    parts = []
    for failure in failures[:5]:
        what = 'unreachable' if failure['unreachable'] else 'failed'
        lines = (failure['message'] or '').strip().splitlines()
        parts.append('%s %s at task "%s"%s: %s' % (
            failure['host'], what, failure['task'], _where(failure),
            lines[-1] if lines else 'no message'))
    more = len(failures) - 5
    tail = ' (and %d more)' % more if more > 0 else ''
    return '%s%s. Full log: %s' % ('; '.join(parts), tail, log_path)


def _where(data):
    """' (release pike, step 8)' for tasks run inside the release loop."""
    parts = ['%s %s' % (key, data[key]) for key in ('release', 'step')
             if data.get(key) not in (None, '')]
    return ' (%s)' % ', '.join(parts) if parts else ''


def release_step(event):
    """(release, step) a host result ran in, or None outside the walk."""
    data = event.get('event_data') or {}
    if data.get('release') in (None, '') or not data.get('host'):
        return None
    return data.get('release'), data.get('step')


def recap_lines(recap):
    """'host: ok=N changed=N failed=N unreachable=N', a line per host."""
    return ['%s: ok=%s changed=%s failed=%s unreachable=%s' % (
        host, stats.get('ok'), stats.get('changed'), stats.get('failures'),
        stats.get('unreachable')) for host, stats in sorted(
            (recap or {}).items())]


def format_event(event, verbose=False):
    """A progress line for the operator, or None for events not shown."""
    kind, data = event.get('event'), event.get('event_data') or {}
    if kind == 'playbook_on_start':
        return 'PLAYBOOK [%s]' % data.get('playbook')
    if kind == 'playbook_on_play_start':
        return 'PLAY [%s]' % data.get('play')
    if kind == 'playbook_on_task_start':
        return 'TASK [%s]' % data.get('task') if verbose else None
    host, task = data.get('host'), '%s%s' % (data.get('task'), _where(data))
    if kind == 'runner_on_ok':
        if not data.get('changed'):
            # Includes, facts, checks: the bulk of a run, shown with -v.
            return '  ok: %s | %s' % (host, task) if verbose else None
        return '  changed: %s | %s' % (host, task)
    if kind == 'runner_on_failed':
        label = 'failed (ignored)' if data.get('ignore_errors') else 'FAILED'
        return '  %s: %s | %s | %s' % (label, host, task, data.get('msg'))
    if kind == 'runner_on_unreachable':
        return '  UNREACHABLE: %s | %s | %s' % (host, task, data.get('msg'))
    if kind == 'runner_on_skipped':
        return '  skipped: %s | %s' % (host, task) if verbose else None
    if kind == 'playbook_on_stats':
        return 'RECAP ' + '; '.join(
            line.replace(':', '', 1)
            for line in recap_lines(data.get('recap')))
    return None
