# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt_domain_define against a stand-in for the libvirt binding (python3-libvirt is not in the test venv):
a host that keeps, for a definition kvm_guest rendered in the kvm_host scenario, the inactive definition real
libvirt kept of it (fixtures/libvirt/domain_diff), and records every call that changes it. So the tests see that
check mode defines nothing and tells the truth, and that a run's `changed` is libvirt's verdict."""

import json

import pytest

from ansible.module_utils import _internal as _module_utils_internal
from ansible.module_utils.testing import patch_module_args

from ansible_collections.labforge.virt.plugins.modules import libvirt_domain_define

from conftest import read_fixture


def fixture(name):
    return read_fixture('libvirt', 'domain_diff', name)


RENDERED = fixture('clone-trixie.rendered.xml')
KEPT = fixture('clone-trixie.dumpxml.xml')
UUID = '3b0e54f8-a559-52bd-85ca-e753c8c3ef5f'


class FakeLibvirt(object):
    """The part of the libvirt binding the module uses, over one host's domains."""

    VIR_ERR_NO_DOMAIN = 42
    VIR_DOMAIN_XML_INACTIVE = 2

    class libvirtError(Exception):
        def __init__(self, msg, code):
            super(FakeLibvirt.libvirtError, self).__init__(msg)
            self.code = code

        def get_error_code(self):
            return self.code

        def get_error_message(self):
            return str(self)

    def __init__(self):
        self.domains = {}  # name -> {'xml': kept inactive XML, 'uuid', 'autostart'}
        self.calls = []  # the changing ones

    def open(self, uri):
        assert uri == 'qemu:///system'
        return Conn(self)


class Domain(object):
    def __init__(self, host, name):
        self.host, self.name = host, name

    def XMLDesc(self, flags):
        assert flags == FakeLibvirt.VIR_DOMAIN_XML_INACTIVE
        return self.host.domains[self.name]['xml']

    def UUIDString(self):
        return self.host.domains[self.name]['uuid']

    def autostart(self):
        return int(self.host.domains[self.name]['autostart'])

    def setAutostart(self, flag):
        self.host.calls.append(('setAutostart', self.name, flag))
        self.host.domains[self.name]['autostart'] = bool(flag)


class Conn(object):
    def __init__(self, host):
        self.host = host

    def lookupByName(self, name):
        if name not in self.host.domains:
            raise FakeLibvirt.libvirtError("Domain not found: no domain with matching name '%s'" % name,
                                           FakeLibvirt.VIR_ERR_NO_DOMAIN)
        return Domain(self.host, name)

    def getCapabilities(self):
        return fixture('capabilities-trixie-container.xml')

    def defineXML(self, xml):
        # What real libvirt kept of the scenario's clone definition; any other definition kept as given.
        name = libvirt_domain_define.domain_name(xml)
        self.host.calls.append(('defineXML', name))
        entry = self.host.domains.setdefault(name, {'uuid': UUID, 'autostart': False})
        entry['xml'] = KEPT if xml == RENDERED else xml
        return Domain(self.host, name)

    def close(self):
        pass


@pytest.fixture
def host(monkeypatch):
    fake = FakeLibvirt()
    monkeypatch.setattr(libvirt_domain_define, 'libvirt', fake)
    return fake


def converged(host):
    host.domains['clone'] = {'xml': KEPT, 'uuid': UUID, 'autostart': False}


def run(capsys, xml, check_mode=False, diff=True, **args):
    args = dict(args, xml=xml, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc:
            libvirt_domain_define.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


def more_memory(xml):
    return xml.replace("unit='MiB'>256<", "unit='MiB'>384<")


def test_check_mode_unchanged_guest(host, capsys):
    converged(host)
    rc, out = run(capsys, RENDERED, check_mode=True, autostart=False)
    assert rc == 0 and out['changed'] is False and out['definition_changed'] is False
    assert out['diff']['before'] == out['diff']['after'] != ''
    assert host.calls == []


def test_check_mode_changed_guest_defines_nothing(host, capsys):
    converged(host)
    rc, out = run(capsys, more_memory(RENDERED), check_mode=True, autostart=False)
    assert rc == 0 and out['changed'] is True and out['definition_changed'] is True and out['created'] is False
    assert "-  <memory unit='KiB'>262144</memory>" in out['diff']['before'].replace('  <memory', '-  <memory')
    assert "<memory unit='KiB'>393216</memory>" in out['diff']['after']
    assert out['diff']['before_header'] == 'clone: inactive definition in libvirt (normalised)'
    assert host.calls == [] and host.domains['clone']['xml'] == KEPT


def test_check_mode_new_guest(host, capsys):
    rc, out = run(capsys, RENDERED, check_mode=True)
    assert rc == 0 and out['changed'] is True and out['created'] is True
    assert out['diff']['before'] == '' and '<name>clone</name>' in out['diff']['after']
    assert host.calls == [] and host.domains == {}


def test_no_diff_without_diff_mode(host, capsys):
    converged(host)
    _rc, out = run(capsys, more_memory(RENDERED), check_mode=True, diff=False)
    assert 'diff' not in out and out['changed'] is True


def test_check_mode_autostart_alone(host, capsys):
    converged(host)
    _rc, out = run(capsys, RENDERED, check_mode=True, autostart=True)
    assert out['changed'] is True and out['definition_changed'] is False and out['autostart'] is True
    assert host.calls == []


def test_a_run_defines_and_reports_libvirts_verdict(host, capsys):
    rc, out = run(capsys, RENDERED, autostart=False)
    assert rc == 0 and out['changed'] is True and out['created'] is True
    assert host.calls == [('defineXML', 'clone')]
    # Again: libvirt keeps the same inactive definition, so no change, and no warning.
    rc, again = run(capsys, RENDERED, autostart=False)
    assert again['changed'] is False and again['definition_changed'] is False and 'warnings' not in again
    # Changed: defined, and changed as predicted.
    rc, changed = run(capsys, more_memory(RENDERED), autostart=True)
    assert changed['changed'] is True and changed['definition_changed'] is True and 'warnings' not in changed
    assert host.calls[-2:] == [('defineXML', 'clone'), ('setAutostart', 'clone', 1)]


def test_a_run_warns_when_libvirt_disagrees_with_the_prediction(host, capsys, monkeypatch):
    # Module-side warnings (other tests in this process load controller code, which sends them to Display).
    monkeypatch.setattr(_module_utils_internal, 'is_controller', False)
    # libvirt's definition carries a difference the comparison ignores (a pcie-root-port's chassis).
    host.domains['clone'] = {'xml': KEPT.replace("chassis='1'", "chassis='9'"), 'uuid': UUID, 'autostart': False}
    _rc, out = run(capsys, RENDERED, autostart=False)
    assert out['changed'] is True and out['definition_changed'] is True
    assert 'check mode would not tell the truth' in json.dumps(out['warnings'])  # a string or, in 2.19, an event


def test_another_uuid_is_refused(host, capsys):
    converged(host)
    rc, out = run(capsys, RENDERED.replace(UUID, '00000000-0000-0000-0000-000000000001'), check_mode=True)
    assert rc == 1 and 'exists with UUID %s' % UUID in out['msg']
    assert host.calls == []


def test_not_a_domain(host, capsys):
    rc, out = run(capsys, '<network/>', check_mode=True)
    assert rc == 1 and out['msg'] == 'xml: expected a <domain> document, got <network>'


def test_without_the_binding(monkeypatch, capsys):
    monkeypatch.setattr(libvirt_domain_define, 'libvirt', None)
    rc, out = run(capsys, RENDERED, check_mode=True)
    assert rc == 1 and 'python3-libvirt' in out['msg']
