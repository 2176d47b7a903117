# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only probe run by the docker_host role in preflight (Python 3.6+, stdlib only).

Usage: docker_host_probe.py DATA_ROOT [PACKAGE...]
Prints one JSON object:
  storage: the filesystem that backs DATA_ROOT (or its nearest existing parent), whether a
           directory on it reports d_type (what overlay2 needs), xfs ftype when it is xfs;
  swap:    cgroup version and whether the kernel does swap accounting (what
           "WARNING: No swap limit support" is about);
  container: whether this host is itself a container (no bootloader to fix);
  selinux:   whether SELinux is enabled (/sys/fs/selinux/enforce exists);
  selinux_container_policy: whether the loaded policy defines container_t, the type dockerd labels
             containers with (Fedora/RHEL: container-selinux; Debian's refpolicy has none);
  packages:  which of PACKAGE... are installed (dpkg or rpm), so the role calls the package
             manager only when something is missing;
A temporary directory is created on the backing filesystem to test d_type and removed again:
that is the check dockerd itself makes.
"""
from __future__ import absolute_import, division, print_function

import ctypes
import ctypes.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

DT_UNKNOWN = 0


class Dirent64(ctypes.Structure):
    _fields_ = [("d_ino", ctypes.c_uint64), ("d_off", ctypes.c_int64), ("d_reclen", ctypes.c_ushort),
                ("d_type", ctypes.c_ubyte), ("d_name", ctypes.c_char * 256)]


def unescape(field):
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def mounts():
    """(mount point, fstype, super options, mount options) from /proc/self/mountinfo."""
    out = []
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            left, right = line.rstrip("\n").split(" - ", 1)
            lfields = left.split(" ")
            rfields = right.split(" ")
            out.append((unescape(lfields[4]), rfields[0], rfields[2] if len(rfields) > 2 else "", lfields[5]))
    return out


def backing_mount(path, table):
    best = None
    for entry in table:
        mnt = entry[0]
        if path == mnt or path.startswith(mnt.rstrip("/") + "/") or mnt == "/":
            if best is None or len(mnt) >= len(best[0]):
                best = entry
    return best


def d_type_supported(directory):
    """Create a file and a directory in a temp dir on DIRECTORY's filesystem and readdir it."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.opendir.restype = ctypes.c_void_p
    libc.opendir.argtypes = [ctypes.c_char_p]
    libc.readdir64.restype = ctypes.POINTER(Dirent64)
    libc.readdir64.argtypes = [ctypes.c_void_p]
    libc.closedir.argtypes = [ctypes.c_void_p]
    tmp = tempfile.mkdtemp(prefix=".labforge-dtype-", dir=directory)
    try:
        os.mkdir(os.path.join(tmp, "d"))
        with open(os.path.join(tmp, "f"), "w"):
            pass
        handle = libc.opendir(tmp.encode())
        if not handle:
            return None
        types = {}
        try:
            while True:
                ent = libc.readdir64(handle)
                if not ent:
                    break
                name = ent.contents.d_name.decode("utf-8", "replace")
                if name in ("d", "f"):
                    types[name] = ent.contents.d_type
        finally:
            libc.closedir(handle)
        return bool(types) and all(t != DT_UNKNOWN for t in types.values())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def xfs_ftype(mountpoint):
    try:
        out = subprocess.check_output(["xfs_info", mountpoint], stderr=subprocess.STDOUT).decode()
    except (OSError, subprocess.CalledProcessError):
        return None
    for token in out.replace(",", " ").split():
        if token.startswith("ftype="):
            return token.split("=", 1)[1] == "1"
    return None


def storage(data_root, table):
    probe = os.path.abspath(data_root)
    while not os.path.isdir(probe):
        probe = os.path.dirname(probe)
    mount = backing_mount(os.path.realpath(probe), table)
    result = {"data_root": data_root, "probed_path": probe, "exists": probe == os.path.abspath(data_root),
              "mountpoint": mount[0] if mount else None, "fstype": mount[1] if mount else None,
              "d_type": None, "xfs_ftype": None, "error": None}
    try:
        result["d_type"] = d_type_supported(probe)
    except OSError as exc:
        result["error"] = "d_type test in %s failed: %s" % (probe, exc)
    if result["fstype"] == "xfs":
        result["xfs_ftype"] = xfs_ftype(result["mountpoint"])
    return result


def read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def swap(table):
    cmdline = (read("/proc/cmdline") or "").split()
    unified = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    result = {"cgroup_version": 2 if unified else 1, "swap_limit": False, "evidence": None,
              "cmdline_swapaccount": [a for a in cmdline if a.startswith("swapaccount=") or a.startswith("cgroup_enable=")]}
    if unified:
        controllers = (read("/sys/fs/cgroup/cgroup.controllers") or "").split()
        if "memory" not in controllers:
            result["evidence"] = "memory controller not enabled in /sys/fs/cgroup/cgroup.controllers"
            return result
        for name in sorted(os.listdir("/sys/fs/cgroup")):
            candidate = os.path.join("/sys/fs/cgroup", name, "memory.swap.max")
            if os.path.exists(candidate):
                result["swap_limit"] = True
                result["evidence"] = candidate
                return result
        result["evidence"] = "no memory.swap.max under /sys/fs/cgroup (swap accounting off)"
        return result
    for mnt, fstype, sopts, _opts in table:
        if fstype == "cgroup" and "memory" in sopts.split(","):
            candidate = os.path.join(mnt, "memory.memsw.limit_in_bytes")
            result["swap_limit"] = os.path.exists(candidate)
            result["evidence"] = candidate if result["swap_limit"] else "no %s (swap accounting off)" % candidate
            return result
    result["evidence"] = "no cgroup v1 memory controller mounted"
    return result


def in_container():
    if os.path.exists("/.dockerenv") or os.path.exists("/run/.containerenv"):
        return True
    environ = read("/proc/1/environ") or ""
    return any(v.startswith("container=") for v in environ.split("\0"))


def installed(names):
    if not names:
        return []
    if os.path.exists("/usr/bin/dpkg-query"):
        cmd = ["dpkg-query", "-W", "-f", "${Package} ${Status}\\n"] + names
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = proc.communicate()[0].decode("utf-8", "replace")
        return sorted(set(line.split()[0].split(":")[0] for line in out.splitlines()
                          if line.endswith(" installed")))
    found = []
    for name in names:
        proc = subprocess.Popen(["rpm", "-q", "--quiet", name], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.communicate()
        if proc.returncode == 0:
            found.append(name)
    return found


def selinux_knows(context):
    """Ask the kernel whether the loaded policy accepts a context (libselinux security_check_context)."""
    try:
        fd = os.open("/sys/fs/selinux/context", os.O_RDWR)
    except OSError:
        return False
    try:
        os.write(fd, context.encode("ascii") + b"\0")
        return True
    except OSError:  # EINVAL: a type, role or user the policy does not define
        return False
    finally:
        os.close(fd)


def main():
    data_root = sys.argv[1] if len(sys.argv) > 1 else "/var/lib/docker"
    table = mounts()
    print(json.dumps({"storage": storage(data_root, table), "swap": swap(table), "container": in_container(),
                      "selinux": os.path.exists("/sys/fs/selinux/enforce"),
                      "selinux_container_policy": selinux_knows("system_u:system_r:container_t:s0"),
                      "packages": installed(sys.argv[2:])}))


if __name__ == "__main__":
    main()
