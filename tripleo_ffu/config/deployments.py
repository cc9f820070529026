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

"""The stack's software deployments -> the files deploy_steps needs.

THT Queens' deploy_steps_playbook.yaml runs each server's Heat software
deployments (NetworkDeployment, the hieradata, the host entries...)
through `deployments.yaml`, reading the names from the group variables
`<Role>_pre_deployments` / `<Role>_post_deployments` and each one's data
from `<Role>/<server>/<deployment name>`, as upstream's config download
writes them. The final Queens step (upgrade, deploy, post-upgrade) needs
them; without them the deploy steps cannot run.

`render_deployments` is pure; `gather` reads Heat.
"""

import os

from tripleo_ffu.config import errors
from tripleo_ffu.config import inventory as inventory_mod

# THT's config-download-software.yaml: an OS::Heat::Value named so, whose
# value names the deployment, its server and the real SoftwareDeployment.
DEPLOYMENT_RESOURCE = 'TripleODeployment'
SOFTWARE_DEPLOYMENT = 'TripleOSoftwareDeployment'
NESTED_DEPTH = 7
# Deployments that run after the deploy steps (ExtraConfigPost...).
POST_MARKERS = ('ExtraConfigPost', 'PostConfig')
TASKS_FILE = 'deployments.yaml'

# Runs one deployment (`item`) of a server; see the file's header.
TASKS_TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              'deployments_tasks.yaml')


def _deployment_data(deployment, server_id):
    """The per-server file's entry: Heat's config plus the deployment."""
    config = dict(deployment['config'])
    name = deployment['name']
    inputs = []
    for item in config.get('inputs') or []:
        item = dict(item)
        # The deployments ran on a stand-in server resource (THT's
        # config-download-software.yaml): the real server is the one the
        # deployment names.
        if item.get('name') == 'deploy_server_id':
            item['value'] = server_id
        inputs.append(item)
    return {'config': config.get('config'),
            'creation_time': deployment.get('creation_time'),
            'deployment_name': name,
            'group': config.get('group'),
            'id': config.get('id'),
            'inputs': inputs,
            'name': config.get('name'),
            'options': config.get('options') or {},
            'outputs': config.get('outputs') or []}


def render_deployments(outputs, deployments):
    """Return (files, report) for `deployments`, in creation order.

    `files` maps relative paths to YAML-ready data (or text).
    Each deployment: {'name', 'server', 'resource_id', 'creation_time',
    'config'}, `config` being Heat's software config (id, name, group,
    config, inputs, outputs, options).
    """
    if not deployments:
        return {}, {'deployments': 0, 'deployments_skipped': []}
    servers = inventory_mod.servers_by_id(outputs)
    files = {}
    names = {}
    skipped = []
    for deployment in deployments:
        name = deployment.get('name')
        # A group member's parent resource is its index, not a name.
        if not name or name.isdigit():
            raise errors.ConfigError(
                'software deployment %s has no name; set the name '
                'property of its resource in the templates'
                % deployment.get('resource_id'))
        server_id = deployment.get('server')
        if server_id not in servers:
            skipped.append({'deployment': name, 'server': server_id})
            continue
        role, host = servers[server_id]
        files['%s/%s/%s' % (role, host, name)] = {
            'deploy_server_id': server_id,
            name: _deployment_data(deployment, server_id)}
        kind = ('post' if any(marker in (deployment.get('resource_id') or '')
                              for marker in POST_MARKERS) else 'pre')
        listed = names.setdefault(role, {'pre': [], 'post': []})[kind]
        if name not in listed:
            listed.append(name)
    for role, kinds in sorted(names.items()):
        files['group_vars/%s' % role] = {
            # THT 8.4.1 reads <Role>_pre_deployments; later Queens
            # templates read pre_deployments_<Role>.
            '%s_pre_deployments' % role: kinds['pre'],
            '%s_post_deployments' % role: kinds['post'],
            'pre_deployments_%s' % role: kinds['pre'],
            'post_deployments_%s' % role: kinds['post']}
    with open(TASKS_TEMPLATE) as f:
        files[TASKS_FILE] = f.read()
    report = {'deployments': sum(len(k['pre']) + len(k['post'])
                                 for k in names.values()),
              'deployments_skipped': skipped}
    return files, report


def gather(heat, stack):
    """The stack's deployments from Heat, as render_deployments takes them.

    One software config is fetched once however many servers share it.
    """
    found = heat.resources.list(
        stack, nested_depth=NESTED_DEPTH,
        filters={'name': DEPLOYMENT_RESOURCE}, with_detail=True)
    configs = {}
    deployments = []
    for resource in sorted(found, key=lambda r: r.creation_time or ''):
        value = (getattr(resource, 'attributes', None) or {}).get('value')
        if not isinstance(value, dict):
            continue
        reference = value.get('deployment')
        # No physical deployment: it does not run on this stack action.
        if not reference or reference == SOFTWARE_DEPLOYMENT:
            continue
        if '/' in reference:
            # A nested stack's ARN: its SoftwareDeployment resource.
            reference = heat.resources.get(
                reference.split('/')[-1],
                SOFTWARE_DEPLOYMENT).physical_resource_id
        config_id = heat.software_deployments.get(reference).config_id
        if config_id not in configs:
            configs[config_id] = heat.software_configs.get(
                config_id).to_dict()
        deployments.append({
            'name': value.get('name') or resource.parent_resource,
            'server': value.get('server'),
            'resource_id': resource.physical_resource_id,
            'creation_time': resource.creation_time,
            'config': configs[config_id]})
    return deployments
