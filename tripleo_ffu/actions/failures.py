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

import functools

from mistral_lib import actions


def cause(exc):
    """'<ExceptionType>: <message>', the cause as the sentences give it."""
    return '%s: %s' % (type(exc).__name__, exc)


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
                return actions.Result(error=describe(self, cause(e)))
        # What the unit tests check every action has.
        run_reporting_failure.describe_failure = describe
        return run_reporting_failure
    return decorate
