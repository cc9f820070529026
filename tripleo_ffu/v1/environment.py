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

"""Operator-side environment files -> Heat `environment` and `files`."""

import os

from tripleo_ffu import errors


class EnvironmentFileError(errors.FFUError):
    """An environment file cannot be used; the message names it."""


def directory_files(directory):
    """The YAML files of an --environment-directory, in name order."""
    if not os.path.isdir(directory):
        raise EnvironmentFileError(
            'Environment directory %s does not exist' % directory)
    return [os.path.join(directory, name)
            for name in sorted(os.listdir(directory))
            if name.endswith(('.yaml', '.yml'))]


def ordered_paths(env_files, env_dirs):
    """Directories first, then -e files, as `overcloud deploy` did."""
    result = []
    for directory in env_dirs or []:
        result += directory_files(directory)
    return result + list(env_files or [])


def load(env_files=None, env_dirs=None):
    """Return (environment, files, paths); later files win."""
    # Imported here: heatclient is slow to import and only prepare and
    # converge need it, not --help or the other commands.
    from heatclient.common import template_utils

    env_paths = [os.path.abspath(p) for p in ordered_paths(env_files,
                                                           env_dirs)]
    for path in env_paths:
        if not os.path.isfile(path):
            raise EnvironmentFileError(
                'Environment file %s does not exist' % path)
        if not os.access(path, os.R_OK):
            raise EnvironmentFileError(
                'Environment file %s is not readable' % path)
        try:
            template_utils.process_environment_and_files(env_path=path)
        except Exception as e:
            raise EnvironmentFileError(
                'Environment file %s is not usable: %s' % (path, e))
    if not env_paths:
        return {}, {}, []
    files, environment = (
        template_utils.process_multiple_environments_and_files(
            env_paths=env_paths))
    return environment, files, env_paths
