"""tools/lab/vm/port: a VM keeps its ssh port (and a run its LAN port) while it runs, so a second
`make lab-full` reaches the VMs it booted before; a port of a VM that is gone is not reused."""

import pathlib
import subprocess
import sys

import pytest

PORT = pathlib.Path(__file__).resolve().parents[3] / "tools" / "lab" / "vm" / "port"


def port(state, name, kind="tcp"):
    done = subprocess.run([sys.executable, str(PORT), str(state), name, kind], capture_output=True, text=True, check=True)
    return int(done.stdout), done.stderr


@pytest.fixture
def fake_qemu():
    """A process whose command line names qemu-system, as the VMs' do."""
    proc = subprocess.Popen(["bash", "-c", "exec -a qemu-system-x86_64 sleep 60"])
    yield proc.pid
    proc.kill()
    proc.wait()


def test_a_fresh_port_is_recorded(tmp_path):
    number, err = port(tmp_path, "vm1")
    assert 1024 < number < 65536
    assert (tmp_path / "vm1.port").read_text().strip() == str(number)
    assert "recorded vm1 port" in err


def test_the_port_of_a_running_vm_is_kept(tmp_path, fake_qemu):
    first = port(tmp_path, "vm1")[0]
    (tmp_path / "vm1.pid").write_text("%d\n" % fake_qemu)
    again, err = port(tmp_path, "vm1")
    assert again == first and err == ""


def test_the_lan_port_is_kept_while_any_vm_runs(tmp_path, fake_qemu):
    first = port(tmp_path, "lan", "udp")[0]
    (tmp_path / "vm2.pid").write_text("%d\n" % fake_qemu)
    assert port(tmp_path, "lan", "udp")[0] == first


def test_a_vm_that_is_gone_boots_again_on_a_new_record(tmp_path):
    # A pid file left by a VM that no longer runs (this process is no qemu): removed, so `creates:` boots it.
    port(tmp_path, "vm1")
    (tmp_path / "vm1.pid").write_text("%d\n" % 999999999)
    assert "recorded vm1 port" in port(tmp_path, "vm1")[1]
    assert not (tmp_path / "vm1.pid").exists()


def test_a_process_that_is_not_qemu_does_not_keep_the_port(tmp_path):
    port(tmp_path, "vm1")
    (tmp_path / "vm1.pid").write_text("1\n")  # init: alive, but not a VM of ours
    assert "recorded" in port(tmp_path, "vm1")[1]
