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

"""Keystone Queens for the sandbox, run with the Queens venv's Python 2.7.

    python keystone_server.py manage --config-file F db_sync ...
    python keystone_server.py serve --port P --config-file F

Run by path (this package is not installed in that venv). One fix, for
this machine's MariaDB: Keystone Queens' migrations and queries use a
column named `system`, a reserved word since MariaDB 10.3, and SQLAlchemy
1.2 does not quote it (a Queens undercloud's MariaDB 5.5 does not need
it). The word is added to the MySQL dialect's reserved words, so
SQLAlchemy quotes it. `serve` is a threaded wsgiref server on loopback.
"""

import sys


def quote_system_column():
    from sqlalchemy.dialects.mysql import base

    base.RESERVED_WORDS.add('system')


def serve(argv):
    import argparse
    from SocketServer import ThreadingMixIn
    from wsgiref import simple_server

    parser = argparse.ArgumentParser(prog='keystone_server.py serve')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--config-file', required=True)
    args = parser.parse_args(argv)

    from keystone.server import wsgi
    # oslo.config reads sys.argv too: the config file is all it gets.
    sys.argv = ['keystone-sandbox']
    application = wsgi.initialize_application(
        name='main', config_files=[args.config_file])

    class Server(ThreadingMixIn, simple_server.WSGIServer):
        daemon_threads = True

    server = simple_server.make_server('127.0.0.1', args.port, application,
                                       server_class=Server)
    server.serve_forever()


def main(argv):
    quote_system_column()
    command, rest = argv[0], argv[1:]
    if command == 'manage':
        from keystone.cmd import manage
        sys.argv = ['keystone-manage'] + rest
        return manage.main()
    if command == 'serve':
        return serve(rest)
    sys.exit('usage: keystone_server.py manage ARGS | serve --port P '
             '--config-file F')


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
