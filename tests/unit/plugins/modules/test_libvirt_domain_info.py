# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt_domain_info against a stand-in for the libvirt binding (python3-libvirt is not in the test venv) that
serves definitions real libvirt printed (fixtures/libvirt): every domain in one run, read-only, nothing changed."""

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.labforge.virt.plugins.filter.libvirt_xml import FilterModule
from ansible_collections.labforge.virt.plugins.modules import libvirt_domain_info

from conftest import read_fixture


def fixture(name):
    return read_fixture('libvirt', name).strip()


LAB_VM1 = fixture('dumpxml-lab-vm1-trixie.xml')
PINNED = fixture('dumpxml-pinned-trixie.xml')


class FakeLibvirt(object):
    """The read-only part of the libvirt binding the module uses, over one host's domains."""

    class libvirtError(Exception):
        def get_error_message(self):
            return str(self)

    VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT = 1

    def __init__(self, domains, refuse=None, agents=None):
        self.domains = domains  # name -> (uuid, active, xml)
        self.refuse = refuse
        self.agents = agents or {}  # name -> what interfaceAddresses answers (or the error it raises)
        self.opened = []
        self.opened_rw = []

    def openReadOnly(self, uri):
        if self.refuse:
            raise FakeLibvirt.libvirtError(self.refuse)
        self.opened.append(uri)
        return Conn(self.domains, self.agents)

    def open(self, uri):
        self.opened_rw.append(uri)
        return Conn(self.domains, self.agents)


class Domain(object):
    def __init__(self, name, uuid, active, xml, agent=None):
        self._name, self._uuid, self._active, self._xml = name, uuid, active, xml
        self._agent = agent

    def interfaceAddresses(self, source, flags):
        assert self._active and source == FakeLibvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT and flags == 0
        if self._agent is None:
            raise FakeLibvirt.libvirtError(NO_AGENT)
        if isinstance(self._agent, Exception):
            raise self._agent
        return self._agent

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
    def __init__(self, domains, agents):
        self.domains, self.agents = domains, agents

    def listAllDomains(self, flags):
        assert flags == 0  # running and defined-only domains alike
        return [Domain(name, *entry, agent=self.agents.get(name)) for name, entry in reversed(sorted(self.domains.items()))]

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
                                 'xml': LAB_VM1, 'agent': None, 'addresses': []}
    assert out['domains'][1]['active'] is False and out['domains'][1]['xml'] == PINNED
    assert fake.opened == ['qemu:///system'] and fake.opened_rw == []


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


# What libvirt 11.3 answered for the kvm_host scenario's tiny guest (qemu-ga 10.0 in its initramfs, Debian 13):
# virDomainInterfaceAddresses(VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT), and its error for a guest with no agent.
AGENT_ANSWER = json.loads(fixture('interface-addresses-agent-tiny-trixie.json'))
NO_AGENT = fixture('interface-addresses-agent-none-trixie.txt')
NO_CHANNEL = fixture('interface-addresses-agent-unconfigured-trixie.txt')


def test_addresses_from_the_agents_that_answer(monkeypatch, capsys):
    fake = FakeLibvirt({'tiny': ('6a1c1f50-0000-4000-8000-000000000002', True, LAB_VM1),
                        'silent': ('6a1c1f50-0000-4000-8000-000000000003', True, LAB_VM1),
                        'off': ('6a1c1f50-0000-4000-8000-000000000004', False, PINNED),
                        'no-channel': ('6a1c1f50-0000-4000-8000-000000000005', True, PINNED)},
                       agents={'tiny': AGENT_ANSWER, 'no-channel': FakeLibvirt.libvirtError(NO_CHANNEL)})
    rc, out = run(monkeypatch, capsys, fake, addresses=True)
    assert rc == 0 and out['changed'] is False
    by_name = dict((d['name'], d) for d in out['domains'])
    assert by_name['tiny']['agent'] is True
    assert [(a['interface'], a['family'], a['address'], a['prefix']) for a in by_name['tiny']['addresses']
            if a['family'] == 'ipv4'] == [('eth0', 'ipv4', '192.168.123.50', 24)]
    assert all(a['interface'] != 'lo' for a in by_name['tiny']['addresses'])
    assert by_name['tiny']['addresses'][0]['hwaddr'] == AGENT_ANSWER['eth0']['hwaddr']
    assert (by_name['silent']['agent'], by_name['silent']['addresses']) == (False, [])
    assert (by_name['off']['agent'], by_name['off']['addresses']) == (None, [])
    assert (by_name['no-channel']['agent'], by_name['no-channel']['addresses']) == (False, [])
    # Agent queries need a read-write connection.
    assert fake.opened == [] and fake.opened_rw == ['qemu:///system']


def test_loopback_and_empty_interfaces_are_left_out():
    answer = {'lo': {'hwaddr': '00:00:00:00:00:00', 'addrs': [{'type': 0, 'addr': '127.0.0.1', 'prefix': 8}]},
              'eth1': {'hwaddr': '52:54:00:00:00:02', 'addrs': None},
              'eth0': {'hwaddr': '52:54:00:00:00:01',
                       'addrs': [{'type': 1, 'addr': 'fe80::1', 'prefix': 64},
                                 {'type': 0, 'addr': '10.0.0.5', 'prefix': 16}]}}
    assert libvirt_domain_info.agent_addresses(answer) == [
        {'interface': 'eth0', 'hwaddr': '52:54:00:00:00:01', 'family': 'ipv6', 'address': 'fe80::1', 'prefix': 64},
        {'interface': 'eth0', 'hwaddr': '52:54:00:00:00:01', 'family': 'ipv4', 'address': '10.0.0.5', 'prefix': 16}]
