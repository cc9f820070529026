#!/usr/bin/env python3
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

"""Render upstream's prepare and converge command lines into a fixture.

The tripleo-upgrade role (openstack/tripleo-upgrade) renders the
`openstack overcloud ffwd-upgrade prepare|converge` lines that upstream's
jobs and operators' automation ran. This renders its stable/queens, rocky
and stein templates with three variable sets (minimal, typical, gate) and
writes their arguments to tests/unit/fixtures/upstream_command_lines.json,
which the unit tests parse. Run it by hand with a clone of the role:

    tools/upstream-cli-lines.py /path/to/tripleo-upgrade
"""

import json
import os
import shlex
import subprocess
import sys

import jinja2

BRANCHES = ('queens', 'rocky', 'stein')
STEPS = ('prepare', 'converge')
THT = '/usr/share/openstack-tripleo-heat-templates'
HOME = '/home/stack'
COMMON = {
    'undercloud_rc': HOME + '/stackrc', 'overcloud_rc': HOME + '/overcloudrc',
    'overcloud_stack_name': 'overcloud', 'tht_directory': THT,
    'working_dir': HOME, 'ffu_overcloud_upgrade': True,
    'container_registry_file': 'docker-images.yaml',
    'uc_containers_prepare_file': 'containers-prepare-parameter.yaml',
    'default_roles_data': THT + '/roles_data.yaml',
    'roles_data': THT + '/roles_data.yaml',
    'overcloud_ssh_user': '', 'tripleo_upgrade_debug': False,
    'tripleo_upgrade_validations_non_fatal': False,
    'tripleo_upgrade_converge_plan_only': False,
    'splitstack_deployment': False, 'network_data_file': '',
    'deployment_with_ha_upstream': False, 'upgrade_prepare_extra_params': [],
    'ceph_osd_enabled': False, 'l3_agent_connectivity_check': False,
    'l3_agent_failover_check': False, 'fip_http_check': False,
}
VARIABLE_SETS = {
    'minimal': {},
    'typical': {
        'overcloud_ssh_user': 'heat-admin',
        'initial_env_file': {'stdout_lines': [
            THT + '/environments/network-isolation.yaml',
            HOME + '/network-environment.yaml',
            HOME + '/custom-params.yaml']},
        'roles_data': HOME + '/roles_data.yaml',
        'network_data_file': HOME + '/network_data.yaml',
        'deployment_with_ha_upstream': True, 'ceph_osd_enabled': True,
        'upgrade_prepare_extra_params': [HOME + '/ffu-extra.yaml',
                                         HOME + '/ffu-extra-2.yaml'],
    },
    'gate': {
        'overcloud_ssh_user': 'heat-admin', 'tripleo_upgrade_debug': True,
        'tripleo_upgrade_validations_non_fatal': True,
        'tripleo_upgrade_converge_plan_only': True,
        'splitstack_deployment': True, 'cli_converted_options': True,
        'upgrade_remove_rpm': True,
        'initial_env_file': {'stdout_lines': [
            THT + '/environments/deployed-server-environment.yaml']},
    },
}


def to_bool(value):
    if isinstance(value, str):
        return value.lower() in ('yes', 'true', '1', 'on')
    return bool(value)


def command_args(script):
    """The arguments after `openstack overcloud ffwd-upgrade <step>`."""
    lines = []
    for line in script.replace('\\\n', ' ').splitlines():
        if 'ffwd-upgrade' in line and 'openstack overcloud' in line:
            lines.append(line)
    assert len(lines) == 1, lines
    words = shlex.split(lines[0].split('2>&1')[0])
    start = words.index('ffwd-upgrade')
    return words[start + 2:]


def main(repo):
    # As Ansible's template module renders them.
    env = jinja2.Environment(trim_blocks=True)
    # The Ansible filters the templates use.
    env.filters['bool'] = to_bool
    env.filters['difference'] = lambda a, b: [x for x in a if x not in b]
    result = []
    for branch in BRANCHES:
        for step in STEPS:
            source = subprocess.check_output(
                ['git', 'show', 'stable/%s:templates/overcloud_upgrade_%s.'
                 'sh.j2' % (branch, step)], cwd=repo, text=True)
            for name, variables in sorted(VARIABLE_SETS.items()):
                variables = dict(COMMON, **variables)
                extra = variables['upgrade_prepare_extra_params']
                if branch == 'stein' and extra:
                    # Stein's role takes a comma-separated string.
                    variables['upgrade_prepare_extra_params'] = ','.join(
                        extra)
                script = env.from_string(source).render(**variables)
                result.append({'branch': 'stable/' + branch, 'step': step,
                               'variables': name,
                               'args': command_args(script)})
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..',
                       'tests', 'unit', 'fixtures',
                       'upstream_command_lines.json')
    with open(out, 'w') as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write('\n')
    print('%d command lines written to %s' % (len(result), out))


if __name__ == '__main__':
    main(sys.argv[1])
