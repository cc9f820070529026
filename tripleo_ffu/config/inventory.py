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

"""Ansible inventory from the THT host maps of the stack outputs."""

import ipaddress

from tripleo_ffu.config import errors

NETWORK = 'ctlplane'


def _is_loopback(address):
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _role_list(mapping, role, output_name):
    value = (mapping.get(role) or {}).get(NETWORK)
    if value is None:
        return []
    if not isinstance(value, list):
        raise errors.ConfigError(
            'stack output %s[%s][%s] is not a list' %
            (output_name, role, NETWORK))
    return value


def _bootstrap_id(server_id_data, role):
    bootstrap = (server_id_data or {}).get('bootstrap_server_id') or {}
    return bootstrap.get(role) or bootstrap.get(role.lower())


def build_inventory(outputs, node_user):
    """A YAML-ready inventory dict: a group per role under `overcloud`.

    Hosts whose address is on the loopback network are this machine
    (the sandbox's demo nodes): they get a local connection and the
    interpreter running ansible-playbook, so discovery cannot pick a
    python that does not exist.
    """
    hostnames = outputs.get('RoleNetHostnameMap')
    if not isinstance(hostnames, dict):
        raise errors.ConfigError(
            'stack output RoleNetHostnameMap is missing or not a mapping; '
            'the inventory cannot be generated (pass --static-inventory)')
    ips = outputs.get('RoleNetIpMap') or {}
    server_ids = outputs.get('ServerIdData') or {}
    ids_by_role = server_ids.get('server_ids') or {}

    inventory = {'overcloud': {'children': {},
                               'vars': {'ansible_ssh_user': node_user}}}
    for role in sorted(hostnames):
        names = _role_list(hostnames, role, 'RoleNetHostnameMap')
        if not names:
            continue
        addresses = _role_list(ips, role, 'RoleNetIpMap')
        ids = ids_by_role.get(role) or []
        bootstrap_id = _bootstrap_id(server_ids, role)
        bootstrap = names[0]
        if bootstrap_id in ids and ids.index(bootstrap_id) < len(names):
            bootstrap = names[ids.index(bootstrap_id)]

        hosts = {}
        for index, name in enumerate(names):
            address = addresses[index] if index < len(addresses) else name
            host = {'ansible_host': address,
                    'ctlplane_ip': address,
                    'tripleo_bootstrap_node': name == bootstrap}
            if index < len(ids):
                host['deploy_server_id'] = ids[index]
            if _is_loopback(address):
                host['ansible_connection'] = 'local'
                host['ansible_python_interpreter'] = (
                    '{{ ansible_playbook_python }}')
            hosts[name] = host
        inventory[role] = {
            'hosts': hosts,
            'vars': {'tripleo_role_name': role,
                     'bootstrap_nodeid': bootstrap,
                     'ansible_ssh_user': node_user},
        }
        inventory['overcloud']['children'][role] = {}
    if not inventory['overcloud']['children']:
        raise errors.ConfigError(
            'stack output RoleNetHostnameMap lists no hosts on the %s '
            'network' % NETWORK)
    return inventory
