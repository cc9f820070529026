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

"""Ansible inventory from the stack outputs, in upstream Queens' shape.

The shape is that of tripleo-common's Queens `tripleo-ansible-inventory`
(static form): an `Undercloud` group; one group per role whose hosts are
the short host names of the ctlplane network, with `ansible_host`,
`deploy_server_id`, `enabled_networks` and `<network>_ip`; role vars
`ansible_ssh_user`, `bootstrap_server_id`, `role_name`,
`tripleo_role_name`; `overcloud` with the roles as children and the VIPs
of the networks in use as vars; and one group per enabled service whose
children are the roles running it (THT tasks use `groups['nova_compute']`).

Two additions, each only a host var: `tripleo_bootstrap_node` (whether the
host is its role's bootstrap server, whichever shape ServerIdData has),
and for a host whose address is this machine's own (127.0.0.1, ::1) a
local connection with the interpreter running ansible-playbook (the
sandbox's demo nodes).
"""

import ipaddress

from tripleo_ffu import compat
from tripleo_ffu.config import errors

HOST_NETWORK = 'ctlplane'
LOCAL_ADDRESSES = ('localhost',)


def _is_this_machine(address):
    if address in LOCAL_ADDRESSES:
        return True
    try:
        # The Python 2 backport takes only text.
        ip = ipaddress.ip_address(compat.text_type(address))
    except ValueError:
        return False
    return ip in (ipaddress.ip_address(u'127.0.0.1'),
                  ipaddress.ip_address(u'::1'))


def short_name(fqdn, network=HOST_NETWORK):
    """overcloud-controller-0.ctlplane.localdomain -> overcloud-controller-0"""
    return fqdn.split('.%s.' % network)[0].lower()


def _mapping(outputs, name, required=False):
    value = outputs.get(name)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise errors.ConfigError(
            'stack output %s is %s, not a mapping%s' % (
                name, 'missing' if value is None else type(value).__name__,
                '; the inventory cannot be generated (pass '
                '--static-inventory)' if required else ''))
    return value


def _role_list(mapping, role, network, output_name):
    value = (mapping.get(role) or {}).get(network)
    if value is None:
        return []
    if not isinstance(value, list):
        raise errors.ConfigError(
            'stack output %s[%s][%s] is not a list' %
            (output_name, role, network))
    return value


def bootstrap_server_id(server_id_data, role):
    """The bootstrap server id for `role`.

    Queens gives one id (the first server of the primary role) for all
    roles; a mapping per role is accepted too.
    """
    value = server_id_data.get('bootstrap_server_id')
    if isinstance(value, dict):
        return value.get(role) or value.get(role.lower())
    if value is None or isinstance(value, compat.string_types):
        return value
    raise errors.ConfigError(
        'stack output ServerIdData[bootstrap_server_id] is a %s, not a '
        'server id' % type(value).__name__)


def _roles_by_service(enabled_services):
    by_service = {}
    for role, services in sorted(enabled_services.items()):
        if not isinstance(services, list):
            raise errors.ConfigError(
                'stack output EnabledServices[%s] is not a list' % role)
        for service in services:
            by_service.setdefault(str(service).lower(), []).append(role)
    return by_service


def _role_hosts(role, hostnames, ips, server_ids, bootstrap_id):
    names = _role_list(hostnames, role, HOST_NETWORK, 'RoleNetHostnameMap')
    role_ips = ips.get(role) or {}
    addresses = _role_list(ips, role, HOST_NETWORK, 'RoleNetIpMap')
    ids = server_ids.get(role) or []
    hosts = {}
    for index, fqdn in enumerate(names):
        name = short_name(fqdn)
        address = addresses[index] if index < len(addresses) else name
        host = {'ansible_host': address}
        if index < len(ids):
            host['deploy_server_id'] = ids[index]
        host['enabled_networks'] = sorted(str(net) for net in role_ips)
        for net in role_ips:
            per_net = _role_list(ips, role, net, 'RoleNetIpMap')
            if index < len(per_net):
                host['%s_ip' % net] = per_net[index]
        if bootstrap_id in ids:
            is_bootstrap = host.get('deploy_server_id') == bootstrap_id
        else:
            # No bootstrap id at all: the first host, as upstream's hiera.
            is_bootstrap = bootstrap_id is None and index == 0
        host['tripleo_bootstrap_node'] = is_bootstrap
        if _is_this_machine(address):
            host['ansible_connection'] = 'local'
            host['ansible_python_interpreter'] = (
                '{{ ansible_playbook_python }}')
        hosts[name] = host
    return hosts


def servers_by_id(outputs):
    """{server id: (role, short host name)} from the stack outputs."""
    hostnames = _mapping(outputs, 'RoleNetHostnameMap', required=True)
    server_ids = _mapping(outputs, 'ServerIdData').get('server_ids') or {}
    servers = {}
    for role in sorted(hostnames):
        names = _role_list(hostnames, role, HOST_NETWORK,
                           'RoleNetHostnameMap')
        for server_id, fqdn in zip(server_ids.get(role) or [], names):
            servers[server_id] = (role, short_name(fqdn))
    return servers


def build_inventory(outputs, node_user, plan=None, undercloud=None):
    """A YAML-ready inventory dict (static form) for the stack outputs.

    `undercloud`: more vars of the Undercloud group (its Keystone ones).
    """
    hostnames = _mapping(outputs, 'RoleNetHostnameMap', required=True)
    ips = _mapping(outputs, 'RoleNetIpMap')
    server_id_data = _mapping(outputs, 'ServerIdData')
    server_ids = server_id_data.get('server_ids') or {}
    vip_map = _mapping(outputs, 'VipMap')
    enabled_services = _mapping(outputs, 'EnabledServices')

    inventory = {'Undercloud': {
        'hosts': {'undercloud': {}},
        'vars': {'ansible_host': 'localhost',
                 'ansible_connection': 'local',
                 'ansible_python_interpreter':
                     '{{ ansible_playbook_python }}',
                 'ansible_remote_tmp': '/tmp/ansible-${USER}',
                 'plan': plan,
                 'overcloud_keystone_url': outputs.get('KeystoneURL')},
    }}
    inventory['Undercloud']['vars'].update(undercloud or {})
    roles, networks = [], set()
    for role in sorted(hostnames):
        bootstrap_id = bootstrap_server_id(server_id_data, role)
        hosts = _role_hosts(role, hostnames, ips, server_ids, bootstrap_id)
        if not hosts:
            continue
        for host in hosts.values():
            networks.update(host['enabled_networks'])
        inventory[role] = {
            'hosts': hosts,
            'vars': {'ansible_ssh_user': node_user,
                     'bootstrap_server_id': bootstrap_id,
                     'role_name': role,
                     'tripleo_role_name': role},
        }
        roles.append(role)
    if not roles:
        raise errors.ConfigError(
            'stack output RoleNetHostnameMap lists no hosts on the %s '
            'network' % HOST_NETWORK)
    inventory['overcloud'] = {
        'children': {role: {} for role in roles},
        'vars': {'%s_vip' % name: vip for name, vip in sorted(
            vip_map.items()) if vip and (name in networks or
                                         name == 'redis')},
    }
    for service, service_roles in sorted(
            _roles_by_service(enabled_services).items()):
        children = [r for r in service_roles if r in roles]
        if children and service not in inventory:
            inventory[service] = {
                'children': {role: {} for role in children},
                'vars': {'ansible_ssh_user': node_user}}
    return inventory
