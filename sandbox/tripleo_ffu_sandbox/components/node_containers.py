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

"""Overcloud nodes as lightweight containers reached over real SSH.

Each node is `unshare --mount --uts --pid` around an overlay of this
machine's root (what the tasks change lands in the node's upper dir),
with its own hostname, PID namespace and loopback address, on which its
own sshd listens. Ansible logs in as the overcloud user with the
sandbox's key and escalates with sudo. Killing the node's PID 1 (by the
pid of its `unshare`) ends everything in it; the mount namespace and the
overlay go with it, nothing is left on this machine.

The node-side EL7 stand-ins (yum, hiera, systemctl, ...) come from
`node/el7.py`, copied into the node at each start.
"""

import json
import os
import shutil
import subprocess
import time

from tripleo_ffu_sandbox import processes
from tripleo_ffu_sandbox.processes import SandboxError
from tripleo_ffu_sandbox import queens
from tripleo_ffu_sandbox import state

# The package's directory (this module lives in components/).
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The node-side package (el7.py and the tools it installs), copied into
# each node under NODE_LIB.
NODE_PACKAGE = os.path.join(HERE, 'node')
ANSIBLE_LIBRARY = os.path.join(HERE, 'ansible_library')
NODE_USER = 'heat-admin'
SSH_PORT = 22
START_TIMEOUT = 60
NODE_LIB = '/usr/local/lib/tripleo-ffu-node'
NODE_STATE = '/var/lib/tripleo-ffu-node'
REQUIRED = ('/usr/sbin/sshd', '/usr/bin/tini', '/usr/bin/sudo',
            '/usr/bin/unshare', '/usr/bin/ping')

# Runs as PID 1 of the node's PID namespace, in its own mount and UTS
# namespaces: the overlay, /proc, /dev, /sys, private /run and /tmp, the
# sandbox's state hidden, the hostname; then the node's init, chrooted.
INNER = """\
set -e
NAME=$1 ADDR=$2 DIR=$3 HIDE=$4
mount --make-rprivate /
M=$DIR/merged
mount -t overlay overlay \\
    -o "lowerdir=/,upperdir=$DIR/upper,workdir=$DIR/work" "$M"
mount -t proc proc "$M/proc"
mount --rbind /dev "$M/dev"
mount --rbind /sys "$M/sys"
mount -t tmpfs tmpfs "$M/run"
mount -t tmpfs -o mode=1777 tmpfs "$M/tmp"
# A state dir under /tmp or /run is already hidden by their tmpfs.
if [ -d "$M$HIDE" ]; then mount -t tmpfs -o ro,size=4k tmpfs "$M$HIDE"; fi
hostname "$NAME"
exec chroot "$M" /bin/sh {lib}/init.sh "$NAME" "$ADDR"
""".format(lib=NODE_LIB)

# The node's init: once, the overcloud user, its key, sudo, a host key of
# its own and an sshd config on the node's address; every start, the
# node's services (el7.py boot), then sshd under tini.
INIT = """\
set -e
NAME=$1 ADDR=$2
# An EL7 node's PATH, not the sandbox's (a venv's python first).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
if [ ! -e {state}/initialised ]; then
    echo "$NAME" > /etc/hostname
    printf '127.0.0.1 localhost\\n%s %s.localdomain %s\\n' \\
        "$ADDR" "$NAME" "$NAME" > /etc/hosts
    id {user} >/dev/null 2>&1 || useradd -m -s /bin/bash {user}
    install -d -m 700 -o {user} -g {user} /home/{user}/.ssh
    install -m 600 -o {user} -g {user} {lib}/authorized_keys \\
        /home/{user}/.ssh/authorized_keys
    echo '{user} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/{user}
    chmod 440 /etc/sudoers.d/{user}
    rm -f /etc/ssh/ssh_host_*
    ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
    # THT's tripleo-ssh-known-hosts role reads the RSA host key's fact.
    ssh-keygen -q -t rsa -b 2048 -N '' -f /etc/ssh/ssh_host_rsa_key
    cat > /etc/ssh/sshd_node_config <<CFG
ListenAddress $ADDR
Port {port}
HostKey /etc/ssh/ssh_host_ed25519_key
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM yes
PermitRootLogin no
MaxStartups 200:30:400
Subsystem sftp /usr/lib/openssh/sftp-server
PidFile /run/sshd.pid
CFG
    mkdir -p {state}
    touch {state}/initialised
fi
mkdir -p /run/sshd
PYTHONPATH={lib} /usr/bin/python3 -m tripleo_ffu_sandbox.node.el7 boot \\
    >> /var/log/tripleo-ffu-node-boot.log 2>&1
# The node's os-collect-config, all the time (tini reaps it).
PYTHONPATH={lib} /usr/bin/python3 -m tripleo_ffu_sandbox.node.occ \\
    >> /var/log/os-collect-config.log 2>&1 &
exec tini -- /usr/sbin/sshd -D -e -f /etc/ssh/sshd_node_config
""".format(user=NODE_USER, lib=NODE_LIB, state=NODE_STATE, port=SSH_PORT)


def check_prerequisites():
    missing = [p for p in REQUIRED if not os.access(p, os.X_OK)]
    if missing:
        raise SandboxError(
            'node containers need %s; install them: sudo apt-get install '
            '-y openssh-server sudo tini iputils-ping mariadb-server '
            'python3-pymysql'
            % ', '.join(missing))
    if os.geteuid() != 0:
        raise SandboxError('node containers need root (mount and PID '
                           'namespaces, overlayfs, sshd on port 22)')


def python27():
    """A Python 2.7 for the nodes' `python` (EL7's), or None.

    Looked for as tools/setup-queens-env.sh does (this machine's root is
    the nodes' lower dir, so its path is the same there).
    """
    import glob
    candidates = [os.environ.get('TRIPLEO_FFU_PY27') or '']
    for root in (os.environ.get('PYENV_ROOT'),
                 os.path.expanduser('~/.pyenv')):
        if root:
            candidates += sorted(glob.glob(
                os.path.join(root, 'versions', '2.7*', 'bin', 'python')))
    candidates.append('/usr/bin/python2.7')
    return next((c for c in candidates if c and os.access(c, os.X_OK)),
                None)


def ssh_keypair(directory):
    """The sandbox's key for the overcloud user (generated once)."""
    key = os.path.join(directory, 'id_ed25519')
    if not os.path.exists(key):
        os.makedirs(directory, mode=0o700, exist_ok=True)
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '',
                        '-C', 'tripleo-ffu-sandbox', '-f', key], check=True)
    return key


class NodeContainer(object):
    """One node: its directory, its process, its address."""

    def __init__(self, nodes_dir, hostname, address, spec, hide, key):
        self.hostname = hostname
        self.key = key
        self.address = address
        self.spec = spec
        self.hide = hide
        self.dir = os.path.join(nodes_dir, hostname)
        self.upper = os.path.join(self.dir, 'upper')
        self.pid_file = os.path.join(self.dir, 'node.pid')
        self.log = os.path.join(self.dir, 'node.log')

    def alive(self):
        return processes.pid_alive(processes.read_pid(self.pid_file),
                                   self.dir)

    def upper_path(self, path):
        """Where a file the node wrote at `path` lies on this machine."""
        return os.path.join(self.upper, path.lstrip('/'))

    def _install_node_files(self, public_key):
        lib = self.upper_path(NODE_LIB)
        package = os.path.join(lib, 'tripleo_ffu_sandbox')
        shutil.rmtree(package, ignore_errors=True)
        shutil.copytree(NODE_PACKAGE, os.path.join(package, 'node'),
                        ignore=shutil.ignore_patterns('__pycache__'))
        # Only the node package: the rest needs this machine's venv.
        open(os.path.join(package, '__init__.py'), 'w').close()
        shutil.copy(public_key, os.path.join(lib, 'authorized_keys'))
        with open(os.path.join(lib, 'inner.sh'), 'w') as f:
            f.write(INNER)
        with open(os.path.join(lib, 'init.sh'), 'w') as f:
            f.write(INIT)
        with open(os.path.join(lib, 'spec.json'), 'w') as f:
            json.dump(dict(self.spec, hostname=self.hostname,
                           address=self.address, python2=python27()), f,
                      indent=2, sort_keys=True)

    def start(self, public_key):
        if self.alive():
            return None
        for sub in ('upper', 'work', 'merged'):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        # A node that was killed leaves its overlay work dir in use.
        shutil.rmtree(os.path.join(self.dir, 'work'))
        os.makedirs(os.path.join(self.dir, 'work'))
        self._install_node_files(public_key)
        return processes.start(
            ['unshare', '--mount', '--uts', '--pid', '--fork',
             '--kill-child=SIGKILL', '/bin/sh',
             self.upper_path(NODE_LIB + '/inner.sh'), self.hostname,
             self.address, self.dir, self.hide], self.log, self.pid_file,
            # A node's files have EL7's modes (/etc/hosts for everyone).
            private=False)

    def stop(self):
        """Kill the node's PID 1 (through its unshare); True if it ran.

        The kernel then kills everything else in the node, asynchronously:
        wait_gone() waits for that.
        """
        return processes.stop(self.pid_file, self.dir, timeout=5)

    def processes_inside(self):
        """Pids of processes whose root is this node's merged tree."""
        merged = os.path.join(self.dir, 'merged')
        found = []
        for pid in filter(str.isdigit, os.listdir('/proc')):
            try:
                if os.readlink('/proc/%s/root' % pid).startswith(merged):
                    found.append(int(pid))
            except OSError:
                continue
        return found

    def wait_gone(self, timeout=60):
        deadline = time.monotonic() + timeout
        while self.processes_inside():
            if time.monotonic() > deadline:
                raise SandboxError(
                    'processes %s of node %s still run %d s after its PID 1 '
                    'was killed' % (self.processes_inside(), self.hostname,
                                    timeout))
            time.sleep(0.2)

    def report(self):
        """The node's state as it reports it over SSH (el7.py report)."""
        rc, out, err = ssh_command(
            self.key, self.address, 'sudo env PYTHONPATH=%s python3 -m '
            'tripleo_ffu_sandbox.node.el7 report' % NODE_LIB)
        if rc:
            raise SandboxError('node %s did not report: %s'
                               % (self.hostname, err.strip() or out))
        return json.loads(out)

    def reset(self):
        """Back to the node's first start (its upper dir emptied)."""
        if self.alive():
            raise SandboxError('stop node %s before resetting it'
                               % self.hostname)
        shutil.rmtree(self.dir, ignore_errors=True)


def ssh_ready(address):
    import socket
    try:
        with socket.create_connection((address, SSH_PORT), timeout=1) as s:
            return s.recv(4).startswith(b'SSH-')
    except OSError:
        return False


def ssh_command(key, address, command, timeout=60):
    """Run `command` on the node as the overcloud user; (rc, out, err)."""
    result = subprocess.run(
        ['ssh', '-i', key, '-o', 'StrictHostKeyChecking=no',
         '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
         '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10',
         '%s@%s' % (NODE_USER, address), command],
        capture_output=True, text=True, stdin=subprocess.DEVNULL,
        timeout=timeout)
    return result.returncode, result.stdout, result.stderr


class NodeContainers(state.Component):
    """The node containers of the one Queens stack that has nodes."""

    name = 'node containers'

    @property
    def dir(self):
        return os.path.join(self.state.state_dir, 'node-containers')

    @property
    def net(self):
        """This sandbox's ctlplane network for node containers (127.N.0.x).

        Chosen once, at random, among networks on which nothing listens.
        """
        info = self.state.info
        if not info.get('node_net'):
            # Never chosen (and saved) from a copy without the sandbox.
            self.state.require()
            import random
            candidates = list(range(11, 250))
            random.shuffle(candidates)
            info['node_net'] = next(
                n for n in candidates
                if not ssh_ready(queens.ctlplane_address(n, 11)))
            self.state.save_info()
        return info['node_net']

    def nodes(self):
        stack = self.state.info.get('queens_nodes_stack')
        if not stack:
            return []
        return [NodeContainer(self.dir, host, address, spec,
                              self.state.state_dir, self.state.ssh_key)
                for host, address, spec in queens.nodes(
                    stack, self.state.info.get('queens_computes', 1),
                    self.net)]

    def start(self):
        ssh_keypair(os.path.dirname(self.state.ssh_key))
        nodes = self.nodes()
        if not nodes:
            return
        check_prerequisites()
        public_key = self.state.ssh_key + '.pub'
        procs = [(node, node.start(public_key)) for node in nodes]
        for node, proc in procs:
            processes.wait_until(
                lambda: ssh_ready(node.address), START_TIMEOUT,
                'node %s (sshd on %s)' % (node.hostname, node.address),
                node.log, proc)
        self.state.out('Nodes up (SSH as %s): %s' % (NODE_USER, ', '.join(
            '%s %s' % (n.hostname, n.address) for n in nodes)))

    def stop(self):
        nodes = [n for n in self.nodes() if n.alive()]
        # SIGTERM to each node's unshare kills its PID 1 and everything in
        # it; the kernel's cleanup takes ~2 s a node, so all at once.
        for node in nodes:
            node.stop()
        for node in nodes:
            node.wait_gone()
        return [n.hostname for n in nodes]

    def reset(self):
        """The nodes back at Newton: fresh nodes, restarted."""
        self.stop()
        for node in self.nodes():
            node.reset()
        self.start()

    def status(self):
        rows = []
        for node in self.nodes():
            ok = node.alive() and ssh_ready(node.address)
            rows.append(('node %s' % node.hostname, 'up' if ok else 'down',
                         'ssh %s@%s' % (NODE_USER, node.address)
                         if ok else 'log: %s' % node.log))
        return rows
