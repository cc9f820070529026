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

"""The workbook and actions this package installs, as Mistral has them.

An undercloud install or upgrade (instack-undercloud's Mistral
post-config) deletes every workbook whose name starts with "tripleo" and
re-creates only tripleo-common's own, and the FFU procedure starts with an
undercloud upgrade. So every command checks, before it starts anything,
that Mistral has this package's workbook (same definition) and actions,
and registers the workbook when it is missing or stale.
"""

import sys

from tripleo_ffu import compat
from tripleo_ffu import contract
from tripleo_ffu import mistral_api
from tripleo_ffu import paths


def workbook_definition():
    try:
        with open(paths.workbook_path()) as f:
            return f.read()
    except EnvironmentError as e:
        raise mistral_api.FFUError(e.strerror or str(e))


def project_actions():
    """The package's Mistral actions, from its installed entry points."""
    names = [name for name in compat.entry_point_names('mistral.actions')
             if name.startswith('tripleo_ffu.')]
    if not names:
        raise mistral_api.FFUError(
            'no tripleo_ffu.* entry points in group mistral.actions: '
            'install tripleo-ffu in %s' % sys.prefix)
    return names


def missing_actions(mistral, names):
    return [name for name in names if mistral_api.get_or_none(
        mistral, mistral.actions.get, name) is None]


def ensure_registered(mistral, definition=None, actions=None):
    """Make Mistral's workbook this package's; return what was done.

    Returns a sentence when the workbook was created or updated, None
    when it was current. Raises FFUError when Mistral lacks the actions:
    no workbook can help then.
    """
    definition = definition or workbook_definition()
    missing = missing_actions(mistral, actions or project_actions())
    if missing:
        raise mistral_api.FFUError(
            'Mistral does not have the tripleo-ffu actions %s: install '
            'tripleo-ffu (pip install tripleo-ffu) in the Python that runs '
            'the Mistral engine and executor, restart them (e.g. systemctl '
            'restart openstack-mistral-engine openstack-mistral-executor), '
            'then run the command again.' % ', '.join(missing))
    registered = mistral_api.get_or_none(mistral, mistral.workbooks.get,
                                         contract.WORKBOOK_NAME)
    if registered is None:
        mistral_api.call(mistral, mistral.workbooks.create, definition)
        return ('Registered workbook %s in Mistral: it was missing (an '
                'undercloud install or upgrade deletes the workbooks named '
                'tripleo*).' % contract.WORKBOOK_NAME)
    if (registered.definition or '').strip() != definition.strip():
        mistral_api.call(mistral, mistral.workbooks.update, definition)
        return ('Updated workbook %s in Mistral to this package\'s '
                'definition (the registered one differed).'
                % contract.WORKBOOK_NAME)
    return None
