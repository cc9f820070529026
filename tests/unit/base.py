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

"""Shared unit-test helpers: a fake OSC app and THT-shaped fixtures."""

import argparse
import io
import os

from oslotest import base

try:
    from unittest import mock
except ImportError:  # Python 2.7: the backport
    import mock  # noqa: F401,H216

from tripleo_ffu import compat

# An object with the attributes it is given (both Pythons).
Namespace = argparse.Namespace


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def setup_cfg_entry_points(group):
    """[(name, target)] of `group` in this checkout's setup.cfg."""
    try:
        import configparser
    except ImportError:  # Python 2.7
        import ConfigParser as configparser
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(ROOT, 'setup.cfg'))
    return [tuple(part.strip() for part in line.split('=', 1)) for line in
            cfg.get('entry_points', group).strip().splitlines()]


class ParserError(Exception):
    pass


class TextIO(io.StringIO):
    """StringIO that also takes Python 2's byte strings, as a console."""

    def write(self, text):
        if not isinstance(text, compat.text_type):
            text = text.decode('utf-8')
        return super(TextIO, self).write(text)


class FakeTTY(TextIO):
    def __init__(self, text='', tty=True):
        super(FakeTTY, self).__init__(compat.text_type(text))
        self._tty = tty

    def isatty(self):
        return self._tty


def fake_app(mistral=None, stdin_text='', tty=True, verbose_level=1):
    app = Namespace()
    app.stdout = TextIO()
    app.stdin = FakeTTY(stdin_text, tty)
    app.options = Namespace(verbose_level=verbose_level)
    app.client_manager = Namespace(workflow_engine=mistral)
    return app


class FakeClock(object):
    """A monotonic clock that only moves when something sleeps."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class TestCase(base.BaseTestCase):

    def check_parser(self, cmd, args):
        parser = cmd.get_parser('openstack')
        stderr = TextIO()
        self.useFixture(_patch_stderr(stderr))
        try:
            return parser.parse_args(args)
        except (SystemExit, argparse.ArgumentError) as e:
            raise ParserError('%s: %s' % (e, stderr.getvalue()))


def _patch_stderr(stream):
    import fixtures
    return fixtures.MonkeyPatch('sys.stderr', stream)


def queens_outputs():
    """Stack outputs of a Queens keystone-only overcloud, as Heat returns."""
    keystone_ffu = [
        {'name': 'Check keystone', 'command': 'systemctl is-active keystone',
         'register': 'keystone_active', 'ignore_errors': True,
         'when': ['step|int == 0', "release == 'ocata'"]},
        # Variable first: fails at every step but 0 unless moved.
        {'name': 'Stop keystone', 'service': 'name=httpd state=stopped',
         'when': ["release == 'ocata'", 'keystone_active.rc == 0',
                  'step|int == 2']},
        {'name': 'Keystone package update',
         'yum': 'name=openstack-keystone state=latest',
         'when': ['step|int == 6', 'is_bootstrap_node|bool']},
        {'name': 'Keystone db sync', 'command': 'keystone-manage db_sync',
         'when': ['step|int == 8', 'is_bootstrap_node|bool']},
        {'name': 'Set up repos', 'command': 'tripleo-repos {{ release }}',
         'when': 'step|int == 3'},
        {'name': 'Show release', 'debug': 'msg={{ release }}'},
    ]
    return [
        {'output_key': 'RoleData', 'output_value': {
            'Controller': {
                'service_names': ['keystone', 'mysql', 'rabbitmq'],
                'fast_forward_upgrade_tasks': keystone_ffu,
                'fast_forward_post_upgrade_tasks': [
                    {'name': 'Start keystone', 'service': 'name=httpd'}],
                'upgrade_tasks': [
                    {'name': 'Stop all', 'when': 'step|int == 1',
                     'command': 'true'}],
                'host_prep_tasks': [],
                'config_settings': {'keystone::debug': False},
            },
            'Compute': {
                'service_names': ['nova_compute'],
                'fast_forward_upgrade_tasks': None,
                'upgrade_tasks': [],
            },
        }},
        {'output_key': 'RoleConfig', 'output_value': {
            'fast_forward_upgrade_playbook': (
                '- hosts: overcloud\n  become: true\n  tasks:\n'
                '    - include_tasks: fast_forward_upgrade_release_tasks.yaml'
                '\n'),
            'fast_forward_upgrade_release_tasks': [
                {'include_tasks': 'fast_forward_upgrade_prep_tasks.yaml'}],
        }},
        {'output_key': 'RoleNetHostnameMap', 'output_value': {
            'Controller': {'ctlplane': ['overcloud-controller-0',
                                        'overcloud-controller-1'],
                           'internal_api': ['overcloud-controller-0.ia']},
            'Compute': {'ctlplane': ['overcloud-novacompute-0']},
        }},
        {'output_key': 'RoleNetIpMap', 'output_value': {
            'Controller': {'ctlplane': ['192.0.2.10', '192.0.2.11']},
            'Compute': {'ctlplane': ['127.0.0.2']},
        }},
        {'output_key': 'ServerIdData', 'output_value': {
            'server_ids': {'Controller': ['id-c0', 'id-c1'],
                           'Compute': ['id-n0']},
            'bootstrap_server_id': {'Controller': 'id-c1',
                                    'Compute': 'id-n0'},
        }},
        {'output_key': 'KeystoneURL', 'output_value': 'http://192.0.2.5:5000'},
    ]
