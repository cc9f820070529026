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

"""Where things live in the work dir; shared by the actions and the CLI.

Kept free of heavy imports: the CLI imports it at command start-up.
"""

import os
import sys

DEFAULT_WORK_DIR = '/var/lib/mistral'
WORK_DIR_ENV = 'TRIPLEO_FFU_WORK_DIR'
WORKBOOK_NAME = 'tripleo.ffwd_upgrade.v1'
WORKBOOK_FILE = 'ffwd_upgrade.yaml'
INVENTORY_FILE = 'tripleo-ansible-inventory.yaml'
DEFAULT_PLAYBOOK = 'fast_forward_upgrade_playbook.yaml'
HYGIENE_REPORT = 'task-hygiene.yaml'
# What the Ansible runtime could not load, written by prepare.
CHECK_REPORT = 'ansible-check.yaml'
COMMAND_SCRIPT = 'ansible-playbook-command.sh'
# Mistral's bound on a waiting task is the action's own bound plus this
# grace (the workbook's "timeout * 60 + 300"), so that the action can
# stop Ansible and report before Mistral gives up on it.
ACTION_GRACE_S = 300


def default_work_dir():
    return os.environ.get(WORK_DIR_ENV) or DEFAULT_WORK_DIR


def resolve_work_dir(work_dir=None):
    """The work dir an action uses: its input, else the executor's own.

    Resolved where the action runs, so the CLI, a UI starting the
    workflows with their defaults and the sandbox all use the directory
    the executor was set up with.
    """
    return work_dir or default_work_dir()


def config_dir(work_dir, stack):
    return os.path.join(work_dir, stack)


def events_file(work_dir, stack, execution_id):
    """JSON-lines progress of one ansible run, written by the callback."""
    return os.path.join(config_dir(work_dir, stack), 'ansible-events',
                        '%s.jsonl' % execution_id)


def workflow_name(step):
    return '%s.%s' % (WORKBOOK_NAME, step)


def workbook_path():
    """This checkout's workbook, else the copy installed with the package.

    Raises FileNotFoundError naming both places.
    """
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    candidates = (os.path.join(here, 'workbooks', WORKBOOK_FILE),
                  os.path.join(sys.prefix, 'share', 'tripleo-ffu',
                               'workbooks', WORKBOOK_FILE))
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError('workbook %s not found in %s: reinstall '
                            'tripleo-ffu' % (WORKBOOK_FILE,
                                             ' nor '.join(candidates)))
