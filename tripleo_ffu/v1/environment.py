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


def in_templates(templates, relpath):
    """Whether the templates have `relpath`, as is or rendered from j2."""
    path = os.path.join(templates, relpath)
    return os.path.isfile(path) or (
        path.endswith('.yaml') and
        os.path.isfile(path[:-len('.yaml')] + '.j2.yaml'))


def load_ordered(env_files, env_dirs, templates):
    """Return (environments, files, paths) for an update to `templates`.

    An environment file in the templates dir is named by its path there:
    the executor reads it from the rendered tree, so its own relative
    references (and files rendered from a .j2.yaml) resolve there. Any
    other file is processed here, as without --templates.
    """
    from heatclient.common import template_utils

    environments, files = [], {}
    env_paths = [os.path.abspath(p) for p in ordered_paths(env_files,
                                                           env_dirs)]
    for path in env_paths:
        relpath = relative_to(path, templates)
        if relpath is not None:
            if not in_templates(templates, relpath):
                raise EnvironmentFileError(
                    'Environment file %s does not exist (nor its .j2.yaml '
                    'in the templates)' % path)
            environments.append({'path': relpath})
            continue
        check_readable(path)
        try:
            env_files, env = template_utils.process_environment_and_files(
                env_path=path)
        except Exception as e:
            raise EnvironmentFileError(
                'Environment file %s is not usable: %s' % (path, e))
        files.update(env_files)
        environments.append({'name': path, 'environment': env})
    return environments, files, env_paths


def relative_to(path, directory):
    """`path` relative to `directory`, or None when outside it."""
    path = os.path.realpath(path)
    root = os.path.realpath(directory).rstrip('/') + '/'
    if path.startswith(root):
        return path[len(root):]
    return None


def check_readable(path):
    if not os.path.isfile(path):
        raise EnvironmentFileError(
            'Environment file %s does not exist' % path)
    if not os.access(path, os.R_OK):
        raise EnvironmentFileError(
            'Environment file %s is not readable' % path)


def load(env_files=None, env_dirs=None):
    """Return (environment, files, paths); later files win."""
    # Imported here: heatclient is slow to import and only prepare and
    # converge need it, not --help or the other commands.
    from heatclient.common import template_utils

    env_paths = [os.path.abspath(p) for p in ordered_paths(env_files,
                                                           env_dirs)]
    for path in env_paths:
        check_readable(path)
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
