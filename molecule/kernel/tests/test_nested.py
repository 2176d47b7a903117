"""Nested virtualization both ways (kvm_host_nested), on the VM's real kvm_amd (TCG's emulated SVM).

The converge set kvm_host_nested: false, so kvm_amd (nested=1 by default) was reloaded before the
guests started. Here the `nested` entry point turns it on: refused while the guests run, applied
once they are stopped, and turned off again; each time read back from /sys, as the kernel has it.
"""
import os
import subprocess
import sys

import pytest

GUESTS = ("kernel-g1", "kernel-g2", "kernel-nfs")
NESTED = "/sys/module/kvm_amd/parameters/nested"
CONF = "/etc/modprobe.d/kvm-nested.conf"
PLAYBOOK = """
- name: Apply kvm_host_nested
  hosts: kvm_hosts
  gather_facts: false
  tasks:
    - name: Run the nested entry point of kvm_host
      ansible.builtin.include_role:
        name: labforge.virt.kvm_host
        tasks_from: nested
"""


def _nested(host):
    return host.file(NESTED).content_string.strip()


def _running(host):
    return set(host.check_output("virsh -c qemu:///system list --name --state-running").split())


def _run_nested(tmp_path, on):
    playbook = tmp_path / "nested.yml"
    playbook.write_text(PLAYBOOK)
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", os.environ["MOLECULE_INVENTORY_FILE"],
         str(playbook), "-e", "kvm_host_nested=%s" % ("true" if on else "false")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1"), timeout=900, check=False)
    return proc.returncode, proc.stdout


@pytest.fixture
def guests_stopped_then_restarted(host):
    yield lambda: host.check_output(" && ".join("virsh -c qemu:///system destroy %s" % g for g in GUESTS))
    for guest in sorted(set(GUESTS) - _running(host)):
        host.check_output("virsh -c qemu:///system start %s" % guest)


def test_converge_turned_nested_off_and_persisted_it(host):
    assert _nested(host) == "0"
    assert "options kvm_amd nested=0" in host.file(CONF).content_string.splitlines()


def test_nested_is_refused_under_running_guests_then_applied_both_ways(host, tmp_path, guests_stopped_then_restarted):
    assert set(GUESTS) <= _running(host)
    conf = host.file(CONF).content_string

    rc, out = _run_nested(tmp_path, on=True)
    assert rc != 0, out[-3000:]
    # Whitespace evened out: the stdout callback may fold a long message over lines.
    assert "under these running guests: %s." % ", ".join(GUESTS) in " ".join(out.split()), out[-3000:]
    assert _nested(host) == "0" and host.file(CONF).content_string == conf

    guests_stopped_then_restarted()
    rc, out = _run_nested(tmp_path, on=True)
    assert rc == 0, out[-3000:]
    assert _nested(host) == "1"
    assert "options kvm_amd nested=1" in host.file(CONF).content_string.splitlines()

    rc, out = _run_nested(tmp_path, on=False)
    assert rc == 0, out[-3000:]
    assert _nested(host) == "0"
    assert "options kvm_amd nested=0" in host.file(CONF).content_string.splitlines()
