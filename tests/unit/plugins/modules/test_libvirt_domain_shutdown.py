# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt_domain_shutdown against a stand-in for the libvirt binding: the agent first, ACPI only where no agent
answers, a wait that ends, and a guest that ignores the request reported, never destroyed."""

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.labforge.virt.plugins.modules import libvirt_domain_shutdown

from conftest import read_fixture


def _fixture(name):
    return read_fixture('libvirt', name).strip()


# libvirt 11.3's errors (kvm_host scenario, Debian 13): a channel with no agent behind it, and no channel at all.
NO_AGENT = _fixture('interface-addresses-agent-none-trixie.txt')
NO_CHANNEL = _fixture('interface-addresses-agent-unconfigured-trixie.txt')


class FakeLibvirt(object):
    VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN = 1
    VIR_DOMAIN_SHUTDOWN_GUEST_AGENT = 2

    class libvirtError(Exception):
        def get_error_message(self):
            return str(self)

    def __init__(self, domain):
        self.domain = domain

    def open(self, uri):
        return Conn(self.domain)


class Domain(object):
    """A running guest that stops after `polls` isActive() calls once a method it obeys was used."""

    def __init__(self, active=True, agent=True, obeys_acpi=False, polls=2, agent_error=NO_AGENT):
        self.active, self.agent, self.obeys_acpi, self.polls = active, agent, obeys_acpi, polls
        self.agent_error = agent_error
        self.requests = []
        self.stopping = False
        self.destroyed = False

    def shutdownFlags(self, flags):
        self.requests.append(flags)
        if flags == FakeLibvirt.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT:
            if not self.agent:
                raise FakeLibvirt.libvirtError(self.agent_error)
            self.stopping = True
        elif flags == FakeLibvirt.VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN:
            self.stopping = self.obeys_acpi
        else:
            raise AssertionError('the module names its method: %r' % flags)

    def isActive(self):
        if self.stopping:
            self.polls -= 1
            if self.polls <= 0:
                self.active = False
        return 1 if self.active else 0

    def destroy(self):
        self.destroyed = True


class Conn(object):
    def __init__(self, domain):
        self.domain = domain

    def lookupByName(self, name):
        assert name == 'tiny'
        return self.domain

    def close(self):
        pass


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(libvirt_domain_shutdown, 'POLL_SECONDS', 0)


def run(monkeypatch, capsys, domain, check_mode=False, **args):
    monkeypatch.setattr(libvirt_domain_shutdown, 'libvirt', FakeLibvirt(domain))
    with patch_module_args(dict(dict(name='tiny'), _ansible_check_mode=check_mode, **args)):
        with pytest.raises(SystemExit) as exc:
            libvirt_domain_shutdown.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


def test_through_the_agent_and_waits_until_off(monkeypatch, capsys):
    domain = Domain()
    rc, out = run(monkeypatch, capsys, domain)
    assert rc == 0 and out['changed'] is True and out['method'] == 'agent' and out['agent_error'] is None
    assert domain.requests == [FakeLibvirt.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT]
    assert domain.active is False


@pytest.mark.parametrize('agent_error', [NO_AGENT, NO_CHANNEL])
def test_acpi_only_where_no_agent_answers(monkeypatch, capsys, agent_error):
    domain = Domain(agent=False, obeys_acpi=True, agent_error=agent_error)
    rc, out = run(monkeypatch, capsys, domain)
    assert rc == 0 and out['method'] == 'acpi' and out['agent_error'] == agent_error
    assert domain.requests == [FakeLibvirt.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT, FakeLibvirt.VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN]
    assert domain.active is False


def test_a_guest_that_ignores_acpi_fails_the_task_and_keeps_running(monkeypatch, capsys):
    domain = Domain(agent=False, obeys_acpi=False)
    rc, out = run(monkeypatch, capsys, domain, timeout=1)
    assert rc == 1 and out['method'] == 'acpi'
    assert out['msg'] == ('tiny still runs 1 s after a shutdown request through the ACPI power button (no guest agent '
                          'answered: %s); it was not destroyed' % NO_AGENT)
    assert domain.active is True and domain.destroyed is False


def test_an_off_guest_is_left_alone(monkeypatch, capsys):
    domain = Domain(active=False)
    rc, out = run(monkeypatch, capsys, domain)
    assert rc == 0 and out['changed'] is False and out['method'] is None and domain.requests == []


def test_check_mode_says_it_would_shut_down_and_sends_nothing(monkeypatch, capsys):
    domain = Domain()
    rc, out = run(monkeypatch, capsys, domain, check_mode=True)
    assert rc == 0 and out['changed'] is True and out['method'] is None
    assert domain.requests == [] and domain.active is True


def test_timeout_zero_returns_without_waiting(monkeypatch, capsys):
    domain = Domain(polls=100)
    rc, out = run(monkeypatch, capsys, domain, timeout=0)
    assert rc == 0 and out['method'] == 'agent' and out['seconds'] == 0.0 and domain.active is True


def test_a_negative_timeout_is_refused_before_anything_is_sent(monkeypatch, capsys):
    domain = Domain()
    rc, out = run(monkeypatch, capsys, domain, timeout=-5)
    assert rc == 1 and out['msg'] == 'timeout must be 0 or more seconds, got -5' and domain.requests == []


def test_wait_until_off_gives_up_at_the_timeout():
    clock = iter([0.0, 0.4, 1.2, 2.5])
    domain = Domain(agent=False, obeys_acpi=False)
    assert libvirt_domain_shutdown.wait_until_off(domain, 2, clock=lambda: next(clock), sleep=lambda s: None) is None
