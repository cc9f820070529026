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

"""Functional tests run the real thing against a running sandbox.

The test command starts one sandbox per run (tools/run-tests.sh) and names
its state dir in TRIPLEO_FFU_SANDBOX_DIR; without a reachable sandbox the
tests skip and say why.
"""

import logging
import os
import stat
import subprocess
import sys
import threading
import time
import urllib.request

import fixtures
from oslotest import base

from tripleo_ffu_sandbox import overclouds
from tripleo_ffu_sandbox import sandbox as sandbox_mod

BIN = os.path.dirname(sys.executable)
PREPARE_ENVS = overclouds.demo_environments('prepare')
CONVERGE_ENVS = overclouds.demo_environments('converge')
CONTROLLER = 'overcloud-controller-0'
COMPUTE = 'overcloud-novacompute-0'


def _sandbox():
    state_dir = os.environ.get('TRIPLEO_FFU_SANDBOX_DIR')
    if not state_dir:
        return None, 'TRIPLEO_FFU_SANDBOX_DIR is not set (run the tests ' \
                     'with tools/run-tests.sh, which starts a sandbox)'
    box = sandbox_mod.Sandbox(state_dir, out=lambda *a: None)
    rows = box.status()
    servers = ('PostgreSQL', 'Heat', 'Mistral')
    down = [r for r in rows if r[0] in servers and r[1] != 'up']
    if down:
        return None, 'sandbox in %s is not up: %s' % (
            state_dir, ', '.join('%s %s' % (r[0], r[2]) for r in down))
    return box, None


class Result(object):
    """rc, stdout, and `out`: stdout and stderr (where errors go)."""

    def __init__(self, proc, seconds):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.out = proc.stdout + proc.stderr
        self.seconds = seconds

    def __repr__(self):
        return 'rc=%s\n%s' % (self.rc, self.out)


class FunctionalTestCase(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        # Keep client request dumps out of the test output.
        for name in ('heatclient', 'urllib3', 'keystoneauth'):
            logging.getLogger(name).setLevel(logging.WARNING)
        self.sandbox, reason = _sandbox()
        if self.sandbox is None:
            if os.environ.get('TRIPLEO_FFU_REQUIRE_SANDBOX'):
                self.fail(reason)
            self.skipTest(reason)
        expected = os.environ.get('TRIPLEO_FFU_EXPECT_TRANSPORT')
        if expected:
            self.assertEqual(expected, self.sandbox.info.get('transport'))
        self.assertEqual(
            os.environ.get('TRIPLEO_FFU_EXPECT_UNDERCLOUD', 'current'),
            self.sandbox.undercloud)
        # The CLI's working directory: prepare writes <stack>rc there.
        self.cli_dir = self.useFixture(fixtures.TempDir()).path

    def env(self, **extra):
        env = dict(os.environ)
        env.update(self.sandbox.client_env())
        env.update(extra)
        return env

    def openstack(self, *args, timeout=900, env=None):
        started = time.monotonic()
        proc = subprocess.run(
            [self.sandbox.openstack_bin(), 'overcloud', 'ffwd-upgrade'] +
            list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, text=True, timeout=timeout,
            env=env or self.env(), cwd=self.cli_dir)
        return Result(proc, time.monotonic() - started)

    def prepare(self, *extra):
        args = ['prepare', '--yes']
        for path in PREPARE_ENVS:
            args += ['-e', path]
        return self.openstack(*(args + list(extra)))

    def converge(self, *extra):
        args = ['converge', '--yes']
        for path in CONVERGE_ENVS:
            args += ['-e', path]
        return self.openstack(*(args + list(extra)))

    def assertSucceeded(self, result, step):
        self.assertEqual(0, result.rc, result)
        self.assertIn('FFWD Upgrade %s on stack overcloud complete.'
                      % step.capitalize(), result.out)

    def assertFailed(self, result, *texts):
        self.assertNotEqual(0, result.rc, result)
        for text in texts:
            self.assertIn(text, result.out)

    def node(self, hostname):
        return self.sandbox.node_state(hostname)

    def fail_on(self, hostname, words):
        path = os.path.join(self.sandbox.nodes_dir, hostname, 'fail-on')
        with open(path, 'w') as f:
            f.write(words)
        self.addCleanup(lambda: os.path.exists(path) and os.unlink(path))
        return path


class WorkloadProbe(object):
    """Probes the demo workload every `interval` s in a thread."""

    def __init__(self, url, interval=0.2):
        self.url = url
        self.interval = interval
        self.answers = 0
        self.misses = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                with urllib.request.urlopen(self.url, timeout=2) as r:
                    r.read()
                self.answers += 1
            except OSError as e:
                self.misses.append('%s: %s' % (time.strftime('%X'), e))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def files_containing(root, needles):
    needles = [n.encode() for n in needles]
    for directory, _, names in os.walk(root):
        if '/postgresql' in directory:
            # The databases: see doc/secrets.rst for what they hold.
            continue
        for name in names:
            path = os.path.join(directory, name)
            try:
                with open(path, 'rb') as f:
                    data = f.read()
            except OSError:
                continue
            if any(n in data for n in needles):
                yield path


def readable_by_others(path, root):
    """True if a user other than the owner (group or other) can read it."""
    if stat.S_IMODE(os.stat(path).st_mode) & 0o044 == 0:
        return False
    directory = os.path.dirname(path)
    while directory.startswith(root) and directory != root:
        if stat.S_IMODE(os.stat(directory).st_mode) & 0o011 == 0:
            return False
        directory = os.path.dirname(directory)
    return True
