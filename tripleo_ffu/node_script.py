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

"""A script on every server of a stack, as a Heat software deployment.

Upstream's prepare ran FFWD_UPGRADE_PREPARE_SCRIPT on every node before
the stack update, as a script deployment that each node's
os-collect-config applies and signals (tripleo-common's deploy_on_servers,
signalled through a Swift temp URL). Here the deployment is a small stack
of its own beside the overcloud's: a SoftwareConfig and a
SoftwareDeploymentGroup over the overcloud's servers, signalled the way
the undercloud's Heat signals every overcloud deployment (its default
transport), so nothing but Heat is needed and the nodes answer as they do
for their own deployments. Plain functions over a heatclient; the action
is actions/nodes.py.
"""

import re

# Upstream's (python-tripleoclient stable/queens constants): os-apply-
# config must no longer write os-net-config's config.json from the new
# metadata the prepare update gives the nodes (LP #1758161), which would
# reconfigure their network.
PREPARE_SCRIPT = ('#!/bin/bash\n'
                  'rm -f /usr/libexec/os-apply-config/templates/'
                  'etc/os-net-config/config.json || true\n')
PREPARE_CONFIG_NAME = 'ffwd-upgrade-prepare'
# Resources whose physical id is the id deployments name as their server.
SERVER_TYPES = ('OS::Nova::Server', 'OS::Heat::DeployedServer')
# Newton's deployed servers (THT 5.x deployed-server-config.yaml): a
# SoftwareConfig of this name stands for the server, its id the server's.
NEWTON_DEPLOYED_SERVER = ('OS::Heat::SoftwareConfig',
                          'deployed-server-config')
# THT's config-download-software.yaml, which prepare's lifecycle
# environment maps every software deployment to, holds a DeployedServer of
# this name that stands for no node: after a prepare, one per deployment.
CONFIG_DOWNLOAD_SERVER = 'TripleOServer'
# Newton's deployed server config sits 5 levels down in THT (overcloud >
# <Role> group > <index> > server > deployed-server > config).
SERVER_DEPTH = 6
_STACK_LINK = re.compile(r'/stacks/([^/]+)/([^/]+)$')
# A role's node stack in THT: <stack>-<Role>-<random>-<index>-<random>.
_NODE_STACK = re.compile(r'-(?P<role>[A-Za-z][A-Za-z0-9]*)-[a-z0-9]+-'
                         r'(?P<index>\d+)-[a-z0-9]+(-|$)')


def helper_stack_name(stack_name, config_name):
    return '%s-%s' % (stack_name, config_name)


def _stack_of(resource):
    """(name, id) of the stack that holds a listed resource."""
    for link in getattr(resource, 'links', None) or []:
        if link.get('rel') == 'stack':
            match = _STACK_LINK.search(link.get('href', ''))
            if match:
                return match.groups()
    return None, None


def node_label(stack_name):
    """'<Role>-<index>' of a resource in a THT node's stack, or None."""
    match = _NODE_STACK.search(stack_name or '')
    return match and '%s-%s' % (match.group('role'), match.group('index'))


def _is_server(resource):
    if resource.resource_name == CONFIG_DOWNLOAD_SERVER:
        return False
    return resource.physical_resource_id and (
        resource.resource_type in SERVER_TYPES or
        (resource.resource_type, resource.resource_name) ==
        NEWTON_DEPLOYED_SERVER)


def servers(heat, stack_id):
    """{name: server id} of the stack's servers, at any depth.

    The name is the server's own (its hostname), else its role and index
    in the templates (Newton's deployed servers have no name), else its
    id.
    """
    found = {}
    for resource in heat.resources.list(stack_id,
                                        nested_depth=SERVER_DEPTH):
        if not _is_server(resource):
            continue
        stack_name, holder = _stack_of(resource)
        name = None
        if holder and resource.resource_type in SERVER_TYPES:
            shown = heat.resources.get(holder, resource.resource_name)
            name = (getattr(shown, 'attributes', None) or {}).get('name')
        found[name or node_label(stack_name) or
              resource.physical_resource_id] = resource.physical_resource_id
    return found


def deployment_template(server_ids, script, config_name):
    """The helper stack: `script` deployed once on each server."""
    return {
        'heat_template_version': '2016-10-14',
        'description': 'tripleo-ffu: %s on every server' % config_name,
        'resources': {
            'Config': {
                'type': 'OS::Heat::SoftwareConfig',
                'properties': {'group': 'script', 'config': script}},
            'Deployments': {
                'type': 'OS::Heat::SoftwareDeploymentGroup',
                'properties': {'servers': dict(server_ids),
                               'config': {'get_resource': 'Config'},
                               'name': config_name,
                               'actions': ['CREATE']}},
        },
        'outputs': dict(
            (key, {'value': {'get_attr': ['Deployments', key]}})
            for key in ('deploy_status_codes', 'deploy_stdouts',
                        'deploy_stderrs')),
    }


def _last_line(text):
    lines = [line for line in (text or '').splitlines() if line.strip()]
    return lines[-1] if lines else ''


def failures(outputs):
    """'name (exit N: last error line)' of each server the script failed on.

    outputs: {output key: {server name: value}} of the helper stack.
    """
    codes = outputs.get('deploy_status_codes') or {}
    stderrs = outputs.get('deploy_stderrs') or {}
    found = []
    for name in sorted(codes):
        if codes[name] in (0, '0'):
            continue
        detail = _last_line(stderrs.get(name))
        found.append('%s (exit %s%s)' % (name, codes[name],
                                         ': %s' % detail if detail else ''))
    return found
