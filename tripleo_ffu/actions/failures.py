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

"""The one way an action fails: an error result, never a traceback.

Mistral shows an action's uncaught exception as "The action raised an
exception [<object at 0x...>] ..."; an operator or a UI can do nothing
with that. Every action's run() is decorated with reports_failure(): any
exception becomes the documented error result, one sentence that says
what the action was doing, the cause and, where it helps, what to do.
"""

import errno
import functools

from mistral_lib import actions

from tripleo_ffu import contract

# What the executor's filesystem refused, and what the operator does.
NO_SPACE = ('no space left on the filesystem of %s: free space there (or '
            'give another --work-dir), then run the step again')
NOT_ALLOWED = ('%s is not writable by the Mistral executor\'s user: make it '
               'so (or give another --work-dir), then run the step again')
READ_ONLY = ('%s is on a read-only filesystem: give a writable --work-dir, '
             'then run the step again')
FILESYSTEM = {errno.ENOSPC: NO_SPACE, errno.EDQUOT: NO_SPACE,
              errno.EACCES: NOT_ALLOWED, errno.EPERM: NOT_ALLOWED,
              errno.EROFS: READ_ONLY}


def cause(exc, work_dir=None):
    """The cause as the sentences give it.

    A filesystem refusal is a plain sentence naming the path (the file
    when the error names it, else the work dir) and what to do; anything
    else '<ExceptionType>: <message>'.
    """
    sentence = FILESYSTEM.get(getattr(exc, 'errno', None))
    if isinstance(exc, EnvironmentError) and sentence:
        return sentence % (getattr(exc, 'filename', None) or work_dir or
                           'the work dir')
    return '%s: %s' % (type(exc).__name__, exc)


def work_dir_of(action):
    """The work dir an action writes to, resolved as it does; or None."""
    if not hasattr(action, 'work_dir'):
        return None
    try:
        return contract.resolve_work_dir(action.work_dir)
    except Exception:
        return None


def reports_failure(describe):
    """Decorate run(self, context, ...) so that it never raises.

    describe(action, cause) gives the error sentence from the action and
    cause(exception).
    """
    def decorate(run):
        @functools.wraps(run)
        def run_reporting_failure(self, context, *args, **kwargs):
            try:
                return run(self, context, *args, **kwargs)
            except Exception as e:
                return actions.Result(error=describe(
                    self, cause(e, work_dir_of(self))))
        # What the unit tests check every action has.
        run_reporting_failure.describe_failure = describe
        return run_reporting_failure
    return decorate
