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

"""Load a release's database dumps back on the nodes (db_dumps.py)."""

import json
import os
import time

from mistral_lib import actions

from tripleo_ffu.actions import failures
from tripleo_ffu.ansible import events
from tripleo_ffu.ansible import runner
from tripleo_ffu import compat
from tripleo_ffu import contract
from tripleo_ffu import db_dumps
from tripleo_ffu import files
from tripleo_ffu import journal
from tripleo_ffu import paths

RESTORE_TIMEOUT_MIN = 60


def restore_results(found, hosts):
    """(hosts restored, [failure sentences]) of the restore run."""
    restored = set((e.get('event_data') or {}).get('host') for e in found
                   if e.get('event') == 'runner_on_ok')
    _, failures_found = events.summarize(found)
    failed = ['%s: %s' % (f['host'], f['message']) for f in failures_found]
    answered = restored | set(f['host'] for f in failures_found)
    failed += ['%s: no answer (see the restore log)' % host
               for host in hosts if host not in answered]
    return restored, failed


class DbRestoreAction(actions.Action):
    """Load back the dumps taken before `release`'s DB sync."""

    def __init__(self, stack, release, work_dir=None,
                 timeout=RESTORE_TIMEOUT_MIN):
        super(DbRestoreAction, self).__init__()
        self.stack = stack
        self.release = release
        self.work_dir = work_dir
        self.timeout = timeout

    @failures.reports_failure(
        lambda self, cause: 'Could not restore the %s databases of stack '
        '%s: %s' % (self.release, self.stack, cause))
    def run(self, context):
        work_dir = contract.resolve_work_dir(self.work_dir)
        journal_path = journal.journal_file(work_dir, self.stack)
        found = db_dumps.manifests(journal.read(journal_path))
        dumps = found.get(self.release)
        if not dumps:
            return actions.Result(error=(
                'No database dump of %s in the journal of stack %s (%s); '
                'dumps on record: %s. A dump is taken on the bootstrap '
                'nodes at the DB sync step of each release, by a config '
                'prepared by this tool.' % (
                    self.release, self.stack, journal_path,
                    db_dumps.describe(found))))
        config_dir = paths.config_dir(work_dir, self.stack)
        hosts = sorted(dumps)
        directory = os.path.join(journal.make_state_dir(work_dir, self.stack),
                                 'db-restore')
        name = 'restore-%s-%s' % (
            self.release, compat.utc_now().strftime('%Y%m%dT%H%M%SZ'))
        ran, error_line = runner.run_node_playbook(
            runner.find_ansible_playbook(), config_dir,
            db_dumps.restore_playbook(self.release), directory, name,
            self.timeout * 60, limit=','.join(hosts))
        restored, failed = restore_results(ran, hosts)
        log = os.path.join(directory, '%s.log' % name)
        if restored:
            # Even a partial restore changed the databases of these hosts:
            # their DB sync must run again.
            with files.open_private(journal_path, append=True) as f:
                f.write(json.dumps(db_dumps.restore_event(
                    self.release, restored, time.time())) + '\n')
        if failed or not restored:
            return actions.Result(error={
                'status': 'FAILED', 'restored': sorted(restored),
                'message': 'Restoring the databases dumped before the %s DB '
                           'sync failed on %s%s. Output: %s. Fix the cause '
                           'and run the restore again (it checks each dump '
                           'and loads it whole).' % (
                               self.release, '; '.join(failed),
                               ' (%s)' % error_line if error_line else '',
                               log)})
        return {'status': 'SUCCESS', 'restored': sorted(restored),
                'log_path': log,
                'message': 'Databases restored to before the %s DB sync: '
                           '%s. The next "openstack overcloud ffwd-upgrade '
                           'run --stack %s" runs the walk again from %s '
                           'step %d (the DB sync) on, with the code the '
                           'nodes have now.' % (
                               self.release,
                               db_dumps.describe({self.release: dumps}),
                               self.stack, self.release,
                               db_dumps.DB_SYNC_STEP)}
