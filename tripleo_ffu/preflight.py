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

"""The go/no-go checks before a step: each a row (check, result, detail).

Pure functions from what the pre-flight action gathered (the stack, the
Mistral executions, the downloaded config, the Ansible runtime, the
nodes' answers to a small playbook) to rows; `verdict` says whether any
failed. The action (actions/preflight.py) runs it on the Mistral
executor, which holds the work dir, the SSH key and Ansible.
"""

import os
import re

import yaml

from tripleo_ffu import compat
from tripleo_ffu import contract
from tripleo_ffu import journal

PASS, WARN, FAIL = 'pass', 'warn', 'fail'
GIB = 1024 ** 3
# Free space the work dir needs: logs, events, config (a few MB a run).
WORK_DIR_FREE_FAIL = 1 * GIB
WORK_DIR_FREE_WARN = 5 * GIB
TARGET_RELEASE = 'queens'

# The playbook the nodes answer: each task a check, failing with the
# reason; ignore_errors so that every check runs on every reachable node.
NODE_CHECKS = {
    'ssh': 'SSH as the inventory user, sudo and a Python for Ansible',
    'dump_space': 'Free space on the bootstrap node for database dumps',
    'ceilometer': 'openstack-ceilometer on a node that runs none of it',
}
# Run as `sh -c` argv: Ansible would split a free-form command.
DUMP_SPACE_SCRIPT = """
data=$(du -sk /var/lib/mysql 2>/dev/null | cut -f1)
free=$(df -Pk /var/lib | awk 'NR==2 {print $4}')
if [ "${free:-0}" -lt "${data:-0}" ]; then
  m="${free} KiB free on /var/lib, ${data} KiB of databases in"
  echo "$m /var/lib/mysql to dump before each DB sync: free space" >&2
  exit 1
fi
echo "${free} KiB free, ${data:-0} KiB of databases"
"""
CEILOMETER_SCRIPT = """
if rpm -q openstack-ceilometer-common >/dev/null 2>&1; then
  units=$(systemctl list-unit-files 'openstack-ceilometer-*' 2>/dev/null)
  if ! echo "$units" | grep -q enabled; then
    m="openstack-ceilometer-common is installed but no ceilometer service"
    m="$m runs here: it cannot upgrade directly across the releases;"
    echo "$m remove it first (yum remove openstack-ceilometer-*)" >&2
    exit 1
  fi
fi
"""


def node_playbook():
    """The nodes' checks, as a playbook (a list of plays)."""
    return [{'hosts': 'all', 'gather_facts': False, 'become': True,
             'tasks': [
                 {'name': NODE_CHECKS['ssh'], 'ping': {}},
                 {'name': NODE_CHECKS['dump_space'],
                  'command': {'argv': ['/bin/sh', '-c', DUMP_SPACE_SCRIPT]},
                  'ignore_errors': True,
                  'when': 'tripleo_bootstrap_node | default(false) | bool'},
                 {'name': NODE_CHECKS['ceilometer'],
                  'command': {'argv': ['/bin/sh', '-c', CEILOMETER_SCRIPT]},
                  'ignore_errors': True}]}]


def row(check, result, detail):
    return {'check': check, 'result': result, 'detail': detail}


def stack_rows(name, stack_status, stuck, ahead):
    """The stack is COMPLETE, not stuck; no other step runs on it."""
    rows = []
    if stack_status is None:
        rows.append(row('Stack %s' % name, FAIL, 'not found in Heat'))
    elif stuck or stack_status.endswith('IN_PROGRESS'):
        rows.append(row('Stack %s' % name, FAIL,
                        stuck or '%s: wait for it to end' % stack_status))
    elif stack_status.endswith('_COMPLETE'):
        rows.append(row('Stack %s' % name, PASS, stack_status))
    else:
        # Prepare (or converge) run again is how a failed update is fixed.
        rows.append(row('Stack %s' % name, WARN, '%s: its last operation '
                        'failed; the step updates it again or runs on the '
                        'config of the last prepare' % stack_status))
    rows.append(row('Other ffwd-upgrade steps', FAIL if ahead else PASS,
                    ahead or 'none running on stack %s' % name))
    return rows


def work_dir_row(work_dir, free_bytes):
    detail = '%.1f GiB free in %s' % (float(free_bytes) / GIB, work_dir)
    if free_bytes < WORK_DIR_FREE_FAIL:
        return row('Undercloud work dir space', FAIL,
                   detail + ': free at least 1 GiB')
    if free_bytes < WORK_DIR_FREE_WARN:
        return row('Undercloud work dir space', WARN, detail)
    return row('Undercloud work dir space', PASS, detail)


def releases_row(releases, where='in the downloaded walk'):
    """FastForwardUpgradeReleases: in release order, ending at queens."""
    check = 'FastForwardUpgradeReleases'
    if not releases:
        return row(check, WARN, 'no release list found %s: check its '
                   'order by hand' % where)
    known = [r for r in releases if r in journal.RELEASES]
    ordered = sorted(known, key=journal.RELEASES.index)
    if known != list(releases) or ordered != known:
        return row(check, FAIL, '%s: not in release order' % ', '.join(
            releases))
    if releases[-1] != TARGET_RELEASE:
        return row(check, FAIL, '%s: ends at %s, not %s' % (
            ', '.join(releases), releases[-1], TARGET_RELEASE))
    return row(check, PASS, ', '.join(releases))


TEMPLATES_CHECK = 'Templates and environments of prepare'
LIFECYCLE_CHECK = 'Lifecycle environment of prepare'
MAPPINGS_CHECK = 'Resource mappings of the deploy kept'


def prepare_rows(templates_dir, error=None, lost=None, allow_lost=False,
                 lifecycle=None, releases=None):
    """The checks prepare makes before its update, as rows.

    `error`: why the templates or environments do not load (the other
    checks cannot be made then); `lost`: the sentence naming the mappings
    the update would lose; `lifecycle`: the lifecycle environment prepare
    puts first; `releases`: FastForwardUpgradeReleases if the
    environments set it.
    """
    if error:
        return [row(TEMPLATES_CHECK, FAIL, error)]
    rows = [row(TEMPLATES_CHECK, PASS, '%s render and load with the '
                'environments given' % templates_dir),
            row(LIFECYCLE_CHECK, PASS, '%s, first of the environments of '
                'the update (as upstream\'s prepare)' % lifecycle)]
    if lost:
        rows.append(row(MAPPINGS_CHECK, WARN if allow_lost else FAIL,
                        lost + (' (--allow-lost-mappings given)'
                                if allow_lost else '')))
    else:
        rows.append(row(MAPPINGS_CHECK, PASS, 'no mapping of the stack\'s '
                        'environment would go back to the templates\' '
                        'defaults'))
    if releases is not None:
        rows.append(releases_row(releases, 'in the environments prepare '
                                 'sends'))
    return rows


def _release_list(value):
    """A release list, or the release names an expression spells out."""
    if isinstance(value, list):
        return value
    if isinstance(value, compat.string_types):
        return [word for word in re.findall(r'[a-z]+', value)
                if word in journal.RELEASES] or None
    return None


def playbook_releases(config_dir):
    """The releases the downloaded walk sets (`releases`), or None."""
    try:
        with open(os.path.join(config_dir, contract.DEFAULT_PLAYBOOK)) as f:
            plays = yaml.safe_load(f)
    except (EnvironmentError, yaml.YAMLError):
        return None
    for play in plays if isinstance(plays, list) else []:
        for task in (play or {}).get('tasks') or []:
            facts = task.get('set_fact') if isinstance(task, dict) else None
            if isinstance(facts, dict) and _release_list(
                    facts.get('releases')):
                return _release_list(facts['releases'])
        found = _release_list(((play or {}).get('vars') or {}).get(
            'releases'))
        if found:
            return found
    return None


def workaround_row(config_dir):
    """The Ocata-era prep workaround (hiera hook, hieradata) is planned."""
    check = 'Ocata-era node workarounds'
    try:
        with open(os.path.join(config_dir,
                               'fast_forward_upgrade_prep_tasks.yaml')) as f:
            tasks = yaml.safe_load(f) or []
    except (EnvironmentError, yaml.YAMLError):
        return row(check, WARN, 'no fast_forward_upgrade_prep_tasks.yaml in '
                   'the config: check by hand that the legacy '
                   'os-apply-config hiera hook goes before ocata')
    planned = [t.get('name') for t in tasks if isinstance(t, dict) and
               '40-hiera-datafiles' in str(t.get('shell', ''))]
    if planned:
        return row(check, PASS, 'planned: %s' % '; '.join(planned))
    return row(check, WARN, 'no task of the walk removes the legacy '
               'os-apply-config hiera hook (40-hiera-datafiles): use the '
               'templates\' FFU prep workarounds')


def runtime_rows(version, path, blocking):
    rows = [row('Ansible runtime', PASS if version else FAIL,
                '%s (%s)' % (version, path) if version else
                'no ansible-playbook found: %s' % path)]
    rows.append(row('Playbooks and modules load', FAIL if blocking else PASS,
                    '; '.join(blocking) if blocking else
                    'checked at prepare with that runtime'))
    return rows


def node_rows(node_events, hosts, error_line=None):
    """A row per node check, from the node playbook's events.

    `error_line`: Ansible's own, when it could not run the playbook.
    """
    results = {}
    for event in node_events:
        kind, data = event.get('event'), event.get('event_data') or {}
        if not kind.startswith('runner_on_') or not data.get('host'):
            continue
        results.setdefault(data['task'], {})[data['host']] = (kind, data)
    rows = []
    for key in ('ssh', 'dump_space', 'ceilometer'):
        task = NODE_CHECKS[key]
        bad, good = [], []
        for host in hosts:
            kind, data = results.get(task, {}).get(host, (None, {}))
            if kind in ('runner_on_failed', 'runner_on_unreachable'):
                lines = (data.get('msg') or '').strip().splitlines()
                bad.append('%s: %s' % (host, lines[-1] if lines
                                       else 'failed'))
            elif kind == 'runner_on_ok':
                good.append(host)
        if key == 'ssh':
            missing = [h for h in hosts if h not in good and
                       not any(b.startswith(h + ':') for b in bad)]
            bad += ['%s: no answer%s' % (h, ' (%s)' % error_line
                                         if error_line else '')
                    for h in missing]
        result = (WARN if key == 'ceilometer' else FAIL) if bad else PASS
        detail = '; '.join(bad) if bad else (
            ', '.join(good) if good else 'no node to check')
        rows.append(row(task, result, detail))
    return rows


def verdict(rows):
    """'fail' if any row failed, else 'warn' if any warned, else 'pass'."""
    results = set(r['result'] for r in rows)
    return FAIL if FAIL in results else WARN if WARN in results else PASS


def table_text(rows):
    """The rows as text lines, for a message."""
    return ['%-4s  %s: %s' % (r['result'].upper(), r['check'], r['detail'])
            for r in rows]


def failed_sentence(rows):
    failed = [r for r in rows if r['result'] == FAIL]
    return 'Pre-flight failed %d check(s): %s' % (len(failed), '; '.join(
        '%s (%s)' % (r['check'], r['detail']) for r in failed))
