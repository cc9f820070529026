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

"""The `overcloud deploy` options of upstream's prepare and converge.

Upstream's prepare and converge (python-tripleoclient Queens to Stein)
were `overcloud deploy` with a lifecycle environment, and its tools
(tripleo-upgrade) pass deploy options to them. Every one of them parses
here: honoured where it means something for a stack update from the
undercloud, else accepted with a one-line notice saying it has no effect
(doc/upstream-options.rst has the table).
"""

import os

from tripleo_ffu import templates

DEFAULT_ENV_DIRECTORY = '~/.tripleo/environments'

# Scale and flavor options (deprecated upstream already in Queens) and
# --ntp-server: the parameters upstream's deploy set from them.
PARAMETER_OPTIONS = (
    ('ntp_server', ('NtpServer',)),
    ('control_scale', ('ControllerCount',)),
    ('compute_scale', ('ComputeCount',)),
    ('swift_storage_scale', ('ObjectStorageCount',)),
    ('block_storage_scale', ('BlockStorageCount',)),
    ('ceph_storage_scale', ('CephStorageCount',)),
    ('control_flavor', ('OvercloudControlFlavor',
                        'OvercloudControllerFlavor')),
    ('compute_flavor', ('OvercloudComputeFlavor',)),
    ('block_storage_flavor', ('OvercloudBlockStorageFlavor',)),
    ('swift_storage_flavor', ('OvercloudObjectStorageFlavor',
                              'OvercloudSwiftStorageFlavor')),
    ('ceph_storage_flavor', ('OvercloudCephStorageFlavor',)),
)

# Accepted, no effect here: (flags, argparse keywords, why).
NO_EFFECT = (
    (('--libvirt-type',), {}, 'it applies to a new stack only'),
    (('--overcloud-ssh-network',), {},
     'the inventory uses the ctlplane addresses of the stack outputs'),
    (('--overcloud-ssh-key',), {},
     'Ansible uses the Mistral executor user\'s own key; name another '
     'with ansible_ssh_private_key_file in run --static-inventory'),
    (('--no-cleanup',), {'action': 'store_true'},
     'the rendered templates are always kept in the work dir'),
    (('--validation-errors-nonfatal',), {'action': 'store_true'},
     'no deploy validations run here'),
    (('--validation-warnings-fatal',), {'action': 'store_true'},
     'no deploy validations run here'),
    (('--disable-validations',), {'action': 'store_true'},
     'no deploy validations run here'),
    (('--run-validations',), {'action': 'store_true'},
     'no deploy validations run here'),
    (('--inflight-validations',), {'action': 'store_true'},
     'no deploy validations run here'),
    (('--skip-postconfig',), {'action': 'store_true'},
     'there is no overcloud post-config here'),
    (('--force-postconfig',), {'action': 'store_true'},
     'there is no overcloud post-config here'),
    (('--skip-deploy-identifier',), {'action': 'store_true'},
     'the FFU deployments run from Ansible, not from DeployIdentifier'),
    (('--rhel-reg',), {'action': 'store_true'},
     'registration comes from the environment files'),
    (('--reg-method',), {}, 'registration comes from the environment files'),
    (('--reg-org',), {}, 'registration comes from the environment files'),
    (('--reg-force',), {'action': 'store_true'},
     'registration comes from the environment files'),
    (('--reg-sat-url',), {}, 'registration comes from the environment files'),
    (('--reg-activation-key',), {},
     'registration comes from the environment files'),
    (('--disable-password-generation',), {'action': 'store_true'},
     'the stack keeps the passwords it has'),
    (('--deployed-server',), {'action': 'store_true'},
     'the stack keeps its servers; no node is checked or assigned'),
    (('--config-download',), {'action': 'store_true'},
     'prepare always downloads the config; run applies it'),
    (('--no-config-download', '--stack-only'), {'action': 'store_true'},
     'prepare always downloads the config; run applies it'),
    (('--config-download-only',), {'action': 'store_true'},
     'prepare always updates the stack'),
    (('--output-dir',), {}, 'the config goes to the work dir (--work-dir)'),
    (('--override-ansible-cfg',), {},
     'run writes the Ansible configuration it needs'),
    (('--config-download-timeout',), {},
     'the bound is --timeout/-t'),
    (('--deployment-python-interpreter',), {},
     'the nodes\' Python is found by Ansible'),
    (('--ceph-ansible-playbook',), {},
     'Ceph is upgraded after the FFU, by its own step'),
)


def flag_dest(flags):
    return flags[0].lstrip('-').replace('-', '_')


def add_options(parser):
    """Add upstream's deploy options to a prepare or converge parser."""
    parser.add_argument(
        '--templates', nargs='?', const=templates.DEFAULT_TEMPLATES,
        metavar='<templates dir>',
        help='The tripleo-heat-templates to move the stack to, a '
             'directory on the undercloud (default when given without a '
             'value: %s). Without --templates the stack keeps its '
             'templates and only the environments change.'
             % templates.DEFAULT_TEMPLATES)
    parser.add_argument(
        '-r', '--roles-file', metavar='<file>',
        help='Roles file the templates are rendered for (default: the '
             'templates\' roles_data.yaml).')
    parser.add_argument(
        '-n', '--networks-file', metavar='<file>',
        help='Networks file the templates are rendered for (default: the '
             'templates\' network_data.yaml).')
    parser.add_argument(
        '-p', '--plan-environment-file', metavar='<file>',
        help='Plan environment: its environments and parameter_defaults '
             'come first (default: the templates\' plan-environment.yaml).')
    parser.add_argument(
        '--answers-file', metavar='<file>',
        help='YAML with "templates" and "environments", as upstream\'s.')
    parser.add_argument(
        '--overcloud-ssh-user', dest='ssh_user', metavar='<user>',
        help='User Ansible connects to the nodes as (same as --ssh-user).')
    parser.add_argument(
        '--no-proxy', metavar='<hosts>',
        help='Hosts this command reaches without a proxy (no_proxy).')
    parser.add_argument(
        '--dry-run', action='store_true',
        help='Check the templates and environments and print what the '
             'update would send; start nothing.')
    parser.add_argument(
        '--update-plan-only', action='store_true',
        help='As --dry-run: there is no plan to update apart from the '
             'stack.')
    parser.add_argument('--ntp-server', metavar='<server>',
                        help='Sets NtpServer.')
    for option, _ in PARAMETER_OPTIONS[1:]:
        flag = '--' + option.replace('_', '-')
        parser.add_argument(
            flag, type=int if option.endswith('_scale') else None,
            help='Deprecated upstream; sets the parameter %s.' % (
                ', '.join(dict(PARAMETER_OPTIONS)[option])))
    for flags, kwargs, _ in NO_EFFECT:
        parser.add_argument(*flags, dest=flag_dest(flags), help=(
            'Accepted for upstream\'s command lines; no effect here.'),
            **kwargs)


def parameters(parsed_args):
    """The parameter_defaults upstream's deploy set from its options."""
    result = {}
    for option, names in PARAMETER_OPTIONS:
        value = getattr(parsed_args, option, None)
        if value is not None:
            for name in names:
                result[name] = value
    return result


def notices(parsed_args):
    """One line per option given that has no effect here."""
    lines = []
    for flags, kwargs, why in NO_EFFECT:
        value = getattr(parsed_args, flag_dest(flags), None)
        if value not in (None, False):
            lines.append('Note: %s has no effect here: %s.' % (flags[0], why))
    return lines


def environment_directories(parsed_args, expanduser=os.path.expanduser):
    """--environment-directory, else upstream's default when it exists."""
    if parsed_args.environment_directories:
        return parsed_args.environment_directories
    default = expanduser(DEFAULT_ENV_DIRECTORY)
    return [default] if os.path.isdir(default) else []
