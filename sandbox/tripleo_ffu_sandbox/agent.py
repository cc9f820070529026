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

"""Tells each node which Heat servers it is, as get-occ-config.sh does.

On a Newton overcloud of deployed servers, the operator runs the
templates' `deployed-server/scripts/get-occ-config.sh` on the undercloud:
it waits for the stack's deployed servers and writes, over SSH, each
node's os-collect-config configuration (which server's metadata to poll
in Heat). Each node's os-collect-config (node/occ.py, in the node) then
applies the server's deployments with the node's heat-config hooks and
signals them.

Here that runs for the life of the Newton stack (server ids change when
prepare moves it to the Queens templates, and when converge replaces
servers): the deployments Heat waits for name their server; a server not
yet told to a node is mapped to it by its config (the node stack named in
its name or deploy_stack_id) or by the stack's servers (the product's
node_script.servers); the node is told its servers again when they
change, and every RETELL seconds (a node reset forgets them).

    python -m tripleo_ffu_sandbox.agent --state-dir DIR --stack NAME
"""

import argparse
import json
import os
import sys
import time

from tripleo_ffu import node_script

from tripleo_ffu_sandbox.node import occ

# A node is told its servers again after this long (a reset node has
# forgotten them).
RETELL = 20
# In the state dir: {server id: [role, index]} learned so far.
KNOWN_SERVERS = 'agent-servers.json'


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


class Agent(object):
    """Learns the servers of each node and tells the node."""

    def __init__(self, heat, nodes, tell, stack=None, known=None):
        self.heat = heat
        # {(role, index): {'hostname', 'address'}}
        self.nodes = nodes
        # tell(node, {server id: label}): writes the node's config.
        self.tell = tell
        self.stack = stack
        # {server id: (role, index)}, learned from the servers' configs
        # and, for a server not seen so, from the stack's servers.
        self.servers = dict(known or {})
        self.told = {}

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

    def learn(self):
        """Map the servers Heat waits on to nodes; True if any is new."""
        before = dict(self.servers)
        # The stack's servers are listed (a whole-stack resource list) at
        # most once a round, for the first server not seen otherwise.
        learned = False
        for deployment in self.heat.software_deployments.list():
            if (deployment.status != 'IN_PROGRESS' or
                    deployment.server_id in self.servers):
                continue
            config = self.heat.software_configs.get(
                deployment.config_id).to_dict()
            key = node_of(config, self.nodes)
            if key:
                self.servers[deployment.server_id] = key
            elif self.stack and not learned:
                self._learn_servers()
                learned = True
        return self.servers != before

    def servers_of(self, key):
        return {server_id: '%s-%d' % key
                for server_id, k in self.servers.items() if k == key}

    def tell_nodes(self, force=False):
        """Each node whose servers changed (all with force); who was told."""
        told = []
        for key, node in sorted(self.nodes.items()):
            servers = self.servers_of(key)
            if servers and (force or servers != self.told.get(key)):
                self.tell(node, servers)
                self.told[key] = servers
                told.append(node['hostname'])
        return told


def ssh_teller(heat_url, key_file):
    """tell() over SSH as the overcloud user, as get-occ-config.sh."""
    import base64
    from tripleo_ffu_sandbox.components import node_containers

    def tell(node, servers):
        config = json.dumps({'heat_url': heat_url, 'token': 'sandbox',
                             'servers': servers}, sort_keys=True)
        encoded = base64.b64encode(config.encode()).decode()
        path = occ.CONFIG
        rc, out, err = node_containers.ssh_command(
            key_file, node['address'],
            'echo %s | base64 -d | sudo tee %s.new >/dev/null && '
            'sudo mv %s.new %s' % (encoded, path, path, path))
        if rc:
            raise RuntimeError('could not tell node %s its servers: %s'
                               % (node['hostname'], (err or out).strip()))
    return tell


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
    known_file = os.path.join(args.state_dir, KNOWN_SERVERS)
    try:
        with open(known_file) as f:
            known = {k: tuple(v) for k, v in json.load(f).items()}
    except (OSError, ValueError):
        known = {}
    agent = Agent(box.heat_client(), nodes,
                  ssh_teller(box.heat_url, box.ssh_key), args.stack, known)
    last_told = 0
    while True:
        try:
            if agent.learn():
                with open(known_file, 'w') as f:
                    json.dump(agent.servers, f, sort_keys=True)
            force = time.monotonic() - last_told > RETELL
            told = agent.tell_nodes(force)
            if force:
                last_told = time.monotonic()
            elif told:
                sys.stderr.write('agent: told %s their servers\n'
                                 % ', '.join(told))
        except Exception as e:  # Heat or a node restarting: again.
            sys.stderr.write('agent: %s\n' % e)
        time.sleep(args.interval)


if __name__ == '__main__':
    main()
