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

"""A private RabbitMQ and its epmd (Debian's), for the stock mistral-server.

Only a sandbox started with `--transport rabbit` has it: the distributed
Mistral production runs. Everything listens on loopback; the data and
logs live in the state dir.
"""

import os
import shutil

from tripleo_ffu_sandbox import processes
from tripleo_ffu_sandbox.processes import SandboxError
from tripleo_ffu_sandbox import state

SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server'


class RabbitMQ(state.Component):

    name = 'rabbitmq'
    label = 'RabbitMQ'
    pids = ('rabbitmq', 'epmd')

    def wanted(self):
        return self.state.transport == 'rabbit'

    @property
    def port(self):
        return self.state.info['rabbit_port']

    @property
    def base(self):
        return os.path.join(self.state.state_dir, 'rabbitmq')

    def where(self):
        return '127.0.0.1:%s' % self.port

    def healthy(self):
        return processes.tcp_open(self.port)

    def log(self):
        return self.state.log('rabbitmq-stdout')

    def url(self):
        return 'rabbit://guest:guest@127.0.0.1:%d/' % self.port

    def start(self):
        if not os.access(SERVER, os.X_OK):
            raise SandboxError('RabbitMQ not found (%s). Install it: sudo '
                               'apt-get install -y rabbitmq-server' % SERVER)
        os.makedirs(self.base, exist_ok=True)
        if not self.state.alive('epmd'):
            self._start_epmd()
        if not self.state.alive('rabbitmq'):
            self._start_server()

    def _start_epmd(self):
        port = self.state.info['epmd_port']
        self.state.check_port('epmd', port)
        # Started through a link in the state dir, so that its command
        # line names the state dir (how `down` recognises it).
        link = os.path.join(self.base, 'epmd')
        if not os.path.islink(link):
            os.symlink(shutil.which('epmd') or '/usr/bin/epmd', link)
        processes.start([link, '-address', '127.0.0.1', '-port', str(port)],
                        self.state.log('epmd'), self.state.pid_file('epmd'))

    def _environment(self):
        plugins = os.path.join(self.base, 'enabled_plugins')
        with open(plugins, 'w') as f:
            f.write('[].\n')
        info = self.state.info
        return dict(
            os.environ, HOME=self.base,
            RABBITMQ_NODENAME='tripleo-ffu@localhost',
            RABBITMQ_NODE_IP_ADDRESS='127.0.0.1',
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(info['rabbit_dist_port']),
            ERL_EPMD_ADDRESS='127.0.0.1',
            ERL_EPMD_PORT=str(info['epmd_port']),
            RABBITMQ_MNESIA_BASE=os.path.join(self.base, 'mnesia'),
            RABBITMQ_LOG_BASE=self.state.logs_dir,
            RABBITMQ_ENABLED_PLUGINS_FILE=plugins,
            RABBITMQ_CONFIG_FILE=os.path.join(self.base, 'none'),
            RABBITMQ_PID_FILE=os.path.join(self.base, 'rabbitmq.pid'),
            # Erlang distribution on loopback too, not every interface.
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=(
                '-kernel inet_dist_use_interface {127,0,0,1}'))

    def _start_server(self):
        self.state.check_port('RabbitMQ', self.port)
        self.state.out('Starting RabbitMQ on 127.0.0.1:%d' % self.port)
        # The trailing flag is ignored by Erlang; it puts the state dir in
        # the command line, which is how `down` recognises the process.
        proc = processes.start(
            [SERVER, '-tripleo_ffu_sandbox', self.base],
            self.state.log('rabbitmq-stdout'),
            self.state.pid_file('rabbitmq'), env=self._environment())
        processes.wait_until(self.healthy, state.START_TIMEOUT, 'RabbitMQ',
                             self.state.log('rabbitmq-stdout'), proc)
