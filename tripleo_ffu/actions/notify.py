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

"""Optional Zaqar notification in the upstream UI's message shape.

Sent only when a Zaqar (`messaging`) endpoint is configured; its absence,
or any error while sending, never fails the workflow.
"""

import uuid

from mistral_lib import actions

from tripleo_ffu.actions import clients
from tripleo_ffu.actions import failures
from tripleo_ffu import contract


def message_body(msg_type, status, message, execution_id, payload=None):
    body = dict(payload or {})
    body.update({'status': status, 'message': message,
                 'execution': {'id': execution_id}})
    return {'type': msg_type, 'payload': body}


class NotifyAction(actions.Action):

    def __init__(self, status, message, type=None,
                 queue_name=contract.DEFAULT_QUEUE, payload=None,
                 zaqar_url=None):
        super(NotifyAction, self).__init__()
        self.type = type
        self.status = status
        self.message = message
        self.queue_name = queue_name
        self.payload = payload
        self.zaqar_url = zaqar_url

    @failures.reports_failure(
        lambda self, cause: 'Could not send the %s notification: %s'
        % (self.status, cause))
    def run(self, context):
        try:
            url, token = clients.service_endpoint(context, 'messaging',
                                                  self.zaqar_url)
        except clients.ClientError as e:
            return {'sent': False, 'reason': str(e)}
        import requests

        # The message type is the workflow's name, as upstream's
        # (tripleo.ffwd_upgrade.v1.prepare...), unless given.
        body = message_body(self.type or context.execution.workflow_name,
                            self.status, self.message,
                            context.execution.workflow_execution_id,
                            self.payload)
        try:
            response = requests.post(
                '%s/v2/queues/%s/messages' % (url.rstrip('/'),
                                              self.queue_name),
                json={'messages': [{'body': body, 'ttl': 3600}]},
                headers={'Client-ID': str(uuid.uuid4()),
                         'X-Auth-Token': token}, timeout=10)
            response.raise_for_status()
        except requests.RequestException as e:
            return {'sent': False, 'reason': 'Zaqar: %s' % e}
        return {'sent': True}
