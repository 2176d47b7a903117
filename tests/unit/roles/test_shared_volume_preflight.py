"""shared_volume and nfs_server refuse bad input in preflight, before any change.

All cases of a role run in ONE ansible-playbook (check mode) against local hosts, one
inventory host per case with its own bad variables: each host must fail on a preflight
check with a message a person can act on, with nothing reported changed.
"""

import json
import os
import re

import pytest

from role_playbook import fatal_messages, recap, run_playbook  # pylint: disable=import-error

GOOD_RW = "AGWZLQ4RPJ2XKB7MVTN3DHC6YSE5FU4IO"  # 33 chars: A + 32 base32 characters
GOOD_RO = "BQ7NH2XKPJ4LMV6RZT3CWD5YSGEFAU2IO"
WEAK_RW = "A" + "AB" * 16

SV_BASE = {
    "shared_volume_name": "database_live",
    "shared_volume_container_path": "/opt/database/live",
    "shared_volume_backend": "resilio",
    "shared_volume_resilio_secret": GOOD_RW,
}
SV_NO_SECRET = {k: v for k, v in SV_BASE.items() if k != "shared_volume_resilio_secret"}
SV_NFS = dict(SV_BASE, shared_volume_backend="nfs", shared_volume_nfs_server="nfs01", shared_volume_nfs_export="/srv/x")

SV_CASES = {
    "secret-missing": (SV_NO_SECRET, ["shared_volume_resilio_secret is missing, malformed or weak", "rslsync --generate-secret"]),
    "secret-lowercase": (dict(SV_BASE, shared_volume_resilio_secret=GOOD_RW.lower()), ["shared_volume_resilio_secret is missing"]),
    "secret-32-chars": (dict(SV_BASE, shared_volume_resilio_secret=GOOD_RW[:-1]), ["shared_volume_resilio_secret is missing"]),
    "secret-ro-key-as-rw": (dict(SV_BASE, shared_volume_resilio_secret=GOOD_RO), ["shared_volume_resilio_secret is missing"]),
    "secret-weak": (dict(SV_BASE, shared_volume_resilio_secret=WEAK_RW), ["keys repeating a few characters are refused"]),
    "ro-host-without-ro-key": (dict(SV_BASE, shared_volume_read_only=True), ["needs shared_volume_resilio_read_only_secret"]),
    "relative-path": (dict(SV_BASE, shared_volume_container_path="opt/database/live"),
                      ["an absolute shared_volume_container_path", "got opt/database/live"]),
    "dotdot-path": (dict(SV_BASE, shared_volume_container_path="/opt/../etc"), ["an absolute shared_volume_container_path"]),
    "unknown-backend": (dict(SV_BASE, shared_volume_backend="glusterfs"), ["shared_volume_backend", "glusterfs", "nfs, resilio, syncthing"]),
    "nfs-relative-export": (dict(SV_NFS, shared_volume_nfs_export="srv/x"), ["an absolute shared_volume_nfs_export"]),
    "nfs-hard-mount": (dict(SV_NFS, shared_volume_nfs_mount_options=["hard"]), ["give a hard mount", "hangs every process"]),
    # Issue 18: the effective mode, not the word `hard` - hard by default, the last one wins, comma strings.
    "nfs-hard-by-default": (dict(SV_NFS, shared_volume_nfs_mount_options=["timeo=100", "retrans=3"]),
                            ["(timeo=100,retrans=3) give a hard mount", "hard is the kernel's default"]),
    "nfs-hard-last": (dict(SV_NFS, shared_volume_nfs_mount_options=["soft", "timeo=100", "hard"]), ["give a hard mount"]),
    "nfs-hard-in-a-comma-string": (dict(SV_NFS, shared_volume_nfs_mount_options=["soft,timeo=100,hard"]),
                                   ["(soft,timeo=100,hard) give a hard mount"]),
    "nfs-rw-in-a-comma-string": (dict(SV_NFS, shared_volume_nfs_mount_options=["soft,rw"]),
                                 ["ro/rw come from shared_volume_read_only"]),
}

NFS_OK = {"path": "/srv/nfs/data", "clients": [{"host": "192.168.10.0/24", "options": ["rw"]}]}
NFS_CASES = {
    "everyone": (dict(NFS_OK, clients=[{"host": "*"}]), ['refused: the wildcard "*"', "force: true"]),
    "everyone-cidr": (dict(NFS_OK, clients=[{"host": "0.0.0.0/0"}]), ["refused: the network 0.0.0.0/0 is every address"]),
    # Spellings of the world a string comparison missed (issue 18): parsed with ipaddress now.
    "world-10-slash-0": (dict(NFS_OK, clients=[{"host": "10.0.0.0/0"}]), ["refused: the network 0.0.0.0/0 is every address"]),
    "world-slash-00": (dict(NFS_OK, clients=[{"host": "0.0.0.0/00"}]), ["refused: the network 0.0.0.0/0 is every address"]),
    "world-v6": (dict(NFS_OK, clients=[{"host": "0::/0"}]), ["refused: the network ::/0 is every address"]),
    "world-v4-mapped": (dict(NFS_OK, clients=[{"host": "::ffff:0:0/96"}]), ["holds every IPv4 address"]),
    "wildcard": (dict(NFS_OK, clients=[{"host": "*.example.org"}]), ['refused: the wildcard "*.example.org"']),
    "no-root-squash": (dict(NFS_OK, clients=[{"host": "192.168.10.0/24", "options": ["rw", "no_root_squash"]}]),
                       ["no_root_squash gives root on the client root"]),
    "insecure": (dict(NFS_OK, clients=[{"host": "192.168.10.0/24", "options": ["insecure"]}]),
                 ["refused: insecure accepts requests from unprivileged ports"]),
    "anonuid-0-all-squash": (dict(NFS_OK, clients=[{"host": "192.168.10.0/24", "options": ["all_squash", "anonuid=0"]}]),
                             ["refused: anonuid=0 maps squashed users"]),
    "path-trailing-newline": (dict(NFS_OK, path="/srv/nfs/data\n"), ["the path must be absolute"]),
    "prefix-33": (dict(NFS_OK, clients=[{"host": "192.168.10.0/33"}]), ["is not an IPv4/IPv6 address or network"]),
    "octet-300": (dict(NFS_OK, clients=[{"host": "192.168.300.0/24"}]), ["is not an IPv4/IPv6 address or network"]),
    "option-injection": (dict(NFS_OK, clients=[{"host": "10.0.0.0/8", "options": ["rw) *(rw"]}]),
                         ["are not plain exports(5) options"]),
    "option-trailing-newline": (dict(NFS_OK, clients=[{"host": "10.0.0.0/8", "options": ["rw\n"]}]),
                                ["are not plain exports(5) options"]),
    "relative-path": (dict(NFS_OK, path="srv/nfs"), ["path must be absolute"]),
    "force-without-reason": (dict(NFS_OK, clients=[{"host": "*"}], force=True), ["force: true needs force_reason"]),
}


def _inventory(cases, to_vars):
    hosts = {}
    for name, (case, dummy_needles) in cases.items():
        hosts[name] = dict(to_vars(case), ansible_connection="local",
                           ansible_python_interpreter="{{ ansible_playbook_python }}")
    return json.dumps({"all": {"hosts": hosts}})


def _run_cases(tmp_path, role, cases, to_vars):
    play = "- hosts: all\n  gather_facts: false\n  roles:\n    - role: labforge.virt.%s\n" % role
    proc = run_playbook(tmp_path, play, _inventory(cases, to_vars), ["--check"])
    return proc, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def shared_volume_run(tmp_path_factory):
    return _run_cases(tmp_path_factory.mktemp("sv"), "shared_volume", SV_CASES, lambda c: c)


@pytest.fixture(scope="module")
def nfs_server_run(tmp_path_factory):
    return _run_cases(tmp_path_factory.mktemp("nfs"), "nfs_server", NFS_CASES, lambda c: {"nfs_server_exports": [c]})


def _check(run, cases, case):
    proc, out = run
    assert proc.returncode != 0, out
    messages = fatal_messages(out)
    assert case in messages, out
    for needle in cases[case][1]:
        assert needle in messages[case], messages[case]
    assert recap(out)[case]["changed"] == 0, out


@pytest.mark.parametrize("case", sorted(SV_CASES))
def test_shared_volume_refuses(shared_volume_run, case):
    _check(shared_volume_run, SV_CASES, case)


def test_shared_volume_never_prints_a_key(shared_volume_run):
    out = shared_volume_run[1]
    for key in (GOOD_RW, GOOD_RO, WEAK_RW, GOOD_RW.lower(), GOOD_RW[:-1]):
        assert key not in out


@pytest.mark.parametrize("case", sorted(NFS_CASES))
def test_nfs_server_refuses(nfs_server_run, case):
    _check(nfs_server_run, NFS_CASES, case)


def _kernel_has_nfsd():
    with open("/proc/filesystems") as f:
        if re.search(r"\bnfsd\b", f.read()):
            return True
    release = os.uname().release
    for base in ("/lib/modules", "/usr/lib/modules"):
        d = os.path.join(base, release, "kernel", "fs", "nfsd")
        if os.path.isdir(d) and any(n.startswith("nfsd.ko") for n in os.listdir(d)):
            return True
    return False


@pytest.mark.skipif(_kernel_has_nfsd(), reason="this kernel has nfsd: the refusal cannot be shown here")
def test_nfs_server_refuses_a_kernel_without_nfsd(tmp_path):
    # Every client form that must pass the client checks, so the run reaches the kernel check.
    good = dict(NFS_OK, clients=[{"host": "192.168.10.0/24", "options": ["rw"]}, {"host": "10.1.2.3"},
                                 {"host": "dock01.lab.example.com"}, {"host": "2001:db8::/64"}, {"host": "fe80::1"},
                                 {"host": "@docker_hosts", "options": ["sec=krb5p"]}])
    forced = dict(NFS_OK, path="/srv/nfs/open", clients=[{"host": "*", "options": ["rw", "no_root_squash"]}],
                  force=True, force_reason="lab test")
    # A forced export may also go to the world in any spelling, insecure, with anonuid=0.
    forced_v6 = dict(NFS_OK, path="/srv/nfs/open6", clients=[{"host": "::/0", "options": ["insecure", "all_squash", "anonuid=0"]}],
                     force=True, force_reason="lab test")
    cases = {"good-exports": ([good, forced, forced_v6], ["has no nfsd", "Nothing was changed"])}
    run = _run_cases(tmp_path, "nfs_server", cases, lambda c: {"nfs_server_exports": c})
    _check(run, cases, "good-exports")


def _kernel_has_nfs_client():
    with open("/proc/filesystems") as f:
        if {"nfs", "nfs4"} & set(f.read().split()):
            return True
    release = os.uname().release
    for base in ("/lib/modules", "/usr/lib/modules"):
        d = os.path.join(base, release, "kernel", "fs", "nfs")
        if os.path.isdir(d) and any(n.startswith(("nfs.ko", "nfsv4.ko")) for n in os.listdir(d)):
            return True
    return False


@pytest.mark.skipif(_kernel_has_nfs_client(), reason="this kernel has an NFS client: the refusal cannot be shown here")
def test_shared_volume_nfs_refuses_a_kernel_without_nfs_client(tmp_path):
    cases = {"nfs-good": (SV_NFS, ["has no NFS client", "Nothing was changed"])}
    run = _run_cases(tmp_path, "shared_volume", cases, lambda c: c)
    _check(run, cases, "nfs-good")
