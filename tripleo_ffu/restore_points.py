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

"""The stack as it was before the upgrade, to go back to.

    <work dir>/tripleo-ffu-state/<stack>/stack-before-prepare.json

What Heat holds of the stack (template, files, environment with its
parameters) before the first prepare of an upgrade changes it; private
(0600), it carries the stack's passwords. `abort` updates the stack back
to it, as long as no step of the walk ran on the nodes. A second prepare
keeps the first one's; converge, the end of the upgrade, sets the state
aside (the next upgrade starts with its own).
"""

import json
import os
import shutil

from tripleo_ffu import compat
from tripleo_ffu import files
from tripleo_ffu import journal
from tripleo_ffu import locks

STACK_FILE = 'stack-before-prepare.json'


def stack_file(work_dir, stack):
    return os.path.join(journal.state_dir(work_dir, stack), STACK_FILE)


def read(work_dir, stack):
    """The saved stack, or None."""
    try:
        with open(stack_file(work_dir, stack)) as f:
            return json.load(f)
    except (EnvironmentError, ValueError):
        return None


def save_stack(work_dir, stack, heat, heat_stack):
    """Save what Heat holds of `heat_stack` unless saved already.

    Returns (path, saved now).
    """
    path = stack_file(work_dir, stack)
    if os.path.exists(path):
        return path, False
    journal.make_state_dir(work_dir, stack)
    record = {'stack': stack, 'stack_id': heat_stack.id,
              'stack_status': heat_stack.stack_status,
              'updated_time': heat_stack.updated_time,
              'saved_at': locks.now(),
              'template': heat.stacks.template(heat_stack.id),
              'environment': heat.stacks.environment(heat_stack.id),
              'files': heat.stacks.files(heat_stack.id)}
    staging = path + '.new'
    with files.open_private(staging) as f:
        json.dump(record, f, sort_keys=True)
    os.rename(staging, path)
    return path, True


def walk_began(work_dir, stack):
    """[(host, pair key)] where a step of the walk did something."""
    found = journal.entries(journal.read(journal.journal_file(work_dir,
                                                              stack)))
    return [(host, key) for host, host_entries in found.items()
            for key, entry in host_entries.items() if entry['ran']]


def end_upgrade(work_dir, stack):
    """Set the stack's state aside: the upgrade it belonged to ended."""
    directory = journal.state_dir(work_dir, stack)
    if not os.path.isdir(directory):
        return None
    aside = '%s.ended-%s' % (directory,
                             compat.utc_now().strftime('%Y%m%dT%H%M%SZ'))
    shutil.move(directory, aside)
    return aside
