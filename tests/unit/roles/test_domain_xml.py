"""kvm_guest's domain XML keeps hostile values as data: rendered by the role's own template and parsed back."""

import json
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT
from role_playbook import run_playbook  # pylint: disable=import-error

HOSTILE_CMDLINE = "console=ttyS0 a='1' b=\"2\" </cmdline><devices><hostdev/></devices><cmdline> & more"
HOSTILE_PATH = "/var/lib/libvirt/images/x'/><disk type='block'><source dev='/dev/sda'/></disk><x a='.qcow2"
GUEST = {
    "name": "web1", "uuid": "6f1c2e9a-0000-4000-8000-000000000001", "source_type": "kernel", "domain_type": "qemu",
    "machine": "q35", "cpu_mode": "host-model", "vcpus": 1, "memory_mib": 256,
    "os": {"kernel": "/boot/vmlinuz<&>", "initrd": "/boot/initrd'\"", "cmdline": HOSTILE_CMDLINE},
    "disks": [{"name": "root", "path": HOSTILE_PATH, "bus": "virtio", "cache": "none"}],
    "networks": [{"type": "network", "source": "lab'net", "mac": "52:54:00:12:34:56", "model": "virtio"}],
    "serial_log": "/var/log/libvirt/qemu/web1&<serial>.log",
    "seclabel": {"type": "static", "model": "selinux", "relabel": True, "label": "system_u:system_r:svirt_t:s0:c1,c2</label>"},
}

PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Load kvm_guest's variables
      ansible.builtin.include_vars:
        file: "{{ item }}"
      loop:
        - "{{ role_root }}/kvm_guest/vars/main.yml"
        - "{{ role_root }}/kvm_guest/vars/Debian.yml"
    - name: Render the domain XML with the role's template
      ansible.builtin.template:
        src: "{{ role_root }}/kvm_guest/templates/domain.xml.j2"
        dest: "{{ out_dir }}/domain.xml"
        mode: "0600"
      vars:
        __kvm_guest_cur: "{{ guest }}"
"""


@pytest.fixture(scope="module")
def domain(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("domain")
    inventory = json.dumps({"all": {"hosts": {"kvm1": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "role_root": ROOT + "/roles", "out_dir": str(tmp), "guest": GUEST}}}})
    proc = run_playbook(tmp, PLAY, inventory)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return ET.fromstring((tmp / "domain.xml").read_text())


def test_hostile_values_stay_data(domain):
    assert domain.find("os/cmdline").text == HOSTILE_CMDLINE
    assert domain.find("os/kernel").text == "/boot/vmlinuz<&>"
    assert domain.find("os/initrd").text == "/boot/initrd'\""
    disks = domain.findall("devices/disk")
    assert len(disks) == 1 and disks[0].find("source").get("file") == HOSTILE_PATH
    assert domain.find("devices/hostdev") is None
    assert domain.find("devices/interface/source").get("network") == "lab'net"
    assert domain.find("devices/serial/log").get("file") == "/var/log/libvirt/qemu/web1&<serial>.log"
    assert domain.find("seclabel/label").text == "system_u:system_r:svirt_t:s0:c1,c2</label>"


def test_a_guest_agent_channel_by_default(domain):
    # GUEST sets no guest_agent: a plan entry from before the key existed still gets the channel.
    channels = domain.findall("devices/channel")
    assert [(c.get("type"), c.find("target").get("type"), c.find("target").get("name")) for c in channels] == [
        ("unix", "virtio", "org.qemu.guest_agent.0")]
    # Its controller declared: libvirt 9 moved the one it added on every redefinition.
    assert [c.get("index") for c in domain.findall("devices/controller") if c.get("type") == "virtio-serial"] == ["0"]


def test_plain_values_unchanged(domain):
    assert domain.get("type") == "qemu"
    assert domain.find("name").text == "web1"
    assert domain.find("devices/disk/target").get("dev") == "vda"
