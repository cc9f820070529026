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

"""One directory per Ansible run, keyed by its Mistral execution.

    <work dir>/<stack>/runs/<execution id>/
        events.jsonl                  the callback's events (progress)
        record.json                   the run's record: command, pid,
                                      Ansible version, state, rc, recap,
                                      the log's byte range
        ansible-playbook-command.sh   reproduces the run by hand
    <work dir>/<stack>/runs/latest    -> the newest run's directory

Everything is private (0700 directories, 0600 files): the command line
and the events can carry what the operator passed. The Ansible log stays
one file per stack, <work dir>/<stack>/ansible.log, appended by each
run as upstream's config download did (one file to follow across runs);
each record names its run's byte range in it. The stack's step lock
(locks.py) still says which run is alive; this module owns what each
run leaves.
"""

import json
import os

from tripleo_ffu import compat
from tripleo_ffu import files
from tripleo_ffu import paths

RUNS_DIR = 'runs'
LATEST = 'latest'
EVENTS_FILE = 'events.jsonl'
RECORD_FILE = 'record.json'


def runs_dir(work_dir, stack):
    return os.path.join(paths.config_dir(work_dir, stack), RUNS_DIR)


def run_dir(work_dir, stack, execution_id):
    return os.path.join(runs_dir(work_dir, stack), execution_id)


def events_file(work_dir, stack, execution_id):
    """JSON-lines progress of one ansible run, written by the callback."""
    return os.path.join(run_dir(work_dir, stack, execution_id), EVENTS_FILE)


def record_file(work_dir, stack, execution_id):
    return os.path.join(run_dir(work_dir, stack, execution_id), RECORD_FILE)


def create(work_dir, stack, execution_id):
    """The run's private directory, made the newest; its path."""
    directory = run_dir(work_dir, stack, execution_id)
    compat.makedirs(directory, 0o700)
    for path in (runs_dir(work_dir, stack), directory):
        os.chmod(path, 0o700)
    files.point(os.path.join(runs_dir(work_dir, stack), LATEST),
                execution_id)
    return directory


def write_record(work_dir, stack, execution_id, record):
    with files.open_private(record_file(work_dir, stack,
                                        execution_id)) as f:
        json.dump(record, f, indent=1, sort_keys=True)


def read_record(work_dir, stack, execution_id):
    """The run's record, or None (no such run, or not readable here)."""
    if not work_dir or not execution_id:
        return None
    try:
        with open(record_file(work_dir, stack, execution_id)) as f:
            return json.load(f)
    except (EnvironmentError, ValueError):
        return None


def newest(work_dir, stack):
    """The execution id of the newest run, or None."""
    try:
        return os.readlink(os.path.join(runs_dir(work_dir, stack), LATEST))
    except OSError:
        return None


def list_records(work_dir, stack):
    """Every run's record readable here, newest first."""
    try:
        names = os.listdir(runs_dir(work_dir, stack))
    except OSError:
        return []
    found = [read_record(work_dir, stack, name) for name in names
             if name != LATEST]
    return sorted((r for r in found if r), reverse=True,
                  key=lambda r: r.get('started_at') or '')
