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

"""Keep what the operator passes out of the CLI's logs at any verbosity.

With -vv or --debug, keystoneauth logs every request and response body,
and an execution's input carries the environments and extra vars the
operator passed, passwords included. A logging filter on the handlers
hides the input field of Mistral's bodies and, as a second net, every
value the operator passed that could be a secret.
"""

import json
import logging
import re

from tripleo_ffu import compat

MASK = '<hidden>'
# Mistral carries an execution's input as a JSON string in a JSON body.
INPUT_FIELD = re.compile(r'("input":\s*")((?:[^"\\]|\\.)*)(")')
SECRET_KEY = re.compile(r'pass|secret|key|token|credential|cert',
                        re.IGNORECASE)
# Values shorter than this are hidden only under a secret-looking key:
# hiding every "true" or "3" would garble the debug output for nothing.
MIN_PLAIN_LENGTH = 8
MIN_SECRET_LENGTH = 3


def _leaves(value, key=''):
    if isinstance(value, dict):
        for k, v in value.items():
            for leaf in _leaves(v, compat.text_type(k)):
                yield leaf
    elif isinstance(value, (list, tuple)):
        for v in value:
            for leaf in _leaves(v, key):
                yield leaf
    elif value is not None and not isinstance(value, bool):
        yield key, compat.text_type(value)


def argument_values(text):
    """A raw command-line value, as logged in a repr of the arguments."""
    if not text:
        return []
    return [text, repr(text)[1:-1]]


def secret_values(workflow_input):
    """The values of a workflow input to hide, in every quoted form."""
    sources = [workflow_input.get('parameters'),
               workflow_input.get('extra_vars')]
    environments = [workflow_input.get('environment') or {}] + [
        item.get('environment') or {}
        for item in workflow_input.get('environments') or []]
    environments.append(workflow_input.get('plan_environment') or {})
    for environment in environments:
        sources += [environment.get('parameter_defaults'),
                    environment.get('parameters'),
                    environment.get('passwords')]
    found = set()
    for key, value in _leaves(sources):
        secret_key = bool(SECRET_KEY.search(key))
        if len(value) >= (MIN_SECRET_LENGTH if secret_key
                          else MIN_PLAIN_LENGTH):
            found.add(value)
            # As a JSON string, and as a JSON string inside one.
            quoted = json.dumps(value)[1:-1]
            found.add(quoted)
            found.add(json.dumps(quoted)[1:-1])
    # Longest first, so no value is left half shown by a shorter one.
    return sorted(found, key=len, reverse=True)


def redact(text, secrets=()):
    text = INPUT_FIELD.sub(r'\1%s\3' % MASK, text)
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


class RedactFilter(logging.Filter):

    def __init__(self, secrets=()):
        super(RedactFilter, self).__init__()
        self.secrets = []
        self.add(secrets)

    def add(self, secrets):
        self.secrets = sorted(set(self.secrets) | set(secrets), key=len,
                              reverse=True)

    def filter(self, record):
        message = record.getMessage()
        hidden = redact(message, self.secrets)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return True


def install(secrets=()):
    """Filter every handler of the root logger; return the filter."""
    redactor = RedactFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    return redactor
