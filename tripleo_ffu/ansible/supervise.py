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

"""Run a command so that it never outlives the process that started it.

    python -m tripleo_ffu.ansible.supervise ansible-playbook ...

The runner starts this as the leader of a new session and asks the kernel
to send it SIGTERM when the executor thread that started it dies
(PR_SET_PDEATHSIG), so a Mistral executor killed mid-run cannot leave
Ansible changing the nodes with nothing watching. On SIGTERM, SIGINT or
SIGHUP this stops its whole process group: ansible-playbook, its forks,
their modules and SSH clients (a SIGTERM to ansible-playbook alone leaves
its forks running), then SIGKILLs what is left after a grace period.
The exit status is the command's.
"""

import errno
import os
import signal
import subprocess
import sys
import threading

KILL_GRACE_S = 20
stopping = threading.Event()


def stop_group(signum, frame):
    stopping.set()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.killpg(0, signal.SIGTERM)
    killer = threading.Timer(KILL_GRACE_S, os.killpg, (0, signal.SIGKILL))
    # Not a daemon: the group's members that outlive SIGTERM (a module
    # that ignores it) are killed even when ansible-playbook itself ended
    # at once; the supervisor goes with them.
    killer.daemon = False
    killer.start()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        sys.stderr.write('usage: python -m tripleo_ffu.ansible.supervise '
                         'COMMAND [ARG...]\n')
        return 2
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop_group)
    child = subprocess.Popen(argv)
    if stopping.is_set():
        # Stopped while starting it: the group signal may have missed it.
        child.terminate()
    while True:
        try:
            rc = child.wait()
            break
        except OSError as e:  # EINTR on Pythons before PEP 475
            if e.errno != errno.EINTR:
                raise
    return rc if rc >= 0 else 128 - rc


if __name__ == '__main__':
    sys.exit(main())
