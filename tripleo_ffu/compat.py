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

"""What differs between Python 2.7 (a Queens undercloud) and Python 3.

The plugin and the actions run in both: in the Queens `openstack` and
Mistral 6's executor on Python 2.7, and on any Python 3 from 3.6. Only
this module looks at the interpreter's version.
"""

import collections
import datetime
import errno
import os
import subprocess
import sys
import threading
import time

import yaml

PY2 = sys.version_info[0] == 2

if PY2:  # pragma: no cover (checked by the py27 unit tests)
    from distutils.spawn import find_executable as which  # noqa: F401
    from pipes import quote as shell_quote  # noqa: F401
    import monotonic as _monotonic
    monotonic = _monotonic.monotonic
    string_types = (str, unicode)  # noqa: F821
else:
    from shlex import quote as shell_quote  # noqa: F401
    from shutil import which  # noqa: F401
    monotonic = time.monotonic
    string_types = (str,)


def native(text):
    """`text` as the `str` that files and argv take in this Python."""
    if PY2 and isinstance(text, unicode):  # noqa: F821
        return text.encode('utf-8')
    if not PY2 and isinstance(text, bytes):
        return text.decode('utf-8', 'replace')
    return text


def is_missing(exc):
    """True for the error of a path that does not exist."""
    return getattr(exc, 'errno', None) == errno.ENOENT


def makedirs(path, mode=0o777):
    """os.makedirs that accepts an existing directory."""
    try:
        os.makedirs(path, mode)
    except OSError as e:
        if e.errno != errno.EEXIST or not os.path.isdir(path):
            raise


def kill_group(pgid, signum):
    """killpg; False when the group is gone."""
    try:
        os.killpg(pgid, signum)
    except OSError as e:
        if e.errno != errno.ESRCH:
            raise
        return False
    return True


def wait(proc, timeout):
    """Wait at most `timeout` seconds for `proc`; True when it ended."""
    if not PY2:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    deadline = monotonic() + timeout
    while proc.poll() is None:
        if monotonic() >= deadline:
            return False
        time.sleep(0.2)
    return True


def run(argv, timeout, **kwargs):
    """(returncode, stdout + stderr as text) of `argv`, killed at `timeout`.

    No input; the returncode is None when it was killed.
    """
    with open(os.devnull) as nothing:
        proc = subprocess.Popen(argv, stdin=nothing, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT,
                                universal_newlines=True, **kwargs)
    killed = []

    def kill():
        killed.append(True)
        proc.kill()
    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        out, _ = proc.communicate()
    finally:
        timer.cancel()
    return (None if killed else proc.returncode), native(out or '')


def utc_now():
    """The current UTC time, naive (both Pythons print it the same)."""
    now = time.time()
    return datetime.datetime(*time.gmtime(now)[:6],
                             microsecond=int(now % 1 * 1000000))


def package_version(names):
    """'<name> <version>' of the first of `names` installed, or None."""
    try:
        from importlib import metadata
        found = metadata.version
        missing = metadata.PackageNotFoundError
    except ImportError:  # Python < 3.8
        import pkg_resources
        missing = pkg_resources.DistributionNotFound

        def found(name):
            return pkg_resources.get_distribution(name).version
    for name in names:
        try:
            return '%s %s' % (name, found(name))
        except missing:
            continue
    return None


def entry_point_names(group):
    """Sorted names of the installed entry points of `group`."""
    try:
        from importlib import metadata
    except ImportError:  # Python < 3.8
        import pkg_resources
        found = pkg_resources.iter_entry_points(group)
    else:
        points = metadata.entry_points()
        found = (points.select(group=group) if hasattr(points, 'select')
                 else points.get(group, ()))
    return sorted(set(point.name for point in found))


if PY2:  # pragma: no cover
    text_type = unicode  # noqa: F821
else:
    text_type = str


class _OrderedLoader(yaml.SafeLoader):
    pass


def _ordered_mapping(loader, node):
    loader.flatten_mapping(node)
    return collections.OrderedDict(loader.construct_pairs(node))


_OrderedLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _ordered_mapping)


def ordered_yaml_load(stream):
    """yaml.safe_load, mappings in file order (Python 2's dicts lose it)."""
    return yaml.load(stream, Loader=_OrderedLoader)
