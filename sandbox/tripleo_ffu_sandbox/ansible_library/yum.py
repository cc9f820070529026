#!/usr/bin/python
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

"""The yum module for the sandbox's nodes (sandbox only).

Ansible's yum module needs the yum Python bindings of an EL7 node, which a
sandbox node (this machine's Debian, seen as CentOS 7) does not have. The
sandbox puts this directory on ANSIBLE_LIBRARY of its Mistral executor, so
`ansible.legacy.yum` (what the yum and package actions run) is this
module: it drives the node's `yum` and `rpm` stand-ins (el7.py) with the
same name/state semantics.
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='list', elements='str', aliases=['pkg'],
                      default=[]),
            state=dict(default='present',
                       choices=['present', 'installed', 'latest', 'absent',
                                'removed']),
            enablerepo=dict(type='list', elements='str', default=[]),
            disablerepo=dict(type='list', elements='str', default=[]),
            exclude=dict(type='list', elements='str', default=[]),
            update_cache=dict(type='bool', default=False),
            disable_gpg_check=dict(type='bool', default=False),
            skip_broken=dict(type='bool', default=False),
            security=dict(type='bool', default=False),
            validate_certs=dict(type='bool', default=True),
        ),
        supports_check_mode=True)
    names, state = module.params['name'], module.params['state']
    changes = []
    for name in names:
        if name == '*':
            command = ['yum', '-y', 'update']
        else:
            rc, _, _ = module.run_command(['rpm', '-q', name])
            installed = rc == 0
            if state in ('absent', 'removed'):
                command = ['yum', '-y', 'remove', name] if installed else None
            elif not installed:
                command = ['yum', '-y', 'install', name]
            elif state == 'latest':
                command = ['yum', '-y', 'update', name]
            else:
                command = None
        if command is None or module.check_mode:
            continue
        rc, out, err = module.run_command(command)
        if rc:
            module.fail_json(msg='%s failed: %s' % (' '.join(command),
                                                    err.strip() or out),
                             rc=rc, stdout=out, stderr=err)
        changes += [line for line in out.splitlines()
                    if line.startswith(('Updated:', 'Installed:',
                                        'Removed:'))]
    module.exit_json(changed=bool(changes), results=changes,
                     msg='\n'.join(changes))


if __name__ == '__main__':
    main()
