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

"""What Heat's stacks say, for the actions and the sandbox alike.

Plain functions over a heatclient: whether an IN_PROGRESS stack is stuck
(its engine died), which resources failed and why, which errors mean
Heat is down or restarting. No Mistral here: the sandbox imports it too.
"""

import datetime
import re

from heatclient import exc as heat_exc

MAX_REPORTED_FAILURES = 20


_ISO_TIME = re.compile(
    r'^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6})\d*)?'
    r'(?:Z|([+-])(\d\d):?(\d\d))?$')


def heat_time(text):
    """A naive UTC datetime from Heat's ISO times ('...Z', '.ffffff')."""
    if not text:
        return None
    match = _ISO_TIME.match(str(text).strip())
    if not match:
        raise ValueError('not an ISO 8601 time: %r' % (text,))
    parts = match.groups()
    moment = datetime.datetime(
        *[int(part) for part in parts[:6]],
        microsecond=int((parts[6] or '0').ljust(6, '0')))
    if parts[7]:
        offset = datetime.timedelta(hours=int(parts[8]),
                                    minutes=int(parts[9]))
        moment -= offset if parts[7] == '+' else -offset
    return moment


def is_stuck(operation_started, engines, newest_event):
    """True when no running engine can be working on an IN_PROGRESS stack.

    `engines`: [(created_at, status)] of the heat-engine services. Heat
    does not reset an IN_PROGRESS convergence stack whose engine died; it
    stays IN_PROGRESS for ever. It is stuck when every engine that is up
    started after the operation began (its engine has gone) and nothing
    happened to the stack since the newest one started. With no engine
    up, Heat itself is down: nothing can be said yet.
    """
    started = [heat_time(created) for created, status in engines
               if status == 'up']
    if not started or not operation_started:
        return False
    operation_started = heat_time(operation_started)
    if min(started) <= operation_started:
        return False
    return heat_time(newest_event) is None or (
        heat_time(newest_event) <= max(started))


def stuck_message(stack_name, status, since):
    return ('Stack %s has been %s since %s, but the Heat engine that ran '
            'that operation has stopped and no running engine works on it: '
            'it will never finish. Run "openstack stack cancel --no-rollback '
            '%s", wait for %s_FAILED, then run the ffwd-upgrade step again.'
            % (stack_name, status, since, stack_name,
               status.split('_')[0]))


def stuck_reason(heat, stack, stack_name):
    """stuck_message() for a stuck IN_PROGRESS stack, else None.

    None too when Heat does not tell (the engine list needs admin).
    """
    since = stack.updated_time or getattr(stack, 'creation_time', None)
    try:
        engines = [(s.created_at, s.status) for s in heat.services.list()
                   if getattr(s, 'binary', 'heat-engine') == 'heat-engine']
        events = heat.events.list(stack.id, sort_dir='desc',
                                  sort_keys='event_time', limit=1)
    except Exception:
        return None
    newest = events[0].event_time if events else None
    if is_stuck(since, engines, newest):
        return stuck_message(stack_name, stack.stack_status, since)
    return None


def is_connection_error(exc):
    """Heat down or restarting: worth retrying inside a deadline."""
    if isinstance(exc, heat_exc.CommunicationError):
        return True
    return isinstance(exc, (heat_exc.HTTPServiceUnavailable,
                            heat_exc.HTTPInternalServerError,
                            heat_exc.HTTPBadGateway)) or (
        type(exc).__name__ in ('ConnectionError', 'ConnectFailure'))


def failed_resources(heat, stack_id, nested_depth=5):
    """[{resource, type, status, reason}] for the FAILED resources."""
    found = []
    for res in heat.resources.list(stack_id, nested_depth=nested_depth):
        if not res.resource_status.endswith('FAILED'):
            continue
        parent = getattr(res, 'parent_resource', None)
        name = '%s.%s' % (parent, res.resource_name) if parent else (
            res.resource_name)
        found.append({'resource': name,
                      'type': getattr(res, 'resource_type', ''),
                      'status': res.resource_status,
                      'reason': res.resource_status_reason})
    return found


def failure_message(stack_name, status, reason, failures):
    text = 'Stack %s is %s: %s' % (stack_name, status, reason)
    if failures:
        text += ' Failed resources: ' + '; '.join(
            '%s (%s): %s' % (f['resource'], f['type'], f['reason'])
            for f in failures[:MAX_REPORTED_FAILURES])
    return text


def has_legacy_internal_api(heat, stack_id):
    """Whether the stack's Networks hold Newton's InternalNetwork.

    Rendered for such a stack, the InternalApi network keeps that resource
    name (compat_name), as tripleo-common's plan did; without it Heat would
    replace the network.
    """
    try:
        networks = heat.resources.get(stack_id, 'Networks')
        if not networks.physical_resource_id:
            return False
        heat.resources.get(networks.physical_resource_id, 'InternalNetwork')
    except heat_exc.HTTPNotFound:
        return False
    return True


def state_record(stack):
    """What prepare records of the stack it downloaded the config of."""
    return {'stack_id': stack.id, 'stack_status': stack.stack_status,
            'updated_time': stack.updated_time}


def changed_since_prepare(record, stack, stack_name, step):
    """Why `step` must not go on: the stack changed after prepare; or None.

    Another update (an "overcloud deploy", a "stack update") between
    prepare and converge changes what the downloaded config was made
    from, and converge would apply the converge environment to a stack the
    upgrade never saw.
    """
    if not record or record.get('converge_sent_at'):
        # Nothing to compare, or converge has updated the stack since:
        # later updates cannot be told from its own.
        return None
    if record.get('stack_id') != stack.id:
        changed = ('stack %s is not the one ffwd-upgrade prepare downloaded '
                   'the config of (id %s, now %s)' % (
                       stack_name, record.get('stack_id'), stack.id))
    elif record.get('updated_time') != stack.updated_time:
        changed = ('stack %s was updated at %s (%s) by something other '
                   'than ffwd-upgrade since prepare downloaded its config '
                   '(its update ended %s)' % (
                       stack_name, stack.updated_time, stack.stack_status,
                       record.get('updated_time')))
    else:
        return None
    return ('Not starting %s: %s, so the downloaded config may not match '
            'it. Run "openstack overcloud ffwd-upgrade prepare" again with '
            'the same command line, then %s.' % (step, changed, step))
