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

"""Heat API and engine in one process, for the sandbox (noauth, fake RPC).

Heat 25+ ships no heat-all, so this starts Heat's own EngineService and
serves the heat-api paste app in the same process, where the in-process
`fake://` transport works. Run: python -m tripleo_ffu_sandbox.heat_server
--config-file heat.conf.

Two engine defects of Heat 27.0.1 are worked around here, sandbox only:

* heat.engine.service.ThreadGroup.add_thread appends every thread it
  starts and never removes finished ones, so after ~1000 events on a
  stack every action fails with "Maximum number of threads reached" and
  the stack sticks IN_PROGRESS. We drop a thread from its group when it
  ends (the threading backend's own ThreadGroup does the same).
* Stack._converge_create_or_update sleeps 1 s after dispatching each leaf
  resource of a convergence traversal (when scheduler.ENABLE_SLEEP is
  set), so an update costs ~1 s per resource, and scheduler.TaskRunner
  sleeps 1 s between the steps of every resource action. The sandbox's
  resources are local and finish at once: ENABLE_SLEEP is turned off (no
  sleep after dispatching) and TaskRunner's own sleep is capped at
  FAST_POLL seconds (not removed: nested stacks poll, and a poll without
  any sleep would spin a core).

For the real tripleo-heat-templates (Queens) overcloud, more:

* The RPC servers' futurist.ThreadPoolExecutor starts a new thread on
  every message until executor_thread_pool_size (1024 here, see
  heat.conf) and keeps them all: after the first Queens create the
  engine holds ~2050 idle threads, each waking every second, a
  thundering herd that fights the working threads for the GIL and the
  CPU (load bursts past 100 on 2 cores). futurist's
  DynamicThreadPoolExecutor grows the pool only when most of it is busy
  and shrinks it when idle: the same bound, the threads the load needs.

* Heat shares one yaql parser between threads and the parser is not
  thread-safe: under the engine's threads about one parse in fifty
  failed ("Bad expression Parse error: unexpected end of statement").
  Parses are serialised with a lock.
* CPython 3.11 before 3.11.8 (gh-106905) raises "SystemError: AST
  constructor recursion depth mismatch" when threads run ast.parse at the
  same time; Heat's convergence sync points ast.literal_eval every input,
  and a Queens stack update failed that way under load. ast.parse is
  serialised with a lock in this process.
* Under noauth the request's service catalog is empty, so resources that
  Heat implements itself (SoftwareConfig, MultipartMime...) say "not
  available": the sandbox writes a token response whose catalog lists
  this Heat ([noauth] token_response, set in heat.conf).
"""

import argparse
import sys
import threading
import time

# Heat's command line modules pick the threading backend before anything
# else imports oslo.service; do the same.
from oslo_service import backend
backend.init_backend(backend.BackendType.THREADING)

from oslo_config import cfg  # noqa: E402
from oslo_log import log as logging  # noqa: E402

from tripleo_ffu_sandbox.processes import wait_for_signal  # noqa: E402

FAST_POLL = 0.05


def patch_thread_group(engine_service):
    original = engine_service.ThreadGroup.add_thread

    def add_thread(group, func, *args, **kwargs):
        def run_and_forget(*a, **kw):
            try:
                return func(*a, **kw)
            finally:
                with group._lock:
                    current = threading.current_thread()
                    if current in group.threads:
                        group.threads.remove(current)
        return original(group, run_and_forget, *args, **kwargs)

    engine_service.ThreadGroup.add_thread = add_thread


def use_dynamic_rpc_pools(server_module):
    import futurist
    original = server_module.MessageHandlingServer.__init__

    def __init__(server, *args, **kwargs):
        original(server, *args, **kwargs)
        # The "threading" executor, resolved from its entry point.
        if server._executor_cls is futurist.ThreadPoolExecutor:
            server._executor_cls = futurist.DynamicThreadPoolExecutor

    server_module.MessageHandlingServer.__init__ = __init__


def patch_yaql_parser(functions):
    lock = threading.Lock()
    original = functions.Yaql._parse

    def _parse(self, expression):
        with lock:
            return original(self, expression)

    functions.Yaql._parse = _parse


def patch_ast_parse():
    import ast
    lock = threading.Lock()
    original = ast.parse

    def parse(*args, **kwargs):
        with lock:
            return original(*args, **kwargs)

    ast.parse = parse


def patch_task_sleep(scheduler):
    def _sleep(runner, wait_time):
        if wait_time is not None:
            time.sleep(min(wait_time, FAST_POLL))

    scheduler.TaskRunner._sleep = _sleep
    scheduler.ENABLE_SLEEP = False


def serve_api(host, port, log):
    from cheroot import wsgi
    from heat.common import config

    config.set_config_defaults()
    app = config.load_paste_app('heat-api')
    server = wsgi.Server((host, port), app, numthreads=8,
                         server_name='heat-api')
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    log.info('heat-api listening on %s:%s', host, port)
    return server


def main(argv=None):
    parser = argparse.ArgumentParser(prog='heat-sandbox')
    parser.add_argument('--bind-host', default='127.0.0.1')
    parser.add_argument('--bind-port', type=int, required=True)
    args, rest = parser.parse_known_args(argv)
    from heat.common import config
    from heat.common import messaging
    from heat.common import profiler
    # Imported before the sanity check: they register the options it reads.
    from heat.engine.hot import functions
    from heat.engine import scheduler
    from heat.engine import service as engine_service
    from heat.engine import template  # noqa: F401
    from heat.rpc import api as rpc_api
    from heat import version
    import oslo_messaging.server

    conf = cfg.CONF
    logging.register_options(conf)
    conf(rest, project='heat',
         prog='heat-sandbox',
         version=version.version_info.version_string())
    logging.setup(conf, 'heat-sandbox')
    log = logging.getLogger('heat-sandbox')
    messaging.setup()
    config.startup_sanity_check()
    profiler.setup('heat-sandbox', conf.host)

    patch_thread_group(engine_service)
    patch_task_sleep(scheduler)
    patch_yaql_parser(functions)
    patch_ast_parse()
    use_dynamic_rpc_pools(oslo_messaging.server)

    engine = engine_service.EngineService(conf.host, rpc_api.ENGINE_TOPIC)
    # Started here rather than by an oslo.service launcher: the threading
    # backend's launchers fork a child per service, and the fake transport
    # only reaches peers in this very process.
    engine.start()
    server = serve_api(args.bind_host, args.bind_port, log)
    wait_for_signal()
    server.stop()
    engine.stop()


if __name__ == '__main__':
    sys.exit(main())
