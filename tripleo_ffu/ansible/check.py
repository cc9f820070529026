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

"""Check a downloaded config with the Ansible runtime, before any run.

`ansible-playbook --syntax-check` does not look inside `include_tasks`
files, so every playbook (`*_playbook.yaml`) and every task file
(`*_tasks.yaml` holding a list) of the config is imported statically
into one throw-away playbook and checked at once: syntax, roles and
modules must resolve. When the check fails, the file it names is set
aside, recorded with its line, task and Ansible's message, and the rest
is checked again, so one run lists every broken file.
"""

import glob
import os
import re
import tempfile

import yaml

from tripleo_ffu import compat
from tripleo_ffu import paths

CHECK_TIMEOUT = 300
_WHERE = re.compile(r"The error appears to be in '([^']+)': line (\d+)")
_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


def config_files(config_dir):
    """(playbooks, task files) of a config dir, as relative paths."""
    found = sorted(glob.glob(os.path.join(config_dir, '*.yaml')) +
                   glob.glob(os.path.join(config_dir, '*', '*.yaml')))
    playbooks, task_files = [], []
    for path in found:
        relpath = os.path.relpath(path, config_dir)
        if relpath.endswith('_playbook.yaml'):
            playbooks.append(relpath)
        elif relpath.endswith('_tasks.yaml'):
            try:
                with open(path) as f:
                    content = yaml.load(f, Loader=_LOADER)
            except yaml.YAMLError as e:
                # Reported by the check itself, with Ansible's words.
                content = [e]
            if isinstance(content, list) and content:
                task_files.append(relpath)
    return playbooks, task_files


def wrapper(playbooks, task_files):
    """One playbook importing them all statically."""
    plays = [{'import_playbook': p} for p in playbooks]
    if task_files:
        plays.append({'name': 'Task files of the config', 'hosts': 'all',
                      'gather_facts': False,
                      'tasks': [{'import_tasks': t} for t in task_files]})
    return plays


def _indent(text):
    return len(text) - len(text.lstrip())


def _item_name(lines, start):
    """The `name:` of the YAML list item starting at lines[start]."""
    indent = _indent(lines[start])
    for index in range(start, len(lines)):
        text = lines[index]
        if index > start and text.strip() and _indent(text) <= indent:
            break
        match = re.match(r'^\s*(?:- )?name:\s*(.+)$', text)
        if match and len(text) - len(text.lstrip(' -')) == indent + 2:
            return match.group(1).strip().strip('"\'')
    return None


def _task_at(path, line):
    """The name of the innermost named task or play holding `line`."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except EnvironmentError:
        return None
    index = min(int(line), len(lines)) - 1
    limit = _indent(lines[index]) + 1 if index >= 0 else 0
    while index >= 0:
        text = lines[index]
        if text.lstrip().startswith('- ') and _indent(text) < limit:
            name = _item_name(lines, index)
            if name:
                return name
            limit = _indent(text)
        index -= 1
    return None


def parse_failure(output, config_dir):
    """{file, line, task, error} from Ansible's output of a failed check."""
    errors = [line for line in output.splitlines()
              if line.startswith('ERROR!')]
    problem = {'file': None, 'line': None, 'task': None,
               'error': (errors[0][len('ERROR!'):].strip() if errors else
                         (output.strip().splitlines() or ['no output'])[-1])}
    match = _WHERE.search(output)
    if match:
        path, line = match.group(1), int(match.group(2))
        problem['file'] = os.path.relpath(path, config_dir)
        problem['line'] = line
        problem['task'] = _task_at(path, line)
    return problem


def _syntax_check(ansible_playbook, config_dir, inventory, plays, env):
    fd, path = tempfile.mkstemp(prefix='.syntax-check-', suffix='.yaml',
                                dir=config_dir)
    try:
        with os.fdopen(fd, 'w') as f:
            yaml.safe_dump(plays, f, default_flow_style=False)
        rc, output = compat.run(
            [ansible_playbook, '--syntax-check', '-i', inventory, path],
            CHECK_TIMEOUT, cwd=config_dir, env=env)
    finally:
        os.unlink(path)
    if rc is None:
        return 1, 'ERROR! the syntax check took more than %d s' % (
            CHECK_TIMEOUT)
    return rc, output


def check_config(ansible_playbook, config_dir, inventory, env=None):
    """[{file, line, task, error}] of what the runtime cannot load.

    Each file is listed once, even when a playbook includes a task file
    listed already (Ansible names the task file again, not the playbook).
    """
    env = dict(env or os.environ, ANSIBLE_DEPRECATION_WARNINGS='False',
               ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='False')

    def syntax_check(playbooks, task_files):
        return _syntax_check(ansible_playbook, config_dir, inventory,
                             wrapper(playbooks, task_files), env)
    playbooks, task_files = config_files(config_dir)
    problems = []
    if _set_aside(syntax_check, config_dir, playbooks, task_files, problems):
        return problems
    if problems[-1]['file'] is None:
        # Not one file's fault (the inventory, the runtime): stop here.
        return problems
    # A file listed already, reached through a playbook that includes it:
    # the task files on their own, then each playbook alone.
    _set_aside(syntax_check, config_dir, [], task_files, problems)
    for playbook in playbooks:
        _set_aside(syntax_check, config_dir, [playbook], [], problems)
    return problems


def _set_aside(syntax_check, config_dir, playbooks, task_files, problems):
    """Check until clean, listing and setting aside each file named.

    Returns False when a failure names none of `playbooks` and
    `task_files` (it is listed unless listed already).
    """
    while playbooks or task_files:
        rc, output = syntax_check(playbooks, task_files)
        if rc == 0:
            break
        problem = parse_failure(output, config_dir)
        if problem['file'] not in [p['file'] for p in problems]:
            problems.append(problem)
        if problem['file'] in playbooks:
            playbooks.remove(problem['file'])
        elif problem['file'] in task_files:
            task_files.remove(problem['file'])
        else:
            return False
    return True


def describe(problem):
    """One line naming the file, line and task of a problem."""
    where = problem['file'] or 'the config'
    if problem['line']:
        where += ' line %d' % problem['line']
    if problem['task']:
        where += ' (task "%s")' % problem['task']
    return '%s: %s' % (where, problem['error'])


def blocking_problems(config_dir, playbook):
    """Problems recorded at prepare that forbid running `playbook`.

    The playbook's own, and any task file's: which task files a playbook
    includes is only known at run time, and a run that stops half-way
    through an upgrade step is worse than one that does not start.
    """
    try:
        with open(os.path.join(config_dir, paths.CHECK_REPORT)) as f:
            problems = yaml.safe_load(f) or []
    except (EnvironmentError, yaml.YAMLError):
        return []
    return [p for p in problems if p.get('file') == playbook or
            (p.get('file') or '').endswith('_tasks.yaml')]
