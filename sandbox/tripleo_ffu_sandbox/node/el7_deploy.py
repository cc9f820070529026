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

"""What THT Queens' deploy steps call on an EL7 node, for a sandbox node.

Copied beside el7.py, which installs these tools on the node:

* the heat-config agent (`55-heat-config`): applies the deployments in
  HEAT_SHELL_CONFIG once each, as python-heat-agent does, with its real
  `script` hook (the script runs, its inputs in the environment) and
  `hiera` hook (the datafiles land in /etc/puppet/hieradata) and
  `apply-config` hook (os-apply-config metadata, then os-apply-config,
  which records); `puppet` and `ansible` configs are recorded; the result
  goes to /var/lib/heat-config/deployed/<id>.notify.json;
* `paunch apply`: starts the step's containers as records in the node's
  state, in start order; the few whose effect the upgrade depends on act
  for real: `mysql` starts the node's MariaDB, `keystone_db_sync` runs
  the Queens DB sync on the service's bootstrap node only (what THT's
  bootstrap_host_exec does);
* `docker exec` into such a container runs the command on the node (the
  post-upgrade `mysql_upgrade` acts on the real MariaDB); `docker ps`;
* `facter`: a few facts, and the cache the deploy steps copy for the
  containers' Puppet; `puppet apply`, `ntpdate`, `os-net-config`:
  recorded, no effect (nothing on a sandbox node for them to change);
* `python`: EL7's Python 2. THT's docker-puppet.py is Python 2 and drives
  docker: it is recorded, with the config volumes it would generate, and
  writes the "hashed" startup configs paunch reads (without the hashes);
  any other call runs python3 with Python 2's unicode, basestring and
  long (THT's scripts call `python -c` with Python 2 code).
"""

import json
import os
import shutil
import subprocess
import sys

from tripleo_ffu_sandbox.node import el7

HEAT_CONFIG = '/var/lib/heat-config'
DEPLOYED = os.path.join(HEAT_CONFIG, 'deployed')
HOOK_SCRIPTS = os.path.join(HEAT_CONFIG, 'heat-config-script')
# Where a script writes its outputs (heat_outputs_path), as the real hook.
HOOK_OUTPUTS = '/var/run/heat-config/heat-config-script'
CONFIG_DATA = '/var/lib/config-data/puppet-generated'
TRIPLEO_CONFIG = '/var/lib/tripleo-config'
# Tools that only record their call (see the docstring).
RECORDED_ONLY = ('puppet', 'ntpdate', 'os-net-config')
FACTER_CACHE = '/opt/puppetlabs/facter/cache/cached_facts'


# -- heat-config ----------------------------------------------------------
def hook_script(deployment):
    os.makedirs(HOOK_SCRIPTS, mode=0o700, exist_ok=True)
    path = os.path.join(HOOK_SCRIPTS, deployment['id'])
    with open(path, 'w') as f:
        f.write(deployment.get('config') or '')
    os.chmod(path, 0o700)
    env = dict(os.environ)
    for item in deployment.get('inputs') or []:
        env[item['name']] = '%s' % ('' if item.get('value') is None
                                    else item['value'])
    os.makedirs(HOOK_OUTPUTS, mode=0o700, exist_ok=True)
    outputs_path = os.path.join(HOOK_OUTPUTS, deployment['id'])
    env['heat_outputs_path'] = outputs_path
    proc = subprocess.run([path], env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    # The script's outputs: one file each, <heat_outputs_path>.<name>.
    outputs = {}
    for output in deployment.get('outputs') or []:
        try:
            with open('%s.%s' % (outputs_path, output['name'])) as f:
                outputs[output['name']] = f.read()
        except OSError:
            pass
    return proc.returncode, proc.stdout, proc.stderr, outputs


def hook_hiera(deployment):
    config = deployment.get('config') or {}
    if isinstance(config, str):
        config = json.loads(config)
    # Beside the node's own hieradata, where `hiera` looks.
    hieradata_dir = os.path.dirname(el7.HIERADATA)
    written = []
    for name, data in sorted((config.get('datafiles') or {}).items()):
        with open(os.path.join(hieradata_dir, '%s.json' % name), 'w') as f:
            json.dump(data, f, indent=2, sort_keys=True)
        written.append(name)
    return 0, 'hieradata: %s\n' % ', '.join(written), '', {}


def hook_apply_config(deployment):
    """The config becomes os-apply-config metadata, then it applies."""
    directory = os.path.join(HEAT_CONFIG, 'heat-config-apply-config')
    os.makedirs(directory, mode=0o700, exist_ok=True)
    with open(os.path.join(directory, '%s.json' % deployment['id']),
              'w') as f:
        json.dump(deployment.get('config') or {}, f)
    proc = subprocess.run(['os-apply-config'], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout, proc.stderr, {}


def hook_recorded(deployment):
    """puppet, ansible: what no sandbox node has a tool to act on.

    Newton's per-step Puppet manifests and Queens' host prep playbook
    (HostPrepDeployment); the FFU's own playbooks do their work here.
    """
    return 0, '%s config %s recorded\n' % (
        deployment.get('group'), deployment.get('name')), '', {}


# Newton's StructuredConfigs of group os-apply-config are metadata for
# os-apply-config, as the apply-config hook's.
HOOKS = {'script': hook_script, 'hiera': hook_hiera,
         'apply-config': hook_apply_config,
         'os-apply-config': hook_apply_config, 'puppet': hook_recorded,
         'ansible': hook_recorded}


def heat_config(args):
    """55-heat-config: each deployment once, its result beside it."""
    with open(os.environ['HEAT_SHELL_CONFIG']) as f:
        deployments = json.load(f)
    os.makedirs(DEPLOYED, mode=0o700, exist_ok=True)
    for deployment in deployments:
        deployed = os.path.join(DEPLOYED, '%s.json' % deployment['id'])
        if os.path.exists(deployed):
            continue
        with open(deployed, 'w') as f:
            json.dump(deployment, f)
        hook = HOOKS.get(deployment.get('group'))
        if hook is None:
            rc, out, err, outputs = 1, '', (
                'group %s has no hook on this node'
                % deployment.get('group')), {}
        else:
            rc, out, err, outputs = hook(deployment)
        # Loaded after the hook: its script may have changed the state
        # (an UpdateDeployment's yum update...).
        el7.note('deployment %s (%s) rc=%d' % (
            deployment.get('deployment_name') or deployment.get('name'),
            deployment.get('group'), rc))
        with open(os.path.join(DEPLOYED, '%s.notify.json'
                               % deployment['id']), 'w') as f:
            json.dump(dict(outputs, deploy_stdout=out, deploy_stderr=err,
                           deploy_status_code=rc), f)
    return 0


# -- containers -------------------------------------------------------------
def _hostname():
    with open('/etc/hostname') as f:
        return f.read().strip()


def is_bootstrap_node(service):
    """bootstrap_host_exec's test: this node bootstraps `service`."""
    wanted = (el7.hiera_value('%s_short_bootstrap_node_name' % service) or
              el7.hiera_value('bootstrap_nodeid'))
    return str(wanted).lower() == _hostname().lower()


def _container_effect(state, name):
    if name == 'mysql':
        el7.start_mariadb(el7.node_address())
    elif name == 'keystone_db_sync':
        if not is_bootstrap_node('keystone'):
            return 'skipped: not the bootstrap node of keystone'
        # The container image's code: the last release.
        el7.migrate(state, 'keystone', code=el7.RELEASES[-1])
    return None


def paunch(args):
    if not args or args[0] in ('--debug', '-v'):
        args = args[1:]
    if args[:1] != ['apply']:
        raise el7.NodeError('paunch %s is not simulated' % ' '.join(args))
    options = dict(zip(args[1::2], args[2::2]))
    with open(options['--file']) as f:
        containers = json.load(f)
    state = el7.load()
    known = state.setdefault('containers', {})
    order = sorted(containers, key=lambda n: (
        containers[n].get('start_order', 0), n))
    for name in order:
        spec = containers[name]
        note = _container_effect(state, name)
        known[name] = {
            'config_id': options.get('--config-id'),
            'image': spec.get('image'),
            'status': ('running' if spec.get('detach', True)
                       else 'exited (0)')}
        el7.history(state, 'container %s %s%s' % (
            name, known[name]['status'],
            ' (%s)' % note if note else ''))
        print('%s: %s' % (name, note or known[name]['status']))
    el7.save(state)
    return 0


def docker(args):
    state = el7.load()
    known = state.get('containers', {})
    if args[:1] == ['ps']:
        for name, container in sorted(known.items()):
            if container['status'] == 'running':
                print('%s %s' % (name, container['image']))
        return 0
    if args[:1] == ['exec']:
        rest = args[1:]
        while rest and rest[0].startswith('-'):
            rest = rest[2:] if rest[0] in ('-u', '--user') else rest[1:]
        name, command = rest[0], rest[1:]
        if known.get(name, {}).get('status') != 'running':
            raise el7.NodeError('Error: No such container: %s' % name)
        el7.note('docker exec %s %s' % (name, ' '.join(command)))
        return subprocess.run(command).returncode
    raise el7.NodeError('docker %s is not simulated' % ' '.join(args[:1]))


def docker_puppet(args):
    """THT's docker-puppet.py (Python 2): the volumes it would configure."""
    config = os.environ.get('CONFIG', '/var/lib/docker-puppet/'
                                      'docker-puppet.json')
    with open(config) as f:
        volumes = [c.get('config_volume') for c in json.load(f)]
    el7.note('docker-puppet %s: %s' % (
        os.path.basename(config), ', '.join(v for v in volumes if v)))
    for volume in volumes:
        os.makedirs(os.path.join(CONFIG_DATA, volume), exist_ok=True)
    # What paunch then reads: the startup configs, "hashed" (the real
    # script adds each container's config hash to its environment).
    for name in os.listdir(TRIPLEO_CONFIG):
        if name.startswith('docker-container-startup-config-step_'):
            shutil.copyfile(os.path.join(TRIPLEO_CONFIG, name),
                            os.path.join(TRIPLEO_CONFIG, 'hashed-' + name))
    return 0


def facter(args):
    """Facts for Puppet: the cache the deploy steps copy to containers."""
    os.makedirs(FACTER_CACHE, exist_ok=True)
    facts = {'hostname': _hostname(), 'osfamily': 'RedHat',
             'operatingsystemmajrelease': '7'}
    with open(os.path.join(FACTER_CACHE, 'operating system'), 'w') as f:
        json.dump(facts, f)
    print(json.dumps(facts))
    return 0


def python(args):
    """`python -c CODE`: Python 2 code (Newton's `print x`) to a 2.7."""
    if args and args[0].endswith('/docker-puppet.py'):
        return docker_puppet(args[1:])
    # The caller's PYTHONPATH, without this package's (the wrapper's).
    path = [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep)
            if p and p != el7.LIB]
    python2 = el7.spec().get('python2')
    if args[:1] == ['-c'] and len(args) > 1 and python2:
        try:
            compile(args[1], '<string>', 'exec')
        except SyntaxError:
            os.environ['PYTHONPATH'] = os.pathsep.join(path)
            os.execv(python2, ['python2'] + args)
    os.environ['PYTHONPATH'] = os.pathsep.join([el7.PY2COMPAT] + path)
    os.execv('/usr/bin/python3', ['python3'] + args)


def hostnamectl(args):
    """hostnamectl without systemd: the static name is /etc/hostname."""
    if args[:1] == ['set-hostname'] and len(args) > 1:
        with open('/etc/hostname', 'w') as f:
            f.write(args[1] + '\n')
        subprocess.run(['hostname', args[1]], check=True)
        return 0
    print(_hostname())
    return 0


TOOLS = {'55-heat-config': heat_config, 'paunch': paunch, 'docker': docker,
         'facter': facter, 'python': python, 'hostnamectl': hostnamectl}
TOOLS.update({name: (lambda args: 0) for name in RECORDED_ONLY})
# Where each tool is installed on the node (default /usr/bin/<tool>).
PATHS = {'55-heat-config':
         '/usr/libexec/os-refresh-config/configure.d/55-heat-config'}


def main(argv):
    return el7.run_tool(TOOLS, argv)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
