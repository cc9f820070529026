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

"""os-collect-config for a sandbox node: its deployments, applied here.

Runs in each node container from its start (node_containers.INIT), as
os-collect-config runs on an overcloud node. Once the undercloud has told
the node which Heat servers it is (CONFIG, written over SSH as upstream's
deployed-server `get-occ-config.sh` writes os-collect-config.conf), it
polls Heat for their deployments; each one Heat waits for goes through
the node's own heat-config agent (`55-heat-config`, el7_deploy.py: the
script hook runs the script here, its outputs from heat_outputs_path)
and its result goes back to Heat, as heat-config-notify does. Heat is
told through its software deployment API (the HEAT_SIGNAL transport's
resource signal needs Keystone, which the sandbox has not: newton.py).

Standard library only: it runs on the node's own python3.
"""

import json
import os
import subprocess
import sys
import time
import urllib.request

# Written by the undercloud: {"heat_url", "token", "servers": {id: name}}.
CONFIG = '/etc/os-collect-config.json'
HEAT_CONFIG_HOOK = '/usr/libexec/os-refresh-config/configure.d/55-heat-config'
DEPLOYED = '/var/lib/heat-config/deployed'
SHELL_CONFIG_DIR = '/var/lib/os-collect-config/heat-config'
LOG = '/var/log/os-collect-config.log'
INTERVAL = 2
# Heat's fields of a derived config that the hooks read.
DEPLOYMENT_KEYS = ('id', 'group', 'name', 'config', 'inputs', 'outputs',
                   'options')


class Heat(object):
    """The few calls os-collect-config and heat-config-notify make."""

    def __init__(self, url, token):
        self.url = url.rstrip('/')
        self.token = token

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={'X-Auth-Token': self.token,
                     'Content-Type': 'application/json',
                     'Accept': 'application/json'})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read().decode() or '{}')

    def waiting(self, server_id):
        """The server's deployments Heat waits for, oldest first."""
        found = self._call('GET', '/software_deployments?server_id=%s'
                           % server_id)['software_deployments']
        return sorted((d for d in found if d['status'] == 'IN_PROGRESS'),
                      key=lambda d: d.get('creation_time') or '')

    def config(self, config_id):
        return self._call('GET', '/software_configs/%s'
                          % config_id)['software_config']

    def signal(self, deployment_id, result):
        rc = result.get('deploy_status_code', 0)
        self._call('PUT', '/software_deployments/%s' % deployment_id, {
            'status': 'FAILED' if rc else 'COMPLETE',
            'output_values': result,
            'status_reason': (
                'deploy_status_code : Deployment exited with non-zero '
                'status code: %s' % rc if rc else
                'Outputs received (sandbox os-collect-config)')})


def notify_path(config_id):
    return os.path.join(DEPLOYED, '%s.notify.json' % config_id)


def apply(heat, deployment):
    """One deployment through heat-config; its result, signalled.

    heat-config applies a derived config once (deployed/<id>.json); a
    deployment applied before its signal got through (the agent killed,
    Heat restarting) is only signalled again.
    """
    config_id = deployment['config_id']
    if not os.path.exists(notify_path(config_id)):
        config = heat.config(config_id)
        os.makedirs(SHELL_CONFIG_DIR, mode=0o700, exist_ok=True)
        shell_config = os.path.join(SHELL_CONFIG_DIR, '%s.json' % config_id)
        with open(shell_config, 'w') as f:
            json.dump([{k: config.get(k) for k in DEPLOYMENT_KEYS}], f)
        env = dict(os.environ, HEAT_SHELL_CONFIG=shell_config)
        subprocess.run([HEAT_CONFIG_HOOK], env=env,
                       stdin=subprocess.DEVNULL, check=False)
    try:
        with open(notify_path(config_id)) as f:
            result = json.load(f)
    except (OSError, ValueError) as e:
        # heat-config took it (deployed/<id>.json) but left no result: it
        # will not apply it again, so Heat hears that it failed.
        result = {'deploy_stdout': '', 'deploy_status_code': 1,
                  'deploy_stderr': 'heat-config left no result for config '
                                   '%s: %s' % (config_id, e)}
    heat.signal(deployment['id'], result)
    return result


def run_once(heat, servers):
    """Apply and signal what Heat waits for on `servers`; how many."""
    done = 0
    for server_id, name in sorted(servers.items()):
        for deployment in heat.waiting(server_id):
            result = apply(heat, deployment)
            log('%s: deployment %s (%s) rc=%s' % (
                name, deployment['id'], deployment.get('action'),
                result.get('deploy_status_code')))
            done += 1
    return done


def log(text):
    sys.stdout.write('%s %s\n' % (time.strftime('%H:%M:%S'), text))
    sys.stdout.flush()


def main():
    while True:
        try:
            with open(CONFIG) as f:
                config = json.load(f)
        except (OSError, ValueError):
            config = None  # Not told yet which servers this node is.
        if config:
            try:
                run_once(Heat(config['heat_url'], config['token']),
                         config['servers'])
            except Exception as e:  # Heat restarting: poll again.
                log('error: %s' % e)
        time.sleep(INTERVAL)


if __name__ == '__main__':
    main()
