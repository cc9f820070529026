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

"""Where things live in the work dir and the package.

Shared by the actions and the CLI; what they agree on besides the file
layout is in contract.py.

Kept free of heavy imports: the CLI imports it at command start-up.
"""

import errno
import os
import sys

WORKBOOK_FILE = 'ffwd_upgrade.yaml'
INVENTORY_FILE = 'tripleo-ansible-inventory.yaml'
HYGIENE_REPORT = 'task-hygiene.yaml'
# What the Ansible runtime could not load, written by prepare.
CHECK_REPORT = 'ansible-check.yaml'
COMMAND_SCRIPT = 'ansible-playbook-command.sh'
# The stack as prepare left it, written with the config it downloaded.
STACK_STATE = 'stack-state.json'


def config_dir(work_dir, stack):
    return os.path.join(work_dir, stack)


def workbook_path():
    """This checkout's workbook, else the copy installed with the package.

    Raises EnvironmentError (ENOENT) naming both places.
    """
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    candidates = (os.path.join(here, 'workbooks', WORKBOOK_FILE),
                  os.path.join(sys.prefix, 'share', 'tripleo-ffu',
                               'workbooks', WORKBOOK_FILE))
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    raise EnvironmentError(errno.ENOENT, 'workbook %s not found in %s: '
                           'reinstall tripleo-ffu' % (
                               WORKBOOK_FILE, ' nor '.join(candidates)))
