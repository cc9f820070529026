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

"""Private files: configs, task lists and scripts can carry secrets."""

import os


def open_private(path, mode=0o600, append=False):
    """Open `path` for writing, created with `mode` whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | (
        os.O_APPEND if append else os.O_TRUNC), mode)
    os.fchmod(fd, mode)
    return os.fdopen(fd, 'a' if append else 'w')


def point(link, target):
    """Make symlink `link` point at `target`, replaced in one rename.

    A reader finds the old pointer or the new one, never none.
    """
    staging = '%s.%d' % (link, os.getpid())
    if os.path.lexists(staging):
        os.unlink(staging)
    os.symlink(target, staging)
    os.rename(staging, link)
