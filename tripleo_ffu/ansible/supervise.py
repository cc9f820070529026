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

import os
import signal
import subprocess
import sys
import time

KILL_GRACE_S = 20
POLL_S = 0.5
# When the stop began (empty: not stopping). The handler only records it
# and signals the group: no lock, no thread (a handler that started a
# Timer thread once deadlocked on a futex, and Ansible outlived its
# executor); the main loop does the rest.
stopping = []


def stop_group(signum, frame):
    if stopping:
        return
    stopping.append(time.time())
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.killpg(0, signal.SIGTERM)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        sys.stderr.write('usage: python -m tripleo_ffu.ansible.supervise '
                         'COMMAND [ARG...]\n')
        return 2
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop_group)
    child = subprocess.Popen(argv)
    if stopping:
        # Stopped while starting it: the group signal may have missed it.
        child.terminate()
    while True:
        rc = child.poll()
        if rc is not None:
            break
        if stopping and time.time() - stopping[0] > KILL_GRACE_S:
            os.killpg(0, signal.SIGKILL)
        time.sleep(POLL_S)
    if stopping:
        # What outlived SIGTERM (a module that ignores it) goes too, and
        # the supervisor with it.
        os.killpg(0, signal.SIGKILL)
    return rc if rc >= 0 else 128 - rc


if __name__ == '__main__':
    sys.exit(main())
