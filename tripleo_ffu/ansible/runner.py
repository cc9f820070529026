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

"""Running ansible-playbook in a config dir, reproducibly and bounded."""

import json
import os
import signal
import subprocess
import sys
import time

import yaml

from tripleo_ffu.ansible import events as events_mod
from tripleo_ffu.ansible import inputs
from tripleo_ffu import compat
from tripleo_ffu import contract
from tripleo_ffu import files
from tripleo_ffu import journal
from tripleo_ffu import locks
from tripleo_ffu import paths

CALLBACK_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            'callback_plugins')
# Discovered per host (EL7 nodes have Python 2.7); an inventory can pin
# ansible_python_interpreter per host.
DEFAULT_INTERPRETER = 'auto_silent'
# In the run's dir: the operator's extra vars, for --extra-vars @file.
EXTRA_VARS_FILE = 'extra-vars.json'

ANSIBLE_CFG = """\
[defaults]
log_path = {log_path}
retry_files_enabled = False
host_key_checking = False
callback_plugins = {callback_dir}
callbacks_enabled = tripleo_ffu_events, profile_tasks
# The same for Ansible 2.9 (a Queens undercloud), which reads only this name.
callback_whitelist = tripleo_ffu_events, profile_tasks
interpreter_python = {interpreter}
forks = 25
timeout = 30
gathering = smart
deprecation_warnings = False

[ssh_connection]
ssh_args = -o ControlMaster=auto -o ControlPersist=30m \
-o ServerAliveInterval=5 -o ServerAliveCountMax=5
control_path_dir = {config_dir}/.ansible-cp
# Connection failures are retried with a growing pause (1, 3, 7 s): enough
# for a busy node, short enough that a wrong user or key is reported in
# seconds rather than minutes.
retries = 3
pipelining = True
"""


class PlaybookError(Exception):
    """The playbook cannot be started (not a failure of the playbook)."""


def find_ansible_playbook():
    """The ansible-playbook given, else the one beside this Python or on PATH.

    Given: the executor's TRIPLEO_FFU_ANSIBLE_PLAYBOOK, a path or a name.
    """
    given = os.environ.get(contract.ANSIBLE_PLAYBOOK_ENV)
    if given:
        found = given if os.path.sep in given else compat.which(given)
        if not found or not os.access(found, os.X_OK):
            raise PlaybookError('%s=%s: no such executable' % (
                contract.ANSIBLE_PLAYBOOK_ENV, given))
        return found
    beside = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    if os.access(beside, os.X_OK):
        return beside
    found = compat.which('ansible-playbook')
    if not found:
        raise PlaybookError('ansible-playbook not found beside %s nor on PATH'
                            % sys.executable)
    return found


def build_command(ansible_playbook, playbook, inventory, limit_hosts=None,
                  tags=None, skip_tags=None, extra_vars_file=None,
                  verbosity=0, remote_user=None):
    """The argv of the run of `playbook` (one, or a list run in order).

    The operator's extra vars come from `extra_vars_file`
    (write_extra_vars), never the command line, which every local user
    can read while the run lasts. `remote_user` overrides the inventory's
    user: as extra vars (both names Ansible reads), since -u loses to
    inventory variables. Tasks run as root unless a play says otherwise,
    as upstream's runs of these playbooks did (become, become_user root):
    the Queens upgrade and post-upgrade step playbooks do not escalate
    themselves.
    """
    playbooks = list(playbook) if isinstance(playbook, (list, tuple)) else [
        playbook]
    argv = [ansible_playbook, '-i', inventory] + playbooks + [
        '--become', '--become-user', 'root']
    if verbosity:
        argv.append('-' + 'v' * min(int(verbosity), 5))
    if limit_hosts:
        argv += ['--limit', limit_hosts]
    if tags:
        argv += ['--tags', tags]
    if skip_tags:
        argv += ['--skip-tags', skip_tags]
    if extra_vars_file:
        argv += ['--extra-vars', '@' + extra_vars_file]
    if remote_user:
        argv += ['--extra-vars', json.dumps(
            {'ansible_user': remote_user, 'ansible_ssh_user': remote_user},
            sort_keys=True)]
    return argv


def write_extra_vars(run_dir, extra_vars, own_vars=None):
    """Write the operator's extra vars to the run dir, private (0600).

    Returns the JSON file's path, or None when there are none.
    `extra_vars`: a dict, or --extra-vars text (inputs.parse_extra_vars);
    `own_vars`: this tool's (the steps to skip), which win.
    """
    values = dict(inputs.parse_extra_vars(extra_vars), **(own_vars or {}))
    if not values:
        return None
    path = os.path.join(run_dir, EXTRA_VARS_FILE)
    with files.open_private(path) as f:
        json.dump(values, f, sort_keys=True)
    return path


def write_ansible_cfg(config_dir, log_path, interpreter=DEFAULT_INTERPRETER):
    path = os.path.join(config_dir, 'ansible.cfg')
    with files.open_private(path) as f:
        f.write(ANSIBLE_CFG.format(log_path=log_path,
                                   callback_dir=CALLBACK_DIR,
                                   interpreter=interpreter,
                                   config_dir=config_dir))
    return path


def ansible_version(ansible_playbook):
    """'ansible-core 2.15.13' of `ansible_playbook`, for the run's record.

    Read from the package metadata when it is this Python's own (no
    process to start), else from its --version; None when neither tells.
    """
    beside = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    if os.path.realpath(ansible_playbook) == os.path.realpath(beside):
        found = compat.package_version(('ansible-core', 'ansible-base',
                                        'ansible'))
        if found:
            return found
    try:
        rc, out = compat.run([ansible_playbook, '--version'], timeout=60)
    except OSError:
        return None
    if rc != 0:
        return None
    first = out.splitlines()[0] if out else ''
    return first.replace('ansible-playbook', 'ansible').strip() or None


def shown_command(argv):
    """The argv for records and messages: extra vars left out.

    They may carry passwords; the run's command script (0700) has them.
    """
    shown = list(argv)
    for i, arg in enumerate(shown[:-1]):
        if arg in ('--extra-vars', '-e'):
            shown[i + 1] = '<hidden>'
    return shown


def _private_append(path):
    """Create `path` 0600 (or make it so) before a tool appends to it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.fchmod(fd, 0o600)
        return os.fstat(fd).st_size
    finally:
        os.close(fd)


def write_command_script(run_dir, config_dir, argv, env):
    """A script that reproduces the run by hand, from the config dir."""
    path = os.path.join(run_dir, paths.COMMAND_SCRIPT)
    lines = ['#!/bin/bash', '# Reproduces the last ansible-playbook run.',
             'set -e', 'cd %s' % compat.shell_quote(config_dir)]
    lines += ['export %s=%s' % (k, compat.shell_quote(v)) for k, v in
              sorted(env.items())]
    lines.append('exec %s "$@"' % ' '.join(
        compat.shell_quote(a) for a in argv))
    # 0700 and private like the extra vars file it names.
    with files.open_private(path, 0o700) as f:
        f.write('\n'.join(lines) + '\n')
    return path


def _die_with_parent():
    """preexec_fn: a new session, SIGTERMed when our starter thread dies."""
    import ctypes
    pr_set_pdeathsig = 1
    os.setsid()
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig,
                                            signal.SIGTERM)


def start_playbook(config_dir, argv, events_file, journal_file=None):
    """Start `argv` under the supervisor; return the run to wait for.

    `journal_file`: the stack's journal, appended by the callback too.

    The supervisor leads a new session holding ansible-playbook and its
    forks, and stops them all if the caller (the Mistral executor) dies.
    """
    run_dir = os.path.dirname(events_file)
    compat.makedirs(run_dir, 0o700)
    log_path = os.path.join(config_dir, 'ansible.log')
    log_offset = _private_append(log_path)
    _private_append(events_file)
    cfg = write_ansible_cfg(config_dir, log_path)
    # The executor's own ANSIBLE_* settings (its SSH key, module paths...)
    # go into the reproduce script too, so it runs what the action ran.
    env = {k: v for k, v in os.environ.items() if k.startswith('ANSIBLE_')}
    env.update({'ANSIBLE_CONFIG': cfg, contract.EVENTS_FILE_ENV: events_file,
                'ANSIBLE_FORCE_COLOR': '0'})
    if journal_file:
        _private_append(journal_file)
        env[journal.JOURNAL_FILE_ENV] = journal_file
    script = write_command_script(run_dir, config_dir, argv, env)
    # <config dir>/ansible-playbook-command.sh: the newest run's.
    files.point(os.path.join(config_dir, paths.COMMAND_SCRIPT),
                os.path.relpath(script, config_dir))

    stdout_log = os.path.join(config_dir, 'ansible-stdout.log')
    started_at = _private_append(stdout_log)
    with open(stdout_log, 'ab') as out, open(os.devnull) as nothing:
        proc = subprocess.Popen(
            [sys.executable, '-m', 'tripleo_ffu.ansible.supervise'] + argv,
            cwd=config_dir, stdout=out, stderr=subprocess.STDOUT,
            stdin=nothing, env=dict(os.environ, **env),
            preexec_fn=_die_with_parent)
    return {'proc': proc, 'stdout_log': stdout_log,
            'stdout_offset': started_at, 'log_path': log_path,
            'log_offset': log_offset, 'events_file': events_file,
            'command_script': script}


def stop_group(pgid, grace_s=30, reap=None):
    """Stop a run's whole process group; return once it is empty.

    Only then is "Ansible was stopped" true: forks, modules and SSH
    clients outlive ansible-playbook for a moment. What is left after
    `grace_s` is killed. `reap`: called meanwhile by the group leader's
    parent, whose unreaped zombie would keep the group non-empty.
    """
    if not compat.kill_group(pgid, signal.SIGTERM):
        return
    deadline = compat.monotonic() + grace_s
    while True:
        if reap:
            reap()
        if not locks.group_exists(pgid):
            return
        if compat.monotonic() >= deadline:
            break
        time.sleep(0.2)
    compat.kill_group(pgid, signal.SIGKILL)


def run_node_playbook(ansible_playbook, config_dir, plays, directory, name,
                      timeout_s, limit='overcloud'):
    """Run a small playbook of our own on the downloaded inventory's nodes.

    It is written to `directory`/<name>.yaml, its events to
    events-<name>.jsonl and Ansible's output to <name>.log there (private),
    over the config's ansible.cfg (the nodes' SSH user and key). Returns
    (events, Ansible's own error line or None); a run past `timeout_s` is
    stopped.
    """
    compat.makedirs(directory, 0o700)
    playbook = os.path.join(directory, '%s.yaml' % name)
    with files.open_private(playbook) as f:
        yaml.safe_dump(plays, f, default_flow_style=False)
    events_file = os.path.join(directory, 'events-%s.jsonl' % name)
    if os.path.exists(events_file):
        os.unlink(events_file)
    cfg = write_ansible_cfg(config_dir,
                            os.path.join(config_dir, 'ansible.log'))
    env = dict(os.environ, ANSIBLE_CONFIG=cfg,
               **{contract.EVENTS_FILE_ENV: events_file})
    output = os.path.join(directory, '%s.log' % name)
    with files.open_private(output) as out:
        proc = subprocess.Popen(
            [ansible_playbook, '-i',
             os.path.join(config_dir, paths.INVENTORY_FILE),
             '--limit', limit, playbook], cwd=config_dir, env=env,
            stdout=out, stderr=subprocess.STDOUT, preexec_fn=os.setsid)
    if not compat.wait(proc, timeout_s):
        stop_group(proc.pid, reap=proc.poll)
    found, _ = events_mod.read_new_events(events_file, 0)
    with open(output) as f:
        return found, events_mod.first_error_line(f.read())


def wait_playbook(run, timeout_s):
    """Wait, bounded, for a started run; return a bounded result dict.

    The result has rc, timed_out, recap, failures (at most
    events.MAX_FAILURES), log_path, events_file and command_script; never
    the log itself, which may be huge.
    """
    proc = run['proc']
    timed_out = not compat.wait(proc, timeout_s)
    if timed_out:
        stop_group(proc.pid, reap=proc.poll)
        proc.wait()

    events, _ = events_mod.read_new_events(run['events_file'], 0)
    recap, failures = events_mod.summarize(events)
    with open(run['stdout_log'], 'rb') as f:
        f.seek(run['stdout_offset'])
        output = f.read().decode('utf-8', 'replace')
    return {'rc': proc.returncode, 'timed_out': timed_out, 'recap': recap,
            'failures': failures[:events_mod.MAX_FAILURES],
            'failure_count': len(failures),
            'tasks_run': events_mod.tasks_started(events),
            'last_task': events_mod.last_task(events),
            'error_line': events_mod.first_error_line(output),
            'log_path': run['log_path'],
            'log_range': [run['log_offset'], _size(run['log_path'])],
            'events_file': run['events_file'],
            'command_script': run['command_script']}


def _size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def run_playbook(config_dir, argv, events_file, timeout_s):
    """Run `argv` in `config_dir` to its end (bounded); see wait_playbook."""
    return wait_playbook(start_playbook(config_dir, argv, events_file),
                         timeout_s)
