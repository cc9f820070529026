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

"""os-collect-config's part for the Newton stack's deployed servers (WIP).

On a Newton overcloud each node's os-collect-config polls Heat for its
server's deployments, runs them with the heat-config hooks and signals
each back. Here (first version, on the undercloud's side) one loop does
it for every node: it takes the deployments Heat waits for, records each
one for its node, gives the outputs the templates read (the deployed
server's hostname and address) and signals it through Heat's software
deployment API (the HEAT_SIGNAL transport with Heat's fake Keystone
backend, components/heat.py).

To come: the loop in each node container, polling its own server's
metadata and running the script hook there, as os-collect-config does.

    python -m tripleo_ffu_sandbox.agent --state-dir DIR --stack NAME
"""

import argparse
import json
import os
import sys
import time

from tripleo_ffu import node_script

# Outputs of the deployed server's HostsEntryConfig script: Newton's has
# the three, Queens' the hostname alone.
HOST_OUTPUTS = ('hostname', 'ip_address', 'hosts_entry')


def node_keys(nodes):
    """{name: (role, index)} of each node, by hostname and role-index.

    '<Role>-<index>' is node_script's name for a server of THT's node
    stacks.
    """
    by_name = {}
    for key, node in nodes.items():
        by_name[node['hostname']] = key
        by_name['%s-%d' % key] = key
    return by_name


def node_of(config, nodes):
    """(role, index) of a deployed server's own config, or None.

    Its node stack is named in the config's name (Newton's) or in its
    deploy_stack_id input (<stack name>/<id>).
    """
    stack_names = [(i.get('value') or '').split('/')[0]
                   for i in config.get('inputs') or []
                   if i.get('name') == 'deploy_stack_id']
    by_name = node_keys(nodes)
    for text in [config.get('name')] + stack_names:
        key = by_name.get(node_script.node_label(text))
        if key:
            return key
    return None


def host_outputs(config):
    return set(HOST_OUTPUTS) & set(
        o.get('name') for o in config.get('outputs') or [])


def outputs_for(config, node):
    """The output values a deployment of `config` gives on `node`.

    node: {'hostname', 'address'}; the hooks' standard outputs always.
    """
    values = {'deploy_stdout': '', 'deploy_stderr': '',
              'deploy_status_code': 0}
    if node:
        host = {'hostname': node['hostname'],
                'ip_address': node['address'],
                'hosts_entry': '%s %s' % (node['address'],
                                          node['hostname'])}
        values.update((name, host[name]) for name in host_outputs(config))
    return values


class Agent(object):
    """Applies (records) and signals the deployments Heat waits for."""

    def __init__(self, heat, nodes, record_dir, stack=None):
        self.heat = heat
        # {(role, index): {'hostname', 'address'}}
        self.nodes = nodes
        self.record_dir = record_dir
        self.stack = stack
        # {server id: (role, index)}, learned from the servers' configs
        # and, for a server not seen so, from the stack's servers.
        self.servers = {}

    def _learn_servers(self):
        """The stack's servers (the product's own lookup), by node."""
        by_name = node_keys(self.nodes)
        try:
            found = node_script.servers(self.heat, self.stack)
        except Exception:  # No such stack (yet): next round.
            return
        for name, server_id in found.items():
            if name in by_name:
                self.servers[server_id] = by_name[name]

    def run_once(self):
        """Signal every deployment in progress; return how many."""
        done = 0
        # The stack's servers are listed (a whole-stack resource list) at
        # most once a round, for the first server not seen otherwise.
        learned = False
        for deployment in self.heat.software_deployments.list():
            if deployment.status != 'IN_PROGRESS':
                continue
            config = self.heat.software_configs.get(
                deployment.config_id).to_dict()
            key = node_of(config, self.nodes)
            if key:
                self.servers[deployment.server_id] = key
            if (not key and deployment.server_id not in self.servers and
                    self.stack and not learned):
                self._learn_servers()
                learned = True
            key = self.servers.get(deployment.server_id, key)
            node = self.nodes.get(key) if key else None
            if node is None and host_outputs(config):
                # The server's own config not yet seen: next round.
                continue
            values = outputs_for(config, node)
            self._record(deployment, config, node)
            self.heat.software_deployments.update(
                deployment.id, status='COMPLETE', output_values=values,
                status_reason='Outputs received (tripleo-ffu sandbox '
                              'agent)')
            done += 1
        return done

    def _record(self, deployment, config, node):
        """What os-collect-config would have run, per node.

        One file per derived config: each action of a deployment (the
        create, converge's update) has its own.
        """
        name = node['hostname'] if node else deployment.server_id
        directory = os.path.join(self.record_dir, name)
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o700)
        with open(os.path.join(directory, '%s.json' % deployment.config_id),
                  'w') as f:
            json.dump({'deployment_id': deployment.id,
                       'server_id': deployment.server_id,
                       'group': config.get('group'),
                       'name': config.get('name'),
                       'config': config.get('config'),
                       'inputs': config.get('inputs')}, f, sort_keys=True)


def main(argv=None):
    from tripleo_ffu_sandbox import queens
    from tripleo_ffu_sandbox import sandbox as sandbox_mod

    parser = argparse.ArgumentParser()
    parser.add_argument('--state-dir', required=True)
    parser.add_argument('--stack', required=True)
    parser.add_argument('--computes', type=int, default=1)
    parser.add_argument('--interval', type=float, default=2)
    args = parser.parse_args(argv)
    box = sandbox_mod.Sandbox(args.state_dir, out=lambda *a: None)
    nodes = {key: {'hostname': queens.hostname(args.stack, *key),
                   'address': address}
             for key, address in queens.node_addresses(
                 args.computes, box.containers.net).items()}
    agent = Agent(box.heat_client(), nodes,
                  os.path.join(args.state_dir, 'agent'), args.stack)
    while True:
        try:
            agent.run_once()
        except Exception as e:  # Heat restarting: go on polling.
            sys.stderr.write('agent: %s\n' % e)
        time.sleep(args.interval)


if __name__ == '__main__':
    main()
