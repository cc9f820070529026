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

"""The overcloudrc upstream's prepare wrote after its stack update.

As tripleo-common Queens made it (utils/overcloudrc.py): the overcloud's
Keystone from the stack outputs, the admin password from the stack's
environment. It holds that password: it is written privately in the
config dir and never travels in a workflow's output.
"""

import socket

try:
    from urllib.parse import urlparse
except ImportError:  # Python 2.7
    from urlparse import urlparse

from tripleo_ffu import compat

FILE = 'overcloudrc'

CLEAR_ENV = ('# Clear any old environment that may conflict.\n'
             'for key in $( set | awk \'{FS=\\"=\\"}  /^OS_/ {print $1}\' ); '
             'do unset $key ; done\n')
CLOUDPROMPT = """
# Add OS_CLOUDNAME to PS1
if [ -z "${CLOUDPROMPT_ENABLED:-}" ]; then
    export PS1=${PS1:-""}
    export PS1=\\${OS_CLOUDNAME:+"(\\$OS_CLOUDNAME)"}\\ $PS1
    export CLOUDPROMPT_ENABLED=1
fi
"""


def bracket_ipv6(address):
    try:
        socket.inet_pton(socket.AF_INET6, address)
        return '[%s]' % address
    except (socket.error, ValueError, TypeError):
        return address


def admin_password(environment):
    """The AdminPassword the stack's environment holds, else None."""
    for section in ('parameter_defaults', 'parameters'):
        value = (environment.get(section) or {}).get('AdminPassword')
        if value:
            return value
    return None


def render(stack_name, outputs, environment, no_proxy=''):
    """The overcloudrc text, or None when the stack lacks what it needs.

    outputs: {key: value} of the stack; environment: the stack's
    environment as Heat returns it.
    """
    endpoint = outputs.get('KeystoneURL')
    password = admin_password(environment)
    if not endpoint or not password:
        return None
    host = urlparse(endpoint).hostname
    endpoint_map = outputs.get('EndpointMap') or {}
    admin_vip = (endpoint_map.get('KeystoneAdmin') or {}).get('host') or (
        outputs.get('KeystoneAdminVip'))
    region = (environment.get('parameter_defaults') or {}).get(
        'KeystoneRegion') or 'regionOne'
    params = [
        ('NOVA_VERSION', '1.1'),
        ('COMPUTE_API_VERSION', '1.1'),
        ('OS_USERNAME', 'admin'),
        ('OS_PROJECT_NAME', 'admin'),
        ('OS_USER_DOMAIN_NAME', 'Default'),
        ('OS_PROJECT_DOMAIN_NAME', 'Default'),
        ('OS_NO_CACHE', 'True'),
        ('OS_CLOUDNAME', stack_name),
        ('no_proxy', ','.join(bracket_ipv6(h) for h in (
            no_proxy, host, admin_vip) if h)),
        ('PYTHONWARNINGS', '"ignore:Certificate has no, ignore:A true '
                           'SSLContext object is not available"'),
        ('OS_AUTH_TYPE', 'password'),
        ('OS_PASSWORD', compat.shell_quote(password)),
        ('OS_AUTH_URL', endpoint.rstrip('/').replace('/v2.0', '') + '/v3'),
        ('OS_IDENTITY_API_VERSION', '3'),
        ('OS_IMAGE_API_VERSION', '2'),
        ('OS_VOLUME_API_VERSION', '3'),
        ('OS_REGION_NAME', region),
    ]
    return CLEAR_ENV + ''.join('export %s=%s\n' % p for p in params) + (
        CLOUDPROMPT)
