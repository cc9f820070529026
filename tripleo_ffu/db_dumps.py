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

"""Database dumps before each release's DB sync, and their restore.

The FFU spec's "step 4: DB backups", which upstream never shipped. At
prepare, the task file each bootstrap node runs at every step of a
release (fast_forward_upgrade_bootstrap_role_tasks) gets a first task
that, at the DB sync step, dumps every database of the node's MariaDB
(the ones that step can migrate) to

    /var/lib/tripleo-ffu/db-dumps/<release>/<database>.sql.gz

with SHA256SUMS and manifest.json beside them. A node without a MariaDB
that answers dumps nothing and says so. The dump of a release is taken
once: a re-run of its DB sync step (after a failure in it) keeps the one
from before its migrations. The task prints the manifest; the Ansible
callback puts it in the journal (`db_dump` of the host's result).

`ffwd-upgrade restore --release <r>` checks the files against SHA256SUMS
and loads them back on the nodes that dumped, then records the restore
in the journal: the DB sync of <r> and every pair after it are no longer
finished, so the next run continues at <r> step 8 without --repeat-db-sync.
"""

import collections

DUMP_DIR = '/var/lib/tripleo-ffu/db-dumps'
DUMP_TASK = 'tripleo-ffu: dump the databases before the DB sync'
# The key of the JSON the dump task prints (the callback looks for it).
RESULT_KEY = 'tripleo_ffu_db_dump'
# The extra var that turns the dumps off (-e tripleo_ffu_db_dump=false).
ENABLE_VAR = 'tripleo_ffu_db_dump'
DB_SYNC_STEP = 8
RESTORE_EVENT = 'db_restore'
# MariaDB's own schemas: not OpenStack's, never migrated by a DB sync.
SYSTEM_DATABASES = ('information_schema', 'performance_schema', 'mysql',
                    'sys')
BOOTSTRAP_TASKS = 'fast_forward_upgrade_bootstrap_role_tasks.yaml'

# bash (pipefail), argv: <release>. The client logs in as root the way
# the node's own tools do (/root/.my.cnf on a TripleO controller).
DUMP_SCRIPT = r"""set -eu -o pipefail
release=$1
dir=%(dir)s/$release
say() {
  printf '{"%(key)s": {"release": "%%s", "host": "%%s", "dir": %%s, ' \
    "$release" "$(hostname -s)" "$1"
  printf '"databases": [%%s], "note": "%%s"}}\n' "$2" "$3"
}
if [ -s "$dir/manifest.json" ]; then
  # Taken before this release's migrations by an earlier run: kept.
  cat "$dir/manifest.json"; exit 0
fi
if ! command -v mysqldump >/dev/null 2>&1 ||
   ! mysql -N -e 'SELECT 1' >/dev/null 2>&1; then
  say null "" "no MariaDB answers on this node: nothing to dump"; exit 0
fi
work="$dir.partial"
rm -rf "$work"; mkdir -p "$work"; chmod 700 "$(dirname "$dir")" "$work"
list=""
for db in $(mysql -N -e 'SHOW DATABASES' | grep -v -x -E '%(system)s'); do
  mysqldump --single-transaction --routines --events --triggers \
    --databases "$db" | gzip -c > "$work/$db.sql.gz"
  bytes=$(($(wc -c < "$work/$db.sql.gz")))
  list="$list${list:+, }{\"name\": \"$db\", \"bytes\": $bytes}"
done
(cd "$work" && { sha256sum -- *.sql.gz 2>/dev/null || :; } > SHA256SUMS)
say "\"$dir\"" "$list" "dumped before the $release DB sync" \
  > "$work/manifest.json"
rm -rf "$dir"; mv "$work" "$dir"
cat "$dir/manifest.json"
""" % {'dir': DUMP_DIR, 'key': RESULT_KEY,
       'system': '|'.join(SYSTEM_DATABASES)}

# bash, argv: <release>. Checks every file first, then loads each
# database back (each dump drops nothing: the database goes first).
RESTORE_SCRIPT = r"""set -eu -o pipefail
release=$1
dir=%(dir)s/$release
if [ ! -s "$dir/manifest.json" ]; then
  echo "no dump of $release on $(hostname -s) ($dir/manifest.json)" >&2
  exit 1
fi
cd "$dir"
sha256sum --quiet -c SHA256SUMS
for file in *.sql.gz; do
  [ -e "$file" ] || continue
  db=${file%%.sql.gz}
  mysql -e "DROP DATABASE IF EXISTS \`$db\`"
  gzip -dc "$file" | mysql
  echo "restored $db"
done
""" % {'dir': DUMP_DIR}


def dump_task():
    """The task added first to the bootstrap nodes' per-step tasks."""
    return {'name': DUMP_TASK,
            'command': {'argv': ['/bin/bash', '-c', DUMP_SCRIPT,
                                 'tripleo-ffu-db-dump', '{{ release }}']},
            'changed_when': False,
            'when': ['step|int == %d' % DB_SYNC_STEP,
                     'is_bootstrap_node|default(false)|bool',
                     '%s|default(true)|bool' % ENABLE_VAR]}


def add_dump(relpath, data):
    """Put the dump task first in `data` (a task list): [reported]."""
    if relpath != BOOTSTRAP_TASKS or not isinstance(data, list) or any(
            isinstance(t, dict) and t.get('name') == DUMP_TASK
            for t in data):
        return []
    data.insert(0, dump_task())
    return [{'file': relpath, 'task': DUMP_TASK}]


def restore_playbook(release):
    """The restore of `release`'s dumps, as a playbook."""
    return [{'hosts': 'all', 'gather_facts': False, 'become': True,
             'tasks': [{'name': 'Restore the databases dumped before the '
                                '%s DB sync' % release,
                        'command': {'argv': [
                            '/bin/bash', '-c', RESTORE_SCRIPT,
                            'tripleo-ffu-db-restore', release]}}]}]


def manifests(journal_events):
    """{release: {host: manifest}} of the dumps the journal recorded.

    A host's newest manifest of a release wins; a note without databases
    (no MariaDB there) is not a dump.
    """
    found = collections.OrderedDict()
    for event in journal_events:
        data = event.get('event_data') or {}
        manifest = data.get('db_dump')
        if (event.get('event') != 'runner_on_ok' or
                not isinstance(manifest, dict) or
                not manifest.get('databases')):
            continue
        release = manifest.get('release') or data.get('release')
        found.setdefault(release, collections.OrderedDict())[
            data.get('host')] = manifest
    return found


def describe(found):
    """'ocata on controller-0 (keystone, 12 KiB); pike on ...'"""
    parts = []
    for release, per_host in found.items():
        for host, manifest in per_host.items():
            databases = manifest.get('databases') or []
            size = sum(d.get('bytes') or 0 for d in databases)
            parts.append('%s on %s (%s, %d KiB)' % (
                release, host, ', '.join(d.get('name', '?')
                                         for d in databases),
                (size + 1023) // 1024))
    return '; '.join(parts) or 'none'


def restore_event(release, hosts, when):
    """The journal line of a restore (journal.entries reads it)."""
    return {'event': RESTORE_EVENT, 'time': when,
            'event_data': {'release': release, 'hosts': sorted(hosts)}}
