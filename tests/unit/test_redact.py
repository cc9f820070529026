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

import json
import logging

from tests.unit import base
from tripleo_ffu.v1 import redact


class TestRedact(base.TestCase):

    INPUT = {'stack': 'overcloud', 'timeout': 240,
             'environment': {'parameter_defaults': {
                 'AdminPassword': 'p@ss"word', 'RedisPassword': 'abc',
                 'ComputeCount': 3, 'NtpServer': 'pool.ntp.org',
                 'Debug': True}},
             'extra_vars': {'db': {'password': 'x-y-z-secret'}}}

    def test_secret_values(self):
        found = redact.secret_values(self.INPUT)
        for value in ('p@ss"word', 'p@ss\\"word', 'p@ss\\\\\\"word', 'abc',
                      'pool.ntp.org', 'x-y-z-secret'):
            self.assertIn(value, found)
        # Short values under plain keys are not secrets.
        self.assertNotIn('3', found)
        self.assertNotIn('True', found)
        self.assertNotIn('overcloud', found)

    def test_mistral_bodies_lose_their_input(self):
        body = json.dumps({'id': 'e1', 'state': 'RUNNING',
                           'input': json.dumps(self.INPUT)}, sort_keys=True)
        shown = redact.redact('RESP BODY: %s' % body)
        self.assertEqual('RESP BODY: {"id": "e1", "input": "<hidden>", '
                         '"state": "RUNNING"}', shown)

    def test_filter_hides_every_form(self):
        logger = logging.getLogger('tripleo_ffu.test_redact')
        records = []

        class Keep(logging.Handler):
            def emit(self, record):
                records.append(self.format(record))
        handler = Keep()
        handler.addFilter(redact.RedactFilter(
            redact.secret_values(self.INPUT)))
        logger.addHandler(handler)
        self.addCleanup(logger.removeHandler, handler)
        logger.warning('REQ: -d %s', json.dumps(
            {'params': json.dumps(self.INPUT['environment'])}))
        logger.warning('run(%r)', 'x-y-z-secret')
        self.assertEqual(2, len(records))
        for record in records:
            self.assertNotIn('ss\\', record)
            self.assertNotIn('x-y-z-secret', record)
            self.assertIn('<hidden>', record)

    def test_argument_values(self):
        self.assertEqual([], redact.argument_values(None))
        # As typed, and as a repr of the parsed arguments shows it.
        self.assertEqual(['pw=a\\b', 'pw=a\\\\b'],
                         redact.argument_values('pw=a\\b'))
