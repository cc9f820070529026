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

"""The contract between the CLI, the workbook and the actions.

One place for what they must agree on. The workbook (YAML) repeats the
defaults; tests/unit/test_workbook.py checks that it matches this module.
Kept free of heavy imports: the CLI imports it at command start-up.

The SSH user has one name per layer, each the one its layer's users
know: the CLI's --ssh-user, the workflows' and actions' node_user input
(upstream TripleO's), and Ansible's ansible_ssh_user in the inventory.
"""

import os

WORKBOOK_NAME = 'tripleo.ffwd_upgrade.v1'
STEPS = ('prepare', 'run', 'converge', 'abort', 'restore')
# Workflows that check without changing anything: they take no lock.
CHECKS = ('preflight',)

# The stack the CLI works on: $OVERCLOUD_STACK_NAME (upstream's), else
# the default; a workflow input without a stack means the default too.
STACK_ENV = 'OVERCLOUD_STACK_NAME'
DEFAULT_STACK = 'overcloud'

# Every step workflow's first task: its result names the executor's work
# dir. And the read-only action that serves a run's events to clients
# that cannot read that work dir.
LOCK_TASK = 'lock_stack'
EVENTS_ACTION = 'tripleo_ffu.run_events'

# What each step workflow's output carries (a UI shows these without
# reading any log); the failure outputs carry `failures` too.
OUTPUT_KEYS = {
    'prepare': ('status', 'message', 'work_dir', 'stack_status',
                'config_dir', 'inventory_file', 'fixed_step_order',
                'no_step_condition', 'converted', 'ansible_check',
                'ansible', 'overcloudrc'),
    'run': ('status', 'message', 'work_dir', 'recap', 'log_path',
            'command_script'),
    'converge': ('status', 'message', 'work_dir', 'stack_status'),
    'abort': ('status', 'message', 'work_dir', 'stack_status',
              'restore_point'),
    'restore': ('status', 'message', 'work_dir', 'release', 'restored',
                'log_path'),
}

# Where an action finds a service when no catalog names it (an undercloud
# without Keystone): TRIPLEO_FFU_<SERVICE TYPE>_URL, e.g.
# TRIPLEO_FFU_ORCHESTRATION_URL for Heat.
SERVICE_URL_ENV = 'TRIPLEO_FFU_%s_URL'

# Workflow input defaults.
DEFAULT_TIMEOUT_MIN = 240
DEFAULT_SSH_USER = 'heat-admin'
DEFAULT_QUEUE = 'tripleo'
DEFAULT_PLAYBOOK = 'fast_forward_upgrade_playbook.yaml'
# The final step of a role, in order (upstream's `overcloud upgrade run
# --roles`): the Queens upgrade tasks, the deploy steps, the post-upgrade
# tasks.
FINAL_STEP_PLAYBOOKS = ('upgrade_steps_playbook.yaml',
                        'deploy_steps_playbook.yaml',
                        'post_upgrade_steps_playbook.yaml')

# The executor's work dir: the input, else this variable of the
# executor's environment, else the undercloud's Mistral home.
WORK_DIR_ENV = 'TRIPLEO_FFU_WORK_DIR'
DEFAULT_WORK_DIR = '/var/lib/mistral'

# Mistral's bound on a waiting task is the action's own bound plus this
# grace (the workbook's "timeout * 60 + 300"), so that the action can
# stop Ansible and report before Mistral gives up on it.
ACTION_GRACE_S = 300

# The ansible-playbook the executor runs, when not the one beside its own
# Python nor the first on PATH (doc/ansible-runtime.rst).
ANSIBLE_PLAYBOOK_ENV = 'TRIPLEO_FFU_ANSIBLE_PLAYBOOK'

# Where the Ansible callback writes a run's events (set by the runner).
EVENTS_FILE_ENV = 'TRIPLEO_FFU_EVENTS_FILE'

# The ids of runs made without Mistral (run --no-workflow) start so; their
# records live in the work dir only.
LOCAL_RUN_PREFIX = 'local-'


def default_stack():
    return os.environ.get(STACK_ENV) or DEFAULT_STACK


def service_url_env(service_type):
    return SERVICE_URL_ENV % service_type.upper()


def workflow_name(step):
    return '%s.%s' % (WORKBOOK_NAME, step)


def default_work_dir():
    return os.environ.get(WORK_DIR_ENV) or DEFAULT_WORK_DIR


def resolve_work_dir(work_dir=None):
    """The work dir an action uses: its input, else the executor's own.

    Resolved where the action runs, so the CLI, a UI starting the
    workflows with their defaults and the sandbox all use the directory
    the executor was set up with.
    """
    return work_dir or default_work_dir()
