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

"""A demo workload on the compute node: an "instance" answering on loopback.

The fast-forward upgrade must never stop it: the data plane stays up while
the control plane is down. The tests probe it throughout the run.
"""

import argparse
import http.server
import sys


def make_handler(name):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = ('%s ACTIVE\n' % name).encode()
            self.send_response(200)
            self.send_header('Content-Type', 'text/plain')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):
            pass

    return Handler


def main(argv=None):
    parser = argparse.ArgumentParser(prog='workload')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--name', default='instance-0001')
    parser.add_argument('--root', help='node root (identifies the process)')
    args = parser.parse_args(argv)
    server = http.server.ThreadingHTTPServer(('127.0.0.1', args.port),
                                             make_handler(args.name))
    server.serve_forever()


if __name__ == '__main__':
    sys.exit(main())
