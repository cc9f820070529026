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

"""The stack's journal: each (release, step) of the walk, per host.

    <work dir>/tripleo-ffu-state/<stack>/journal.jsonl

The Ansible callback appends to it, line by line and flushed, in
ansible-playbook's own process: the start of each playbook, every host
result (with the release and step of the includes around its task), and
the end of each playbook. It survives a crash of the CLI, Mistral or its
executor, and a new prepare (the config dir is replaced, this file is
not). Runs given --tags or --skip-tags do not write it: a step they
"finish" may have run none of its tasks.

A host's (release, step) started with its first result there and
finished when the host's next result is elsewhere, or when the playbook
ended with no host failed. A failed (not ignored) or unreachable result
fails it; a playbook that starts while it was still running (the one
before was killed) leaves it interrupted. The newest run of a pair wins.

A re-run skips what each host finished, except step 0 of a release whose
other steps are not all skipped: it registers the facts they test.

Resume: the downloaded FFU task files include each step only when its
`release:step` is not in the `tripleo_ffu_skip_steps` extra var
(playbooks.py adds that condition at prepare), a mapping of host (or
'all') to the pairs to skip there.
"""

import collections
import os

import yaml

from tripleo_ffu.ansible import events as events_mod
from tripleo_ffu import compat
from tripleo_ffu import db_dumps
from tripleo_ffu import paths

STATE_DIR = 'tripleo-ffu-state'
JOURNAL_FILE = 'journal.jsonl'
JOURNAL_FILE_ENV = 'TRIPLEO_FFU_JOURNAL_FILE'
SKIP_VAR = 'tripleo_ffu_skip_steps'
# The `when` the step includes get: the pair is not to skip on this host.
SKIP_CONDITION = (
    "(release ~ ':' ~ step) not in ((%(var)s | default({})).get("
    "inventory_hostname, []) + (%(var)s | default({})).get('all', []))"
    % {'var': SKIP_VAR})

# The order of the walk, whatever the stack's FastForwardUpgradeReleases.
RELEASES = ('liberty', 'mitaka', 'newton', 'ocata', 'pike', 'queens',
            'rocky', 'stein', 'train')
STEPS = tuple(range(10))
# Steps never run twice without the operator saying so: the DB sync of
# the FFU spec (its migrations cannot be undone by running them again).
ONCE_STEPS = (8,)

RUNNING, FINISHED, FAILED = 'running', 'finished', 'failed'
INTERRUPTED, STOPPED = 'interrupted', 'stopped'
# Finished, then undone: the databases went back to before its DB sync.
RESTORED = 'restored'


def state_dir(work_dir, stack):
    """The stack's private state: journal and restore points."""
    return os.path.join(work_dir, STATE_DIR, stack)


def journal_file(work_dir, stack):
    return os.path.join(state_dir(work_dir, stack), JOURNAL_FILE)


def make_state_dir(work_dir, stack):
    directory = state_dir(work_dir, stack)
    compat.makedirs(directory, 0o700)
    os.chmod(directory, 0o700)
    return directory


def pair_key(release, step):
    return '%s:%s' % (release, step)


def parse_pair(text):
    """('pike', 8) from 'pike:8'; ValueError naming what is wrong."""
    release, _, step = (text or '').partition(':')
    if release not in RELEASES or not step.isdigit() or (
            int(step) not in STEPS):
        raise ValueError(
            '"%s" is not <release>:<step> (a release of %s and a step of '
            '0-9, e.g. pike:4)' % (text, ', '.join(RELEASES[2:6])))
    return release, int(step)


def _pair(data):
    release, step = data.get('release'), data.get('step')
    if release in (None, '') or step in (None, ''):
        return None
    try:
        return release, int(step)
    except (TypeError, ValueError):
        return None


def read(path):
    found, _ = events_mod.read_new_events(path, 0)
    return found


def entries(journal_events):
    """{host: {pair key: entry}} in walk order of first start.

    An entry: release, step, state (running, finished, failed,
    interrupted, stopped, restored), started, ended, seconds, playbook,
    ran (a task of it ran, not only skipped ones), task (the failed one),
    message. A DB restore of a release leaves its DB sync step and every
    pair after it restored, on every host: they run again.
    """
    hosts = collections.OrderedDict()
    current = {}   # host -> entry of the pair it is in
    playbook, failed_here = None, False

    def close(host, state, when):
        entry = current.pop(host, None)
        if entry is not None and entry['state'] == RUNNING:
            entry.update(state=state, ended=when,
                         seconds=round(when - entry['started'], 1))

    for event in journal_events:
        kind = event.get('event')
        data = event.get('event_data') or {}
        when = event.get('time') or 0
        if kind == 'playbook_on_start':
            for host in list(current):
                close(host, INTERRUPTED, when)
            playbook, failed_here = data.get('playbook'), False
            continue
        if kind == db_dumps.RESTORE_EVENT:
            undone = walk_index(pair_key(data.get('release'),
                                         db_dumps.DB_SYNC_STEP))
            for host_entries in hosts.values():
                for key, entry in host_entries.items():
                    if (walk_index(key) >= undone and
                            entry['state'] == FINISHED):
                        entry['state'] = RESTORED
            continue
        if kind == 'playbook_on_stats':
            # A host stopped because another failed (any_errors_fatal)
            # did not finish what it was in.
            for host in list(current):
                close(host, STOPPED if failed_here else FINISHED, when)
            continue
        host = data.get('host')
        if not host or not kind.startswith('runner_on_'):
            continue
        pair = _pair(data)
        entry = current.get(host)
        if entry is not None and (entry['release'], entry['step']) != pair:
            close(host, FINISHED, when)
            entry = None
        if pair is not None and entry is None:
            entry = {'release': pair[0], 'step': pair[1], 'state': RUNNING,
                     'started': when, 'ended': None, 'seconds': None,
                     'playbook': playbook, 'ran': False}
            runs = hosts.setdefault(host, collections.OrderedDict())
            runs.pop(pair_key(*pair), None)
            runs[pair_key(*pair)] = entry
            current[host] = entry
        if entry is not None and kind in ('runner_on_ok',
                                          'runner_on_failed') and (
                'db_dump' not in data):
            # Not only skipped tasks: the step did something here (a DB
            # sync step of a node that is not its role's bootstrap node
            # skips all of it). The dump before a DB sync is not one.
            entry['ran'] = True
        failed = kind == 'runner_on_unreachable' or (
            kind == 'runner_on_failed' and not data.get('ignore_errors'))
        if failed:
            failed_here = True
            if entry is not None:
                entry.update(task=data.get('task'),
                             message=data.get('msg', ''))
                close(host, FAILED, when)
    return hosts


def finished(host_entries):
    """[pair key] a host finished, in walk order."""
    return sorted((key for key, entry in host_entries.items()
                   if entry['state'] == FINISHED), key=walk_index)


def walk_index(key):
    release, _, step = key.partition(':')
    order = RELEASES.index(release) if release in RELEASES else -1
    return order, int(step) if step.isdigit() else -1


def pairs_before(release, step):
    """Every pair of the walk before (release, step), as keys."""
    limit = walk_index(pair_key(release, step))
    return [pair_key(r, s) for r in RELEASES for s in STEPS
            if walk_index(pair_key(r, s)) < limit]


class RepeatRefused(Exception):
    """The run would repeat a step that must not run twice."""


def config_can_skip(config_dir):
    """Whether prepare gave the config's step loops the skip condition.

    Its report (task-hygiene.yaml) lists them; a config downloaded by an
    earlier tripleo-ffu has none.
    """
    try:
        with open(os.path.join(config_dir, paths.HYGIENE_REPORT)) as f:
            report = yaml.safe_load(f)
    except (EnvironmentError, yaml.YAMLError):
        return False
    return isinstance(report, dict) and bool(report.get('resume_points'))


def plan(journal_events, resume_from=None, restart=False,
         repeat_once_steps=False, hosts=None):
    """What a run of the walk skips: (skip mapping, skipped, repeats).

    Default: each host skips the pairs it finished (resume). `resume_from`
    ('pike:4'): every host skips the pairs before it, runs the rest.
    `restart`: nothing is skipped. `skipped`: {host: [keys]} for the
    report; `repeats`: {host: [keys]} of the finished once-steps this run
    would run again. Raises RepeatRefused when there are some and
    `repeat_once_steps` is false. `hosts`: the run's hosts (--limit), or
    None for every host of the journal.
    """
    found = entries(journal_events)
    if hosts is not None:
        found = collections.OrderedDict(
            (h, e) for h, e in found.items() if h in hosts)
    done = {host: finished(host_entries)
            for host, host_entries in found.items()}
    if restart:
        skip = {}
    elif resume_from:
        skip = {'all': pairs_before(*parse_pair(resume_from))}
    else:
        skip = dict((host, keys) for host, keys in done.items() if keys)
    skip = dict((host, keep_fact_steps(keys)) for host, keys in skip.items())
    skipped, repeats = {}, {}
    for host, keys in done.items():
        skipped_here = set(skip.get(host, []) + skip.get('all', []))
        if skipped_here & set(keys):
            skipped[host] = [k for k in keys if k in skipped_here]
        again = [k for k in keys if k not in skipped_here and
                 walk_index(k)[1] in ONCE_STEPS and found[host][k]['ran']]
        if again:
            repeats[host] = again
    if repeats and not repeat_once_steps:
        raise RepeatRefused(
            'this run would run again %s, already finished (the DB sync '
            'step: its migrations ran; running them again on a database '
            'a release ahead is not safe). Resume without --from/--restart '
            'to skip what finished, or, if you restored the databases '
            'from your backup first, say so with --repeat-db-sync'
            % describe(repeats))
    return skip, skipped, repeats


# The step of each release that only looks (checks, facts): later steps of
# the release use what it registers, so it runs again whenever they do.
FACT_STEP = 0


def keep_fact_steps(keys):
    """`keys` to skip, without the fact step of a release left unfinished.

    A release whose steps are not all skipped runs some of them, and those
    need the facts its step 0 registers (THT's tasks register at step 0
    what they test at the steps after it).
    """
    by_release = {}
    for key in keys:
        release, _, step = key.partition(':')
        by_release.setdefault(release, set()).add(int(step))
    return [key for key in keys
            if walk_index(key)[1] != FACT_STEP or
            by_release[key.partition(':')[0]] >= set(STEPS)]


def compress(keys):
    """'ocata 0-9, pike 0-3' for a list of pair keys in walk order."""
    by_release = collections.OrderedDict()
    for key in sorted(keys, key=walk_index):
        release, _, step = key.partition(':')
        by_release.setdefault(release, []).append(int(step))
    parts = []
    for release, steps in by_release.items():
        ranges, start = [], steps[0]
        for prev, step in zip(steps, steps[1:] + [None]):
            if step != prev + 1:
                ranges.append(str(start) if start == prev
                              else '%d-%d' % (start, prev))
                start = step
        parts.append('%s %s' % (release, ','.join(ranges)))
    return ', '.join(parts)


def describe(per_host):
    """'host-a: ocata 0-9, pike 0-3; host-b: ...'"""
    return '; '.join('%s: %s' % (host, compress(keys))
                     for host, keys in sorted(per_host.items()) if keys)


def summary(journal_events):
    """[(host, sentence)] of where each host is in the walk."""
    lines = []
    for host, host_entries in entries(journal_events).items():
        done = finished(host_entries)
        parts = []
        if done:
            seconds = sum(host_entries[k]['seconds'] or 0 for k in done)
            parts.append('finished %s (%d s)' % (compress(done), seconds))
        for key, entry in host_entries.items():
            if entry['state'] == FAILED:
                parts.append('FAILED %s at task "%s"' % (
                    key.replace(':', ' step '), entry.get('task')))
            elif entry['state'] in (INTERRUPTED, STOPPED, RUNNING):
                parts.append('%s %s' % (entry['state'],
                                        key.replace(':', ' step ')))
        restored = [k for k, e in host_entries.items()
                    if e['state'] == RESTORED]
        if restored:
            parts.append('to run again after a DB restore %s'
                         % compress(restored))
        lines.append((host, '; '.join(parts) or 'nothing of the walk yet'))
    return lines
