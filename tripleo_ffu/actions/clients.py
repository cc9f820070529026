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

"""OpenStack clients for actions running inside the Mistral executor.

With Keystone, the token and service catalog of the Mistral security
context are used. Without Keystone (the sandbox, or an undercloud run
noauth) the endpoint is explicit: an action input, else the executor's
TRIPLEO_FFU_<SERVICE>_URL environment variable. Tokens are never logged.
"""

import json
import os

from tripleo_ffu import compat
from tripleo_ffu import contract

NOAUTH_TOKEN = 'tripleo-ffu-noauth'


class ClientError(Exception):
    """No way to reach a service from this executor."""


def endpoint_from_catalog(catalog, service_type, interface='internal',
                          region=None):
    """The URL of `service_type` in a Keystone v3 (or v2) catalog."""
    if isinstance(catalog, compat.string_types):
        catalog = json.loads(catalog)
    if isinstance(catalog, dict):
        catalog = catalog.get('catalog') or catalog.get('serviceCatalog')
    for service in catalog or []:
        if service.get('type') != service_type:
            continue
        endpoints = service.get('endpoints') or []
        for wanted in (interface, 'public'):
            for endpoint in endpoints:
                if region and endpoint.get('region') not in (None, region):
                    continue
                if endpoint.get('interface') == wanted and endpoint.get('url'):
                    return endpoint['url']
                v2_url = endpoint.get('%sURL' % wanted)
                if v2_url:
                    return v2_url
    return None


def service_endpoint(context, service_type, explicit_url=None):
    """Return (url, token) to reach `service_type`, or raise ClientError."""
    env_name = contract.service_url_env(service_type)
    url = explicit_url or os.environ.get(env_name)
    if url:
        return url, NOAUTH_TOKEN
    security = getattr(context, 'security', None)
    token = getattr(security, 'auth_token', None)
    if not token:
        raise ClientError(
            'no %s endpoint: the Mistral security context has no token '
            '(Keystone off?) and %s is not set for the executor'
            % (service_type, env_name))
    url = endpoint_from_catalog(getattr(security, 'service_catalog', None),
                                service_type,
                                region=getattr(security, 'region_name', None))
    if not url:
        raise ClientError('no %s endpoint in the Keystone service catalog'
                          % service_type)
    return url, token


def undercloud_identity(context):
    """The Undercloud inventory group's Keystone vars, as upstream's.

    auth_url, username, project_name and cacert of the user who started
    the workflow; {} without Keystone. Never the token: it would outlive
    the run in a file, and no FFU task needs it.
    """
    security = getattr(context, 'security', None)
    if not getattr(security, 'auth_token', None):
        return {}
    found = {'auth_url': getattr(security, 'auth_uri', None),
             'username': getattr(security, 'user_name', None),
             'project_name': getattr(security, 'project_name', None),
             'cacert': getattr(security, 'auth_cacert', None)}
    return dict((key, value) for key, value in found.items() if value)


def heat_client(context, heat_url=None):
    from heatclient import client as heat

    url, token = service_endpoint(context, 'orchestration', heat_url)
    return heat.Client('1', endpoint=url, token=token)


def mistral_client(context, mistral_url=None):
    """Mistral's own API, to see the other executions of a stack."""
    from mistralclient.api.v2 import client as mistral

    url, token = service_endpoint(context, 'workflowv2', mistral_url)
    if token == NOAUTH_TOKEN:
        return mistral.Client(mistral_url=url)
    return mistral.Client(mistral_url=url, auth_token=token)
