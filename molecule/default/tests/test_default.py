"""The default scenario: the collection's facts playbook ran on real systemd hosts."""

import json

import pytest

EXPECTED_GROUPS = {
    "default-kvm": ["kvm_hosts"],
    "default-docker": ["docker_hosts", "registries"],
}


def test_systemd_is_pid_1(host):
    assert host.process.get(pid=1).comm == "systemd"
    assert host.run("systemctl is-system-running").stdout.strip() in ("running", "degraded")


def test_fact_file_records_groups(host):
    fact = host.file("/etc/ansible/facts.d/labforge_virt.fact")
    assert fact.is_file
    assert fact.user == "root" and fact.mode == 0o644
    data = json.loads(fact.content_string)
    name = host.backend.get_hostname()
    assert data["inventory_hostname"] == name
    assert data["groups"] == EXPECTED_GROUPS[name]


@pytest.mark.parametrize("module", ["json", "apt"])
def test_python_can_manage_host(host, module):
    assert host.run("python3 -c 'import %s'" % module).rc == 0
