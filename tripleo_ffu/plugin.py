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

"""OpenStackClient plugin: adds `openstack overcloud ffwd-upgrade ...`.

The commands use OSC's own workflow_engine (Mistral) client, so this
plugin needs no client of its own; make_client returns a small marker.
Nothing heavy is imported here: OSC loads this module on every call.
"""

from osc_lib import utils

API_NAME = 'tripleo_ffu'
API_VERSION_OPTION = 'os_tripleo_ffu_api_version'
DEFAULT_API_VERSION = '1'
API_VERSIONS = {'1': 'tripleo_ffu.plugin'}


def make_client(instance):
    return {'api_version': instance._api_version.get(API_NAME,
                                                     DEFAULT_API_VERSION)}


def build_option_parser(parser):
    parser.add_argument(
        '--os-tripleo-ffu-api-version',
        metavar='<tripleo-ffu-api-version>',
        default=utils.env('OS_TRIPLEO_FFU_API_VERSION',
                          default=DEFAULT_API_VERSION),
        help='tripleo-ffu command API version, default=%s '
             '(Env: OS_TRIPLEO_FFU_API_VERSION)' % DEFAULT_API_VERSION)
    return parser
