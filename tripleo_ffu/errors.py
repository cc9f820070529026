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

"""The errors an operator reads as they are.

Every failure the operator can act on (a wrong input, an environment
file that cannot be used, a step that failed, Mistral out of reach) is an
FFUError whose message is the whole sentence: what failed, where, and
what to do. The commands turn it into their exit message in one place
(v1/ffwd_upgrade.py, exit_on_failure).
"""


class FFUError(Exception):
    """An error to show the operator as it is."""
