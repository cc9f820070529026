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

"""Calling Mistral's API: its errors, for the follower and the actions.

The CLI's follower (workflows/follow.py), the workbook registration and
the lock action all ask Mistral things; what a connection failure or a
missing execution looks like is decided here, once.
"""

from tripleo_ffu.errors import FFUError


class MistralUnreachable(FFUError):
    pass


def _endpoint(mistral):
    manager = getattr(mistral, 'executions', None)
    http = getattr(manager, 'http_client', None)
    return getattr(http, 'base_url', None) or 'the configured endpoint'


def _is_connection_error(exc):
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {'ConnectionError', 'ConnectFailure',
                         'EndpointNotFound', 'ConnectTimeout'})


def call(mistral, func, *args, **kwargs):
    """Call the Mistral API, turning connection failures into one error."""
    try:
        return func(*args, **kwargs)
    except Exception as e:
        if _is_connection_error(e):
            raise MistralUnreachable(
                'Mistral is unreachable at %s (%s): is the Mistral API '
                'running, and OS_WORKFLOWV2_ENDPOINT_OVERRIDE or the '
                'catalog right?' % (_endpoint(mistral), type(e).__name__))
        raise


def is_not_found(exc):
    """True for Mistral's answer that the named thing does not exist."""
    return getattr(exc, 'error_code', None) == 404 or (
        'not found' in str(exc).lower())


def get_or_none(mistral, func, *args, **kwargs):
    """call(), but None when Mistral says the thing does not exist."""
    try:
        return call(mistral, func, *args, **kwargs)
    except MistralUnreachable:
        raise
    except Exception as e:
        if is_not_found(e):
            return None
        raise
