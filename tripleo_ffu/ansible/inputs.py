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

"""Checks of a run's inputs, made before anything starts.

The CLI makes them before it starts an execution (where it can read the
inventory) and the run action again before Ansible starts, so a UI that
calls Mistral directly gets the same answers.
"""

import json
import os
import shlex

import yaml

from tripleo_ffu import errors


class InputError(errors.FFUError, ValueError):
    """An input of the run is wrong; the message says which and why."""


def parse_extra_vars(text):
    """--extra-vars as Ansible reads it (JSON, YAML, key=value, @file).

    Returns a dict; raises InputError naming what is wrong.
    """
    if isinstance(text, dict):
        return text
    text = (text or '').strip()
    if not text:
        return {}
    if text.startswith('@'):
        try:
            with open(text[1:]) as f:
                text = f.read()
        except EnvironmentError as e:
            raise InputError('--extra-vars %s: %s' % (text, e.strerror))
        return _mapping(text, 'file %s' % text[1:])
    if text[0] in '{[':
        return _mapping(text, 'JSON/YAML')
    try:
        pairs = shlex.split(text)
    except ValueError as e:  # Quotes that do not close.
        raise InputError('--extra-vars %s: %s' % (text, e))
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition('=')
        if not sep or not key:
            raise InputError('--extra-vars: "%s" is not key=value (or pass '
                             'JSON, YAML or @file)' % pair)
        values[key] = value
    return values


def _mapping(text, what):
    try:
        data = json.loads(text)
    except ValueError:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise InputError('--extra-vars (%s) does not parse: %s'
                             % (what, str(e).splitlines()[0]))
    if not isinstance(data, dict):
        raise InputError('--extra-vars (%s) is a %s, not a mapping of '
                         'variables' % (what, type(data).__name__))
    return data


def hosts_matching(inventory, pattern):
    """The inventory's host names that an Ansible --limit pattern selects.

    Ansible's own pattern rules (groups, wildcards, ranges, `!`, `&`).
    """
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader

    manager = InventoryManager(loader=DataLoader(), sources=[inventory])
    manager.subset(pattern)
    return sorted(h.name for h in manager.get_hosts('all'))


def check_limit(inventory, pattern):
    """Raise InputError when `pattern` selects no host of `inventory`."""
    if pattern and not hosts_matching(inventory, pattern):
        raise InputError('--limit %s matches no host of the inventory %s' % (
            pattern, inventory))


def check_playbooks(config_dir, playbooks):
    """Raise InputError naming a playbook the downloaded config lacks."""
    for playbook in playbooks:
        if not os.path.isfile(os.path.join(config_dir, playbook)):
            choices = sorted(n for n in os.listdir(config_dir)
                             if n.endswith('_playbook.yaml'))
            raise InputError('Playbook %s is not in %s; the config has: %s'
                             % (playbook, config_dir,
                                ', '.join(choices) or 'none'))
