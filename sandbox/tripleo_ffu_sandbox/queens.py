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

"""The real tripleo-heat-templates 8.4.1 (Queens) overcloud of the sandbox.

The templates come from the package registry's sdist (the wheel holds only
metadata), are rendered by THT's own tools/process-templates.py for a
keystone-only Controller + Compute, and the stack is created with
upstream's environments (resource registry, deployed-server, deployed
neutron ports, config-download) plus one sandbox environment for what a
real undercloud's deploy generates or what has no upstream equivalent.
"""

import hashlib
import html.parser
import io
import os
import re
import secrets
import subprocess
import sys
import tarfile
import time
import urllib.parse
import urllib.request
import uuid

import yaml

from tripleo_ffu_sandbox.processes import SandboxError

THT_PROJECT = 'tripleo-heat-templates'
THT_VERSION = '8.4.1'
# The undercloud's openstack-tripleo-common (Queens) installs the roles
# that deploy_steps_playbook.yaml uses (tripleo-bootstrap,
# tripleo-ssh-known-hosts) into /usr/share/ansible/roles.
COMMON_PROJECT = 'tripleo-common'
COMMON_VERSION = '8.7.1'
INDEX_ENV = 'TRIPLEO_FFU_THT_INDEX'
DEFAULT_INDEX = 'https://pypi.org/simple/'

# Keystone-only layout (services of upstream's roles/<Role>.yaml kept).
ROLE_SERVICES = {
    'Controller': ('Docker', 'Kernel', 'Keystone', 'RabbitMQ', 'MySQL',
                   'HAproxy', 'Keepalived', 'Ntp', 'Timezone',
                   'TripleoPackages'),
    'Compute': ('Kernel', 'Ntp', 'Timezone', 'TripleoPackages',
                'NovaCompute', 'NovaLibvirt'),
}
# The ctlplane addresses of the nodes and of the control plane VIP.
CTLPLANE_CIDR = '24'
# The ctlplane network of a sandbox's Queens nodes: 127.0.<net>.0/24, <net>
# chosen per sandbox so that several sandboxes (a developer's, CI's, the
# bench's) can have nodes on one machine.
DEFAULT_NET = 10
MAX_COMPUTES = 200


def ctlplane_address(net, host):
    return '127.0.%d.%d' % (net, host)


def node_addresses(computes=1, net=DEFAULT_NET):
    """{(role, index): ctlplane address}: one controller, N computes."""
    if not 1 <= computes <= MAX_COMPUTES:
        raise SandboxError('between 1 and %d computes, not %s'
                           % (MAX_COMPUTES, computes))
    addresses = {('Controller', 0): ctlplane_address(net, 11)}
    for index in range(computes):
        addresses[('Compute', index)] = ctlplane_address(net, 21 + index)
    return addresses


HOSTNAME_FORMAT = {'Controller': '%s-controller-%d',
                   'Compute': '%s-novacompute-%d'}
# The instance on the compute: an HTTP server on the node's address.
WORKLOAD_PORT = 8080
# What each node has at Newton (el7.py keeps it): EL7 packages, units
# (keystone runs under httpd before Ocata), databases, hieradata.
NODE_SPECS = {
    'Controller': {
        'deployment_name': 'Controller',
        'packages': ['openstack-keystone', 'httpd', 'mariadb',
                     'rabbitmq-server', 'haproxy', 'keepalived', 'docker',
                     'openstack-tripleo-common', 'openstack-heat-agents',
                     'os-collect-config', 'rpm-python'],
        # rsyslog: every EL7 node runs it, and THT's haproxy host prep
        # fails without it.
        'units': ['httpd', 'mariadb', 'rabbitmq-server', 'haproxy',
                  'keepalived', 'docker', 'os-collect-config', 'rsyslog'],
        'vhosts': ['keystone_wsgi'],
        'databases': ['keystone'],
        # A controller serving computes has nova's database user; THT's
        # keystone FFU tasks grant it the cell0 database.
        'db_users': ['keystone', 'nova'],
        'users': [],
    },
    'Compute': {
        'deployment_name': 'NovaCompute',
        'packages': ['openstack-nova-compute', 'docker',
                     'openstack-tripleo-common', 'openstack-heat-agents',
                     'os-collect-config', 'rpm-python'],
        'units': ['openstack-nova-compute', 'libvirtd', 'docker',
                  'os-collect-config', 'rsyslog'],
        'vhosts': [],
        'databases': [],
        'users': ['nova'],
        # THT's libvirt host prep creates qemu with EL7's fixed uid/gid.
        'el7_ids': {'qemu': 107},
        'workload_port': WORKLOAD_PORT,
    },
}
# FastForwardCustomRepoScriptContent: the node's repos follow the release
# it is given (el7.py), instead of tripleo-repos from the internet.
REPO_SCRIPT = '#!/bin/bash\nset -e\ntripleo-ffu-repos "$1"\n'


# The sandbox's plan environment: upstream's without docker.yaml.
PLAN_ENVIRONMENTS = ('overcloud-resource-registry-puppet.yaml',)
# Upstream environments, in the order an operator passes them.
CREATE_ENVIRONMENTS = (
    'overcloud-resource-registry-puppet.yaml',
    'environments/deployed-server-environment.yaml',
    'environments/deployed-server-deployed-neutron-ports.yaml',
    'environments/config-download-environment.yaml',
)

# Stands in for OS::Heat::DeployedServer: the real one creates a Keystone
# stack-domain user for every deployment transport. The nested stack's own
# id is the server id (its ARN would overflow software_deployment.server_id,
# a varchar(36)).
DEPLOYED_SERVER_TEMPLATE = """\
heat_template_version: queens
description: Sandbox stand-in for OS::Heat::DeployedServer (no Keystone)
parameters:
  name: {type: string, default: ''}
  software_config_transport: {type: string, default: POLL_SERVER_CFN}
  deployment_swift_data: {type: json, default: {}}
outputs:
  name:
    value: {get_param: name}
  os_collect_config:
    value: {}
  OS::stack_id:
    value: {get_param: 'OS::stack_id'}
"""


_Loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
# Names of the secrets a real undercloud generates with the plan
# (passwords, keys, tokens); SSL material is the operator's, not generated.
SECRET_NAME = re.compile(
    r'(Password|Secret|Key|Token|Kek|Passphrase|Authkey|Credential\d|'
    r'HashSuffix)$')
NOT_GENERATED = ('SSLKey',)
IMAGE_NAME = re.compile(r'^Docker\w*Image$')


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == 'a':
            self.links += [v for k, v in attrs if k == 'href']


def _sdist_url(index_url, project, version):
    """(url, sha256) of the sdist from a PEP 503 simple index."""
    page = urllib.parse.urljoin(index_url.rstrip('/') + '/', project + '/')
    with urllib.request.urlopen(page, timeout=60) as response:
        parser = _Links()
        parser.feed(response.read().decode('utf-8', 'replace'))
    wanted = '%s-%s.tar.gz' % (project, version)
    for link in parser.links:
        url, _, fragment = urllib.parse.urljoin(page, link).partition('#')
        if url.rsplit('/', 1)[-1] == wanted:
            digest = dict(urllib.parse.parse_qsl(fragment)).get('sha256')
            return url, digest
    raise SandboxError('%s is not on the package index %s' % (wanted, page))


def fetch_tht(cache_dir, version=THT_VERSION):
    """The unpacked THT sdist under `cache_dir` (downloaded once)."""
    return fetch_sdist(cache_dir, THT_PROJECT, version, 'overcloud.j2.yaml')


def common_roles_dir(cache_dir, version=COMMON_VERSION):
    """Where fetch_common_roles() puts tripleo-common's roles.

    An undercloud has them in /usr/share/ansible/roles.
    """
    return os.path.join(cache_dir, '%s-%s' % (COMMON_PROJECT, version),
                        'roles')


def fetch_common_roles(cache_dir, version=COMMON_VERSION):
    """The Ansible roles of tripleo-common's sdist (downloaded once)."""
    tree = fetch_sdist(cache_dir, COMMON_PROJECT, version,
                       'roles/tripleo-bootstrap/tasks/main.yml')
    return os.path.join(tree, 'roles')


def fetch_sdist(cache_dir, project, version, marker):
    """The unpacked sdist of `project` under `cache_dir`, once."""
    tree = os.path.join(cache_dir, '%s-%s' % (project, version))
    if os.path.isfile(os.path.join(tree, marker)):
        return tree
    index = os.environ.get(INDEX_ENV) or DEFAULT_INDEX
    try:
        url, digest = _sdist_url(index, project, version)
        with urllib.request.urlopen(url, timeout=120) as response:
            data = response.read()
    except OSError as e:
        raise SandboxError('cannot download %s %s from %s: %s (set %s to '
                           'another simple index)' % (
                               project, version, index, e, INDEX_ENV))
    if digest and hashlib.sha256(data).hexdigest() != digest:
        raise SandboxError('%s: sha256 mismatch, refusing it' % url)
    os.makedirs(cache_dir, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode='r:gz') as archive:
        archive.extractall(cache_dir, filter='data')
    return tree


def roles_data(tht_dir, role_services=None):
    """Upstream's role definitions with ServicesDefault cut down."""
    roles = []
    for role, keep in (role_services or ROLE_SERVICES).items():
        with open(os.path.join(tht_dir, 'roles', '%s.yaml' % role)) as f:
            data = yaml.safe_load(f)[0]
        data['ServicesDefault'] = [
            s for s in data['ServicesDefault'] if s.split('::')[-1] in keep]
        roles.append(data)
    return roles


def roles_file(tht_dir):
    """The keystone-only roles file (written by render)."""
    return os.path.join(tht_dir, 'roles_data_sandbox.yaml')


def render(tht_dir, out_dir, role_services=None):
    """Render the templates with THT's own process-templates.py."""
    with open(roles_file(tht_dir), 'w') as f:
        yaml.safe_dump(roles_data(tht_dir, role_services), f,
                       default_flow_style=False)
    result = subprocess.run(
        [sys.executable, 'tools/process-templates.py', '-p', '.',
         '-r', os.path.basename(roles_file(tht_dir)),
         '-n', 'network_data.yaml',
         '-o', out_dir], cwd=tht_dir, capture_output=True, text=True)
    if result.returncode:
        raise SandboxError('process-templates.py failed: %s'
                           % result.stdout[-2000:] + result.stderr[-2000:])
    return out_dir


def _template_parameters(templates_dir):
    """{name: definition} of every parameter of every rendered template."""
    found = {}
    for root, _, names in os.walk(templates_dir):
        for name in names:
            if not name.endswith('.yaml'):
                continue
            try:
                with open(os.path.join(root, name)) as f:
                    template = yaml.load(f, Loader=_Loader)
            except (yaml.YAMLError, UnicodeDecodeError):
                continue
            params = (template or {}).get('parameters') if isinstance(
                template, dict) else None
            if isinstance(params, dict):
                for key, value in params.items():
                    if isinstance(value, dict):
                        found.setdefault(key, value)
    return found


def _secret(name):
    if name.startswith('KeystoneCredential') or name == 'KeystoneFernetKey0':
        # Fernet keys: 32 random bytes, url-safe base64.
        import base64
        return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    return secrets.token_hex(16)


def generated_parameters(templates_dir, stack):
    """What the undercloud's deploy generates: passwords and images.

    Every secret (hidden, or named like one) without a default gets a
    random value;
    every Docker*Image parameter without a default gets an image name of
    the undercloud registry, as the container image prepare step writes.
    """
    params = {}
    found = _template_parameters(templates_dir)
    for name, spec in sorted(found.items()):
        if 'default' in spec:
            continue
        if name in NOT_GENERATED or spec.get('type', 'string') != 'string':
            continue
        if spec.get('hidden') or SECRET_NAME.search(name):
            params[name] = _secret(name)
        elif name == 'CephClusterFSID':
            # Generated with the passwords, though not hidden.
            params[name] = str(uuid.uuid4())
        elif IMAGE_NAME.match(name):
            image = re.sub(r'(?<!^)([A-Z])', r'-\1', name[6:-5]).lower()
            params[name] = ('192.168.24.1:8787/tripleoqueens/centos-binary-'
                            '%s:current-tripleo' % image)
    keys = found.get('KeystoneFernetKeys')
    if keys is not None and 'default' not in keys:
        params['KeystoneFernetKeys'] = {
            '/etc/keystone/fernet-keys/%d' % i: {'content': _secret(
                'KeystoneFernetKey0')} for i in (0, 1)}
    return params


def hostname(stack, role, index):
    return HOSTNAME_FORMAT[role] % (stack, index)


def sandbox_environment(stack, deployed_server_template, computes=1,
                        net=DEFAULT_NET):
    """The sandbox's own environment: only what upstream has no file for."""
    port_map = {'control_virtual_ip': {
        'fixed_ips': [{'ip_address': ctlplane_address(net, 5)}],
        'subnets': [{'cidr': CTLPLANE_CIDR}]}}
    for (role, index), address in sorted(node_addresses(computes,
                                                        net).items()):
        port_map['%s-ctlplane' % hostname(stack, role, index)] = {
            'fixed_ips': [{'ip_address': address}],
            'subnets': [{'cidr': CTLPLANE_CIDR}]}
    return {
        'resource_registry': {
            # No Keystone for the stack-domain user of each transport.
            'OS::Heat::DeployedServer': deployed_server_template,
        },
        'parameter_defaults': {
            # Node addresses, as deployed-server-deployed-neutron-ports
            # expects them from the operator.
            'DeployedServerPortMap': port_map,
            'ControllerCount': 1,
            'ComputeCount': computes,
            # The static nic config of deployed servers needs these; no
            # DHCP server or metadata service exists here.
            'ControlPlaneDefaultRoute': ctlplane_address(net, 1),
            'EC2MetadataIp': ctlplane_address(net, 1),
            'NeutronPublicInterface': 'lo',
            'NtpServer': ['127.0.0.1'],
            'CloudDomain': 'localdomain',
            # Upstream's way for repos that tripleo-repos cannot reach
            # (no internet here): a custom script run with the release.
            'FastForwardRepoType': 'custom-script',
            'FastForwardCustomRepoScriptContent': REPO_SCRIPT,
            # The nodes share this machine's network namespace: its default
            # gateway is not theirs, and no traffic may leave loopback.
            # THT's switch for networks where ICMP to the gateway is not
            # allowed.
            'ValidateGatewaysIcmp': False,
        },
    }


def nodes(stack, computes=1, net=DEFAULT_NET):
    """[(hostname, address, spec)] of the stack's nodes."""
    bootstrap = hostname(stack, 'Controller', 0)
    found = []
    for (role, index), address in sorted(node_addresses(computes,
                                                        net).items()):
        spec = dict(NODE_SPECS[role], role=role,
                    hieradata={'bootstrap_nodeid': bootstrap})
        found.append((hostname(stack, role, index), address, spec))
    return found


def deploy_parameters(action):
    """What tripleo-common sets on every deploy and stack update."""
    return {'parameter_defaults': {
        'StackAction': action,
        'DeployIdentifier': int(time.time()),
    }}


def environment_files(templates_dir):
    """The upstream environment files of the create, in order."""
    return [os.path.join(templates_dir, n) for n in CREATE_ENVIRONMENTS]
