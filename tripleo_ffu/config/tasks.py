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

"""Stepped task lists: ordering by step and the step-first `when` hygiene.

Ansible evaluates a `when` list left to right and stops at the first false
item, so a step condition placed after a condition on a variable that only
exists at that step makes every other step fail on the undefined variable.
Moving the step condition to the front changes nothing else.
"""

import re

from tripleo_ffu import compat

# Task lists that a playbook includes once per step with `step` set.
STEPPED_KINDS = (
    'fast_forward_upgrade_tasks',
    'upgrade_tasks',
    'post_upgrade_tasks',
    'pre_upgrade_rolling_tasks',
    'update_tasks',
    'post_update_tasks',
    'deploy_steps_tasks',
    'external_upgrade_tasks',
    'external_update_tasks',
    'external_deploy_tasks',
)

# A step test anywhere in a condition: `step|int == 3`, `(step|int == 0 or
# step|int == 3) and x`, `{{ step == 1 }}`, `step == "3"`.
_STEP_RE = re.compile(r'\bstep\s*(?:\|\s*int\s*)?==\s*[\'"]?(\d+)')


def is_sorted_kind(kind):
    """Whether `kind` is sorted by step, as upstream does.

    Only the upgrade kinds are (fast_forward_*, upgrade, post_upgrade);
    every other list keeps THT's order.
    """
    return 'upgrade_tasks' in kind


def condition_step(condition):
    """The N of the first `step|int == N` test in a condition, or None."""
    if not isinstance(condition, compat.string_types):
        return None
    match = _STEP_RE.search(condition)
    return int(match.group(1)) if match else None


def when_conditions(task):
    when = task.get('when') if isinstance(task, dict) else None
    if when is None:
        return []
    return list(when) if isinstance(when, list) else [when]


def task_step(task):
    """The step a task is gated on, or None when it has no step condition."""
    for condition in when_conditions(task):
        step = condition_step(condition)
        if step is not None:
            return step
    return None


def task_label(task, index):
    if isinstance(task, dict) and task.get('name'):
        return task['name']
    return 'task #%d' % (index + 1)


def order_by_step(tasks):
    """Stable sort by step; tasks without a step keep their place first."""
    keyed = [(task_step(t), i, t) for i, t in enumerate(tasks)]
    keyed.sort(key=lambda k: (-1 if k[0] is None else k[0], k[1]))
    return [t for _, _, t in keyed]


def put_step_first(tasks):
    """Return (tasks, fixed, stepless).

    `tasks` is a new list where each task whose `when` list tested the step
    after something else has its step condition moved to the front; `fixed`
    and `stepless` hold the labels of the tasks fixed and of the tasks that
    have no step condition at all (reported, not changed).
    """
    result, fixed, stepless = [], [], []
    for index, task in enumerate(tasks):
        conditions = when_conditions(task)
        steps = [i for i, c in enumerate(conditions)
                 if condition_step(c) is not None]
        if not steps:
            stepless.append(task_label(task, index))
        elif steps[0] != 0 and isinstance(task.get('when'), list):
            first = steps[0]
            reordered = ([conditions[first]] + conditions[:first] +
                         conditions[first + 1:])
            task = dict(task, when=reordered)
            fixed.append(task_label(task, index))
        result.append(task)
    return result, fixed, stepless
