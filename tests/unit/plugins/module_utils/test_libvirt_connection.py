# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection both libvirt modules share: read-only when asked, every failure one clear message, always closed."""

import pytest

from ansible_collections.labforge.virt.plugins.module_utils._libvirt_connection import libvirt_connection


class Failed(Exception):
    pass


class Module(object):
    def __init__(self, uri='qemu:///system'):
        self.params = dict(uri=uri)

    def fail_json(self, **kwargs):
        raise Failed(kwargs)


class Binding(object):
    class libvirtError(Exception):
        def get_error_message(self):
            return str(self)

    def __init__(self, refuse=None):
        self.refuse = refuse
        self.opened = []
        self.closed = 0

    def _open(self, kind, uri):
        if self.refuse:
            raise Binding.libvirtError(self.refuse)
        self.opened.append((kind, uri))
        return self

    def open(self, uri):
        return self._open('rw', uri)

    def openReadOnly(self, uri):
        return self._open('ro', uri)

    def close(self):
        self.closed += 1


@pytest.mark.parametrize('read_only, kind', [(True, 'ro'), (False, 'rw')])
def test_opens_the_uri_the_way_asked_and_closes_it(read_only, kind):
    binding = Binding()
    with libvirt_connection(Module('qemu+ssh://kvm2/system'), binding, None, read_only=read_only) as conn:
        assert conn is binding and binding.closed == 0
    assert binding.opened == [(kind, 'qemu+ssh://kvm2/system')] and binding.closed == 1


def test_an_unreachable_libvirt_names_the_uri():
    with pytest.raises(Failed) as failed:
        with libvirt_connection(Module(), Binding(refuse='Failed to connect socket'), None):
            pytest.fail('no connection, nothing to run')
    assert failed.value.args[0]['msg'] == 'cannot connect to libvirt at qemu:///system: Failed to connect socket'


def test_an_error_on_the_connection_fails_the_module_and_closes_it():
    binding = Binding()
    with pytest.raises(Failed) as failed:
        with libvirt_connection(Module(), binding, None):
            raise Binding.libvirtError('Domain not found: no domain with matching name')
    assert failed.value.args[0]['msg'] == 'libvirt: Domain not found: no domain with matching name'
    assert binding.closed == 1


def test_other_errors_pass_through_and_the_connection_is_closed():
    binding = Binding()
    with pytest.raises(KeyError):
        with libvirt_connection(Module(), binding, None):
            raise KeyError('uri')
    assert binding.closed == 1


def test_without_the_binding_says_what_to_install():
    with pytest.raises(Failed) as failed:
        with libvirt_connection(Module(), None, 'ImportError: No module named libvirt'):
            pytest.fail('no binding, nothing to run')
    assert 'python3-libvirt' in failed.value.args[0]['msg']
    assert failed.value.args[0]['exception'] == 'ImportError: No module named libvirt'
