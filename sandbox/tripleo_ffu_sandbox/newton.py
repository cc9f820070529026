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

"""An overcloud deployed from the Newton templates (THT 5.3.13).

What every operator of this tool has: a stack created by Newton's deploy
from tripleo-heat-templates 5.x on deployed servers. The templates come
from the package registry's sdist, are rendered as Newton's plan rendered
them (the product's templates.render), and the stack is created with
Newton's own environments (resource registry, deployed-server) plus one
sandbox environment:

* Newton's templates create Neutron ports (the control plane VIP, each
  deployed server's ctlplane port) with the native OS::Neutron::Port:
  the sandbox maps that type to port.yaml (templates/newton/), which
  takes the address from the sandbox's port map.
* Newton's deployments wait for their signal. Heat signals through its
  software deployment API (HEAT_SIGNAL) with the stack-domain users of
  its own fake Keystone backend, as the containerized TripleO undercloud
  ran it (heat.conf, components/heat.py); each node's os-collect-config
  stand-in (node/occ.py) applies and signals its deployments, once the
  agent (agent.py) has told it its servers.
"""

import os

import yaml

from tripleo_ffu import templates

from tripleo_ffu_sandbox import queens

VERSION = '5.3.13'
TEMPLATES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             'templates', 'newton')
# Keystone-only, as the Queens stack (Newton has no Docker service).
ROLE_SERVICES = {
    'Controller': ('Kernel', 'Keystone', 'RabbitMQ', 'MySQL', 'HAproxy',
                   'Keepalived', 'Ntp', 'Timezone', 'TripleoPackages'),
    'Compute': ('Kernel', 'Ntp', 'Timezone', 'TripleoPackages',
                'NovaCompute', 'NovaLibvirt'),
}
CREATE_ENVIRONMENTS = (
    'overcloud-resource-registry-puppet.yaml',
    'environments/deployed-server-environment.yaml',
)
HOSTNAME_FORMAT = {'Controller': '%stackname%-controller-%index%',
                   'Compute': '%stackname%-novacompute-%index%'}


def fetch(cache_dir):
    """The unpacked THT 5.3.13 sdist under `cache_dir` (once)."""
    return queens.fetch_sdist(cache_dir, queens.THT_PROJECT, VERSION,
                              'overcloud.j2.yaml')


def roles_data(tht_dir, role_services=None):
    """Newton's roles_data.yaml cut to the keystone-only layout."""
    with open(os.path.join(tht_dir, 'roles_data.yaml')) as f:
        roles = yaml.safe_load(f)
    keep = role_services or ROLE_SERVICES
    result = []
    for role in roles:
        if role['name'] not in keep:
            continue
        role = dict(role)
        role['ServicesDefault'] = [
            s for s in role.get('ServicesDefault') or []
            if s.split('::')[-1] in keep[role['name']]]
        result.append(role)
    return result


def roles_file(tht_dir):
    return os.path.join(tht_dir, 'roles_data_sandbox.yaml')


def render(tht_dir, out_dir):
    """Newton's templates rendered for the keystone-only roles."""
    path = roles_file(tht_dir)
    with open(path, 'w') as f:
        yaml.safe_dump(roles_data(tht_dir), f, default_flow_style=False)
    templates.render(tht_dir, out_dir, path)
    return out_dir


def port_map(stack, computes=1, net=queens.DEFAULT_NET):
    """{port name: address} of the stand-in ports (port.yaml)."""
    ports = {'control_virtual_ip': queens.ctlplane_address(net, 5)}
    for (role, index), address in sorted(queens.node_addresses(
            computes, net).items()):
        ports['%s-ctlplane-port' % queens.hostname(stack, role, index)] = (
            address)
    return ports


def sandbox_environment(stack, computes=1, net=queens.DEFAULT_NET):
    """The sandbox's own environment: what no Newton file provides."""
    return {
        'resource_registry': {
            'OS::Neutron::Port': os.path.join(TEMPLATES_DIR, 'port.yaml'),
        },
        'parameter_defaults': {
            'SandboxPortMap': port_map(stack, computes, net),
            'ControlFixedIPs': [{'ip_address': queens.ctlplane_address(
                net, 5)}],
            'NeutronControlPlaneID': 'ctlplane',
            'ControllerCount': 1,
            'ComputeCount': computes,
            'ControllerHostnameFormat': HOSTNAME_FORMAT['Controller'],
            'ComputeHostnameFormat': HOSTNAME_FORMAT['Compute'],
            'NtpServer': ['127.0.0.1'],
            'CloudDomain': 'localdomain',
        },
    }
