"""svirt with the storage pool on NFS (issue 17).

converge.yml mounts this VM's own NFS export at kvm_host_pool_path. kvm_host found the pool's
filesystem (labforge.virt.filesystem_info) and switched virt_use_nfs on before starting the pool
(libvirtd, virtd_t, cannot open an nfs_t directory without it); svirt found it too, for the guests.
Files on NFS carry the mount's single label, nfs_t, which libvirt cannot relabel per guest: the
boolean is what lets a confined qemu open them, and that is shown by switching it off.
"""
import json

import pytest

POOL = "/srv/labforge-nfs-pool"
GUEST = "kernel-nfs"
DISK = POOL + "/kernel-nfs-pool.qcow2"
VIRSH = "virsh -c qemu:///system "


def _boolean(host):
    return host.check_output("getsebool virt_use_nfs").split()[-1]


def _running(host):
    return GUEST in host.check_output(VIRSH + "list --name --state-running").split()


@pytest.fixture
def boolean_and_guest_restored(host):
    yield
    host.run("setsebool virt_use_nfs on")
    if not _running(host):
        host.check_output(VIRSH + "start " + GUEST)


def test_the_pool_is_an_nfs_mount(host):
    mount = host.mount_point(POOL)
    assert mount.exists and mount.filesystem.startswith("nfs"), mount.filesystem
    assert "127.0.0.1:/srv/labforge-nfs-export" == mount.device


def test_virt_use_nfs_is_granted_from_the_pool_facts(host):
    assert _boolean(host) == "on"
    ledger = json.loads(host.file("/var/lib/labforge/selinux-booleans.json").content_string)
    grant = ledger["booleans"]["virt_use_nfs"]
    assert grant["before"] is False and sorted(grant["owners"]) == ["kvm_host", "svirt"], grant


def test_the_guest_runs_confined_with_its_disk_on_nfs(host):
    assert _running(host)
    assert DISK in host.check_output(VIRSH + "domblklist " + GUEST)
    assert ":nfs_t:" in host.check_output("getfattr --absolute-names --only-values -n security.selinux " + DISK)
    pid = host.check_output("pgrep -f '^/usr/bin/qemu-system-x86_64 .*-name guest=%s,'" % GUEST)
    label = host.file("/proc/%s/attr/current" % pid).content_string.rstrip("\x00")
    assert label.split(":")[2] in ("svirt_t", "svirt_tcg_t"), label


def test_virt_use_nfs_is_what_lets_the_guest_start(host, await_audit, boolean_and_guest_restored):
    host.check_output("setsebool virt_use_nfs off")
    host.check_output(VIRSH + "destroy " + GUEST)
    refused = host.run(VIRSH + "start " + GUEST)
    assert refused.rc != 0 and not _running(host), refused.stdout
    assert DISK in refused.stderr and "Permission denied" in refused.stderr, refused.stderr
    assert await_audit("avc:  denied", "tcontext=system_u:object_r:nfs_t:s0", "kernel-nfs-pool.qcow2")

    host.check_output("setsebool virt_use_nfs on")
    started = host.run(VIRSH + "start " + GUEST)
    assert started.rc == 0 and _running(host), started.stderr


def test_template_imported_from_the_nfs_share(host):
    """kvm_guest_templates source.type nfs: the export mounted read-only while the image was copied, then unmounted."""
    template = "/var/lib/libvirt/templates/kernel-from-nfs"
    image = host.file(template + ".qcow2")
    assert (image.user, image.mode) == ("root", 0o444)
    info = json.loads(host.check_output("qemu-img info --force-share --output=json %s", image.path))
    assert (info["format"], info["virtual-size"]) == ("qcow2", 16 * 1024 * 1024)
    made = json.loads(host.file(template + ".json").content_string)
    assert made["made_from"] == "file /var/lib/libvirt/templates/.nfs-kernel-from-nfs/templates/exported.raw"
    assert made["sealed"] == []
    mountpoint = "/var/lib/libvirt/templates/.nfs-kernel-from-nfs"
    assert host.run("findmnt --mountpoint %s", mountpoint).rc == 1, "the share is still mounted"
