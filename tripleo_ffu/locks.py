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

"""Per-stack lock files in the executor's work dir.

Two records per stack, both small JSON files under
<work_dir>/tripleo-ffu-locks/:

- <stack>.step: the ffwd-upgrade execution that holds the stack (one
  prepare, run or converge at a time), and the executor process that ran
  its lock task;
- <stack>.ansible: the ansible-playbook process of a run, kept after the
  process ends so that its outcome can be told even if Mistral lost it.

Every read-modify-write happens under an exclusive flock of
<stack>.guard, so two executors' threads or processes on one host cannot
both take a lock. Processes are identified by pid and start time, so a
reused pid is never mistaken for the holder.
"""

import contextlib
import fcntl
import json
import os
import socket
import time

from tripleo_ffu import compat
from tripleo_ffu import files

LOCKS_DIR = 'tripleo-ffu-locks'


def locks_dir(work_dir):
    return os.path.join(work_dir, LOCKS_DIR)


def step_lock_path(work_dir, stack):
    return os.path.join(locks_dir(work_dir), '%s.step' % stack)


def ansible_lock_path(work_dir, stack):
    return os.path.join(locks_dir(work_dir), '%s.ansible' % stack)


@contextlib.contextmanager
def guard(work_dir, stack):
    """Hold the stack's guard (an exclusive flock) for a short section."""
    directory = locks_dir(work_dir)
    compat.makedirs(directory, 0o700)
    fd = os.open(os.path.join(directory, '%s.guard' % stack),
                 os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def read(path):
    """The record at `path`, or None when there is none (or it is torn)."""
    try:
        with open(path) as f:
            record = json.load(f)
    except (EnvironmentError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def write(path, record):
    """Write `record` atomically (a reader never sees half a file)."""
    staging = '%s.%d.tmp' % (path, os.getpid())
    with files.open_private(staging) as f:
        json.dump(record, f, sort_keys=True)
    os.rename(staging, path)


def remove(path):
    try:
        os.unlink(path)
    except OSError as e:
        if not compat.is_missing(e):
            raise


def process_start_time(pid):
    """The start time of a running `pid` (clock ticks since boot), or None.

    None too for a zombie: it has ended, only its exit status is left.
    """
    try:
        with open('/proc/%d/stat' % int(pid)) as f:
            stat = f.read()
    except (EnvironmentError, ValueError, TypeError):
        return None
    # The command name (field 2) may hold spaces: split after its ')'.
    fields = stat.rsplit(')', 1)[-1].split()
    if len(fields) < 20 or fields[0] in ('Z', 'X'):
        return None
    return int(fields[19])


def this_process():
    """Identity of the calling process, as stored in lock records."""
    return process_identity(os.getpid())


def process_identity(pid):
    return {'pid': pid, 'start_time': process_start_time(pid),
            'host': socket.gethostname()}


def process_alive(record):
    """True while the process a record names still runs.

    A record from another host cannot be checked from here: it counts as
    alive, the safe answer.
    """
    if not record or not record.get('pid'):
        return False
    if record.get('host') not in (None, socket.gethostname()):
        return True
    started = process_start_time(record['pid'])
    if started is None:
        return False
    return record.get('start_time') in (None, started)


def group_alive(record):
    """True while any process of the session a record's pid leads runs.

    ansible-playbook leads its own session: its forks and SSH clients
    share its process group and may outlive it for a moment.
    """
    if process_alive(record):
        return True
    if not record or not record.get('pid'):
        return False
    if record.get('host') not in (None, socket.gethostname()):
        return True
    return group_exists(record['pid'])


def group_exists(pgid):
    """True while process group `pgid` has a process (a zombie counts)."""
    try:
        os.killpg(int(pgid), 0)
    except (OSError, ValueError):
        return False
    return True


def still_running(record):
    """True for an ansible record whose run has not ended and still lives.

    A record left "running" by a run whose processes are all gone is the
    trace of an executor that died: the run did not end, nothing runs.
    """
    return bool(record) and bool(record.get('running')) and group_alive(
        record)


def executor_stopped(holder):
    """True when the process that took a step lock has stopped."""
    executor = (holder or {}).get('executor')
    return bool(executor) and not process_alive(executor)


def now():
    return time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())
