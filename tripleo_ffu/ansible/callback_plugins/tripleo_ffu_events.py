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

"""Ansible callback: progress as JSON lines, one event a line.

The shape follows ansible-runner's events: {"event", "time", "event_data"}
with host, task and result fields. Each line is flushed when written so
that a follower sees it within a poll interval. The file is named by the
TRIPLEO_FFU_EVENTS_FILE environment variable; without it the plugin stays
silent. With TRIPLEO_FFU_JOURNAL_FILE, the start and end of each playbook
and the host results also go to that file, the stack's journal
(tripleo_ffu/journal.py), appended across runs.
"""

# Ansible 2.9 on Python 2.7 loads this as ansible.plugins.callback.<name>:
# without this, `import json` would find its json callback plugin.
from __future__ import absolute_import

import errno
import json
import os
import time

from ansible.plugins.callback import CallbackBase

try:  # Ansible 2.9 runs its callbacks on the controller's Python 2.7 too.
    STRING_TYPES = (str, unicode)  # noqa: F821
except NameError:
    STRING_TYPES = (str,)

DOCUMENTATION = '''
    name: tripleo_ffu_events
    type: notification
    short_description: write playbook progress as JSON lines
    description:
      - Writes one JSON object a line to the file named by the
        TRIPLEO_FFU_EVENTS_FILE environment variable.
'''

MAX_MESSAGE = 2000
# Loop variables of the fast-forward upgrade playbooks (the THT contract)
# that tell the operator where the upgrade is.
CONTEXT_VARS = ('release', 'step')


def _text(value):
    return value if isinstance(value, STRING_TYPES) else json.dumps(value)


# Keys of a task result that are not what the task was asked to show.
RESULT_KEYS = frozenset((
    'changed', 'failed', 'failed_when_result', 'skipped', 'skip_reason',
    'invocation', 'rc', 'cmd', 'start', 'end', 'delta', 'stdout',
    'stdout_lines', 'stderr', 'stderr_lines', 'warnings', 'deprecations',
    'ansible_facts', 'item', 'ansible_loop_var', 'results', 'msg',
    'reason'))


def _message(result):
    """The module's message, with the end of stderr when there is one."""
    parts = [_text(result[key]) for key in ('msg', 'reason')
             if result.get(key)]
    stderr = result.get('stderr') or ''
    if stderr:
        parts.append(_text(stderr).strip())
    elif not parts and result.get('stdout'):
        parts.append(_text(result['stdout']).strip())
    elif not parts:
        # `debug: var=...` failed by failed_when (THT's "Debug output for
        # task" reports a step's errors so): the value it shows.
        shown = [k for k in result
                 if not k.startswith('_') and k not in RESULT_KEYS]
        if len(shown) == 1:
            value = result[shown[0]]
            if isinstance(value, list):
                value = '\n'.join(_text(line) for line in value)
            parts.append(_text(value).strip())
    return ': '.join(parts)[-MAX_MESSAGE:]


def upgrade_context(task):
    """{release, step} from the includes around `task`, innermost first.

    Ansible keeps an include's loop variable in the vars of the include
    (a parent of the included tasks), not on the task itself.
    """
    found = {}
    node, depth = task, 0
    while node is not None and depth < 20:
        node_vars = getattr(node, 'vars', None)
        if isinstance(node_vars, dict):
            for key in CONTEXT_VARS:
                if key in node_vars and key not in found:
                    value = node_vars[key]
                    if isinstance(value, STRING_TYPES + (int,)):
                        found[key] = value
        node, depth = getattr(node, '_parent', None), depth + 1
    return found


# The JSON key of the manifest the database dump task prints
# (tripleo_ffu/db_dumps.py): the journal keeps it with the host's result.
DB_DUMP_KEY = 'tripleo_ffu_db_dump'


def db_dump(result):
    """The manifest a dump task printed, or None."""
    stdout = result.get('stdout')
    if not isinstance(stdout, STRING_TYPES) or DB_DUMP_KEY not in stdout:
        return None
    try:
        return json.loads(stdout).get(DB_DUMP_KEY)
    except (ValueError, AttributeError):
        return None


# What the journal keeps: enough to tell where each host is in the walk.
JOURNAL_EVENTS = frozenset((
    'playbook_on_start', 'runner_on_ok', 'runner_on_failed',
    'runner_on_skipped', 'runner_on_unreachable', 'playbook_on_stats'))


def _append(path):
    """`path` opened to append line by line, or None without a path."""
    if not path:
        return None
    try:
        os.makedirs(os.path.dirname(path) or '.')
    except OSError as e:
        if e.errno != errno.EEXIST:
            raise
    return open(path, 'a', buffering=1)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'tripleo_ffu_events'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self._out = _append(os.environ.get('TRIPLEO_FFU_EVENTS_FILE'))
        self._journal = _append(os.environ.get('TRIPLEO_FFU_JOURNAL_FILE'))

    def _emit(self, event, **data):
        line = json.dumps({'event': event, 'time': time.time(),
                           'event_data': data}) + '\n'
        if self._out is not None:
            self._out.write(line)
        if self._journal is not None and event in JOURNAL_EVENTS:
            self._journal.write(line)

    def _host_event(self, event, result, **extra):
        task = result._task
        self._emit(event, host=result._host.get_name(),
                   task=task.get_name().strip(), task_uuid=task._uuid,
                   **dict(upgrade_context(task), **extra))

    def v2_playbook_on_start(self, playbook):
        self._emit('playbook_on_start',
                   playbook=os.path.basename(playbook._file_name))

    def v2_playbook_on_play_start(self, play):
        self._emit('playbook_on_play_start', play=play.get_name().strip())

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._emit('playbook_on_task_start', task=task.get_name().strip(),
                   task_uuid=task._uuid)

    def v2_runner_on_ok(self, result):
        extra = {}
        manifest = db_dump(result._result)
        if manifest is not None:
            extra['db_dump'] = manifest
        self._host_event('runner_on_ok', result,
                         changed=bool(result._result.get('changed')),
                         **extra)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._host_event('runner_on_failed', result,
                         ignore_errors=bool(ignore_errors),
                         msg=_message(result._result))

    def v2_runner_on_skipped(self, result):
        self._host_event('runner_on_skipped', result)

    def v2_runner_on_unreachable(self, result):
        self._host_event('runner_on_unreachable', result,
                         msg=_message(result._result))

    def v2_playbook_on_stats(self, stats):
        # Sent after each playbook of the run (run --roles gives several),
        # with the totals so far: the file stays open for the next one.
        recap = {host: stats.summarize(host)
                 for host in sorted(stats.processed)}
        self._emit('playbook_on_stats', recap=recap)
