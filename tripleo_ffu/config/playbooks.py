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

"""Download-time conversions of RoleConfig playbooks, each reported.

The release walk: THT Queens computes the releases to walk as
`releases | difference(releases | last)`. Up to ansible-core 2.15 that
filter kept the list's order (and `x not in 'queens'` happened to drop the
last release); from 2.16 it is a set operation, so the walk comes out in
hash order and includes the last release (seen: queens, pike, ocata).
The walk must be the order of FastForwardUpgradeReleases whatever the
runtime does, so the expression becomes a plain slice: every release but
the last, in order.

Resume: each include of the FFU task files that loops over `step` (the
release's steps) gets the condition that skips a (release, step) the
journal says to skip (journal.SKIP_CONDITION); without the extra var it
skips nothing.
"""

import copy
import re

import yaml

from tripleo_ffu import compat
from tripleo_ffu import journal

WALK_VAR = 'ffu_releases'
WALK_EXPRESSION = '{{ releases[:-1] }}'
_DIFFERENCE = re.compile(r'difference\s*\(')


def _set_facts(plays):
    """Every set_fact mapping of the plays' tasks."""
    for play in plays if isinstance(plays, list) else []:
        if not isinstance(play, dict):
            continue
        for task in play.get('tasks') or []:
            facts = task.get('set_fact') if isinstance(task, dict) else None
            if isinstance(facts, dict):
                yield facts


def _fix_walk(plays):
    converted = []
    for facts in _set_facts(plays):
        expression = facts.get(WALK_VAR)
        if (isinstance(expression, compat.string_types) and
                _DIFFERENCE.search(expression)):
            facts[WALK_VAR] = WALK_EXPRESSION
            converted.append((expression, WALK_EXPRESSION))
    return converted


def _tasks(data):
    """Every task of a task list or of plays (blocks included)."""
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, dict):
            continue
        yield item
        for key in ('tasks', 'block', 'rescue', 'always'):
            for task in _tasks(item.get(key)):
                yield task


def _add_resume(data):
    """Give each include looping over `step` the skip condition."""
    added = []
    for task in _tasks(data):
        loop_var = (task.get('loop_control') or {}).get('loop_var')
        include = task.get('include_tasks') or task.get('include')
        if loop_var != 'step' or not include:
            continue
        when = task.get('when')
        when = [] if when is None else (
            list(when) if isinstance(when, list) else [when])
        if journal.SKIP_CONDITION in when:
            continue
        task['when'] = when + [journal.SKIP_CONDITION]
        added.append(include)
    return added


def convert(relpath, value):
    """(value, [conversions], [resume points]) of one RoleConfig entry."""
    if not relpath.startswith('fast_forward_upgrade_'):
        return value, [], []
    data = (yaml.safe_load(value) if isinstance(value, compat.string_types)
            else copy.deepcopy(value))
    converted = [{'file': relpath, 'task': 'set_fact %s' % WALK_VAR,
                  'was': was, 'now': now,
                  'why': 'walk the releases in the order of '
                         'FastForwardUpgradeReleases on any ansible-core'}
                 for was, now in _fix_walk(data)]
    resume = [{'file': relpath, 'include': include}
              for include in _add_resume(data)]
    if not converted and not resume:
        return value, [], []
    return data, converted, resume
