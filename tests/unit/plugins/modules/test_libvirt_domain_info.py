# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt_domain_info against a stand-in for the libvirt binding (python3-libvirt is not in the test venv) that
serves definitions real libvirt printed (fixtures/libvirt): every domain in one run, read-only, nothing changed."""

import json
import os

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.labforge.virt.plugins.filter.libvirt_xml import FilterModule
from ansible_collections.labforge.virt.plugins.modules import libvirt_domain_info

from conftest import FIXTURES


def fixture(name):
    with open(os.path.join(FIXTURES, 'libvirt', name)) as f:
        return f.read().strip()


LAB_VM1 = fixture('dumpxml-lab-vm1-trixie.xml')
PINNED = fixture('dumpxml-pinned-trixie.xml')


class FakeLibvirt(object):
    """The read-only part of the libvirt binding the module uses, over one host's domains."""

    class libvirtError(Exception):
        def get_error_message(self):
            return str(self)

    def __init__(self, domains, refuse=None):
        self.domains = domains  # name -> (uuid, active, xml)
        self.refuse = refuse
        self.opened = []

    def openReadOnly(self, uri):
        if self.refuse:
            raise FakeLibvirt.libvirtError(self.refuse)
        self.opened.append(uri)
        return Conn(self.domains)


class Domain(object):
    def __init__(self, name, uuid, active, xml):
        self._name, self._uuid, self._active, self._xml = name, uuid, active, xml

    def name(self):
        return self._name

    def UUIDString(self):
        return self._uuid

    def isActive(self):
        return 1 if self._active else 0

    def XMLDesc(self, flags):
        assert flags == 0  # what community.libvirt.virt get_xml (and plain virsh dumpxml) return
        return self._xml


class Conn(object):
    def __init__(self, domains):
        self.domains = domains

    def listAllDomains(self, flags):
        assert flags == 0  # running and defined-only domains alike
        return [Domain(name, *entry) for name, entry in reversed(sorted(self.domains.items()))]

    def close(self):
        pass


def run(monkeypatch, capsys, fake, check_mode=False, **args):
    monkeypatch.setattr(libvirt_domain_info, 'libvirt', fake)
    with patch_module_args(dict(args, _ansible_check_mode=check_mode)):
        with pytest.raises(SystemExit) as exc:
            libvirt_domain_info.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize('check_mode', [False, True])
def test_every_domain_with_its_definition_sorted_by_name(monkeypatch, capsys, check_mode):
    fake = FakeLibvirt({'pinned-capture': ('6a1c1f50-0000-4000-8000-000000000001', False, PINNED),
                        'lab-vm1': (fixture('dumpxml-lab-vm1-trixie.uuid'), True, LAB_VM1)})
    rc, out = run(monkeypatch, capsys, fake, check_mode=check_mode)
    assert rc == 0 and out['changed'] is False
    assert [d['name'] for d in out['domains']] == ['lab-vm1', 'pinned-capture']
    assert out['domains'][0] == {'name': 'lab-vm1', 'uuid': fixture('dumpxml-lab-vm1-trixie.uuid'), 'active': True,
                                 'xml': LAB_VM1}
    assert out['domains'][1]['active'] is False and out['domains'][1]['xml'] == PINNED
    assert fake.opened == ['qemu:///system']


def test_the_definitions_feed_kvm_guests_plan_as_get_xml_did(monkeypatch, capsys):
    """kvm_guest's preflight reads UUIDs and MAC addresses from these texts with labforge.virt.libvirt_domains."""
    fake = FakeLibvirt({'lab-vm1': (fixture('dumpxml-lab-vm1-trixie.uuid'), True, LAB_VM1)})
    _rc, out = run(monkeypatch, capsys, fake)
    domains = FilterModule().filters()['libvirt_domains']([d['xml'] for d in out['domains']])
    assert domains['lab-vm1']['uuid'] == fixture('dumpxml-lab-vm1-trixie.uuid')
    assert domains['lab-vm1']['macs'] == fixture('dumpxml-lab-vm1-trixie.macs').split()


def test_no_domain_is_an_empty_list(monkeypatch, capsys):
    rc, out = run(monkeypatch, capsys, FakeLibvirt({}), uri='qemu+ssh://kvm2/system')
    assert rc == 0 and out['domains'] == []


def test_an_unreachable_libvirt_fails_with_the_uri(monkeypatch, capsys):
    rc, out = run(monkeypatch, capsys, FakeLibvirt({}, refuse='Failed to connect socket: No such file or directory'))
    assert rc == 1 and out['failed'] is True
    assert out['msg'] == 'cannot connect to libvirt at qemu:///system: Failed to connect socket: No such file or directory'


def test_without_the_binding_the_module_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setattr(libvirt_domain_info, 'LIBVIRT_IMPORT_ERROR', 'ImportError: No module named libvirt')
    rc, out = run(monkeypatch, capsys, None)
    assert rc == 1 and 'libvirt (python3-libvirt)' in out['msg']
