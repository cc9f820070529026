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

"""Mistral API, engine, executor and notifier in ONE process.

The in-process `fake:/` transport only connects components living in one
process; the stock `mistral-server --server all` forks one per component,
where every RPC then times out. The event-engine is left out: it busy-loops
a core while idle. Custom actions come from the `mistral.actions` entry
points, scanned when this process starts.

Run: python -m tripleo_ffu_sandbox.mistral_server --config-file mistral.conf
"""

import os
import sys
import threading

import mistral.cmd  # noqa: F401  (selects oslo.service's threading backend)

from oslo_config import cfg  # noqa: E402
from oslo_log import log as logging  # noqa: E402

from tripleo_ffu_sandbox.processes import wait_for_signal  # noqa: E402


STOP_TIMEOUT_S = 30


def main(argv=None):
    from mistral.api import service as api_service
    from mistral import config
    from mistral.engine import engine_server
    from mistral.executors import executor_server
    from mistral.notifiers import notification_server
    from mistral.rpc import base as rpc

    conf = cfg.CONF
    conf.register_cli_opts(config.CLI_OPTS)
    config.parse_args(argv if argv is not None else sys.argv[1:])
    logging.setup(conf, 'Mistral')
    rpc.get_transport()

    # Started here rather than by an oslo.service launcher: the threading
    # backend's launchers fork a child per service, and `fake:/` only
    # reaches peers in this very process.
    servers = [engine_server.get_oslo_service(),
               executor_server.get_oslo_service(),
               notification_server.get_oslo_service(),
               api_service.WSGIService('mistral_api')]
    for server in servers:
        server.start()
    wait_for_signal()
    # Bounded, as systemd bounds a stop: a running action (an Ansible
    # run) would hold the stop until it ends, and its result could not be
    # reported anyway. Exiting stops that Ansible (see ansible/runner.py);
    # its record in the work dir says how far it went.
    deadline = threading.Timer(STOP_TIMEOUT_S, os._exit, (1,))
    deadline.daemon = True
    deadline.start()
    for server in reversed(servers):
        server.stop()


if __name__ == '__main__':
    sys.exit(main())
