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

"""Starting, finding and stopping the sandbox's own processes, by pid."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request


class SandboxError(Exception):
    """A sandbox step failed; the message says which and where to look."""


def venv_bin(name):
    """A command installed beside this Python (the sandbox's servers)."""
    path = os.path.join(os.path.dirname(sys.executable), name)
    if not os.access(path, os.X_OK):
        raise SandboxError('%s not found beside %s: install the sandbox '
                           '(pip install ./sandbox) in this environment'
                           % (name, sys.executable))
    return path


def tcp_open(port, host='127.0.0.1'):
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def http_ok(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def port_busy(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(('127.0.0.1', port))
        except OSError:
            return True
    return False


def read_pid(pid_file):
    try:
        with open(pid_file) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def pid_alive(pid, marker):
    """True when `pid` runs and its command line contains `marker`.

    The marker (a path of the state dir) keeps us from signalling an
    unrelated process that reused the pid.
    """
    if not pid:
        return False
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            cmdline = f.read().replace(b'\0', b' ').decode(errors='replace')
    except OSError:
        return False
    return marker in cmdline


def as_user(user, umask=None):
    """A preexec_fn: `umask` if given, then drop to `user` if given."""
    if user is None and umask is None:
        return None
    entry = None
    if user is not None:
        import pwd
        entry = pwd.getpwnam(user)

    def switch():
        if umask is not None:
            os.umask(umask)
        if entry is not None:
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
    return switch


def open_log(path, private=True):
    """`path` opened to append; with `private`, made 0600 if it was not."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    if private:
        os.fchmod(fd, 0o600)
    return os.fdopen(fd, 'ab')


def start(argv, log_path, pid_file, env=None, user=None, cwd=None,
          private=True):
    """Start `argv` in its own session, output to `log_path`.

    Returns the Popen object; its pid is written to `pid_file`. With
    `private`, the log and every file the process creates (its own logs:
    Heat's and Mistral's can hold secrets) are its owner's alone.
    """
    with open_log(log_path, private) as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                start_new_session=True,
                                preexec_fn=as_user(
                                    user, 0o077 if private else None))
    with open(pid_file, 'w') as f:
        f.write(str(proc.pid))
    return proc


def stop(pid_file, marker, timeout=20):
    """SIGTERM then, after `timeout` s, SIGKILL; True if it was running."""
    pid = read_pid(pid_file)
    if not pid_alive(pid, marker):
        _remove(pid_file)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if not pid_alive(pid, marker):
            break
        time.sleep(0.2)
    else:
        os.kill(pid, signal.SIGKILL)
        _reap(pid)
    _remove(pid_file)
    return True


def _reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def wait_until(check, timeout, what, log_path, proc=None, interval=0.5):
    """Poll `check()` until true; raise naming `what` and its log.

    With `proc` (a Popen), its exit ends the wait at once.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if proc is not None and proc.poll() is not None:
            raise SandboxError('%s exited (status %s) while starting; see %s'
                               % (what, proc.returncode, log_path))
        time.sleep(interval)
    raise SandboxError('%s not ready after %d s; see %s'
                       % (what, timeout, log_path))


def log_tail(path, lines=15):
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-lines:])
    except OSError:
        return ''


def wait_for_signal(signals=(signal.SIGTERM, signal.SIGINT)):
    """Block the main thread until one of `signals` arrives."""
    import threading
    stop = threading.Event()
    for signum in signals:
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(3600):
        pass
