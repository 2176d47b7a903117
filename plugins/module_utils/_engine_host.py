# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a container engine needs from its host, read before it is installed (private to labforge.virt).

Every reader takes its root or its command output as an argument, so the unit tests run it on
captured files; engine_host_info wires them to the live host.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ctypes
import ctypes.util
import os
import shutil
import tempfile

from ansible_collections.labforge.virt.plugins.module_utils._direct_io import backing_mount
# PATH as seen from a root ('/' live, a snapshot directory in tests), and a read that never raises.
from ansible_collections.labforge.virt.plugins.module_utils._virt_host import _path as _at, _read

DT_UNKNOWN = 0
D_TYPE_PREFIX = '.labforge-dtype-'
# The type dockerd gives containers when it runs with selinux-enabled.
CONTAINER_CONTEXT = 'system_u:system_r:container_t:s0'


class _Dirent64(ctypes.Structure):
    _fields_ = [('d_ino', ctypes.c_uint64), ('d_off', ctypes.c_int64), ('d_reclen', ctypes.c_ushort),
                ('d_type', ctypes.c_ubyte), ('d_name', ctypes.c_char * 256)]


def _readdir_types(directory):
    """{name: d_type} of a directory as readdir(3) reports it (os.scandir hides DT_UNKNOWN)."""
    libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6', use_errno=True)
    libc.opendir.restype = ctypes.c_void_p
    libc.opendir.argtypes = [ctypes.c_char_p]
    libc.readdir64.restype = ctypes.POINTER(_Dirent64)
    libc.readdir64.argtypes = [ctypes.c_void_p]
    libc.closedir.argtypes = [ctypes.c_void_p]
    handle = libc.opendir(directory.encode())
    if not handle:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno), directory)
    types = {}
    try:
        while True:
            entry = libc.readdir64(handle)
            if not entry:
                return types
            types[entry.contents.d_name.decode('utf-8', 'replace')] = entry.contents.d_type
    finally:
        libc.closedir(handle)


def d_type_supported(directory, readdir_types=_readdir_types):
    """dockerd's own check for overlay2: does readdir on DIRECTORY's filesystem report entry types?
    A file and a directory are created in a fresh temporary directory there, which is always removed."""
    tmp = tempfile.mkdtemp(prefix=D_TYPE_PREFIX, dir=directory)
    try:
        os.mkdir(os.path.join(tmp, 'd'))
        with open(os.path.join(tmp, 'f'), 'w'):
            pass
        types = dict((name, kind) for name, kind in readdir_types(tmp).items() if name in ('d', 'f'))
        return len(types) == 2 and DT_UNKNOWN not in types.values()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def parse_xfs_info(text):
    """ftype=1 (True), ftype=0 (False) or not said (None) in xfs_info's output."""
    for token in text.replace(',', ' ').split():
        if token.startswith('ftype='):
            return token.split('=', 1)[1] == '1'
    return None


def storage(data_root, mounts, d_type_probe=d_type_supported, xfs_info=None):
    """The filesystem that backs DATA_ROOT, or its nearest existing parent before it exists.
    xfs_info(mount_point) returns xfs_info's output or None; it is asked only on xfs."""
    probed, mount = backing_mount(data_root, mounts)
    result = {'data_root': data_root, 'probed_path': probed, 'exists': os.path.exists(data_root),
              'mountpoint': mount['mount_point'] if mount else None, 'fstype': mount['fstype'] if mount else None,
              'd_type': None, 'xfs_ftype': None, 'error': None}
    try:
        result['d_type'] = d_type_probe(probed)
    except (IOError, OSError) as exc:
        result['error'] = 'd_type test in %s failed: %s' % (probed, exc)
    if result['fstype'] == 'xfs' and xfs_info is not None:
        text = xfs_info(result['mountpoint'])
        result['xfs_ftype'] = parse_xfs_info(text) if text else None
    return result


def swap_accounting(mounts, root='/', cmdline=''):
    """Whether the kernel accounts swap per cgroup (what docker's "No swap limit support" is about)."""
    cgroup_root = _at(root, '/sys/fs/cgroup')
    controllers_file = os.path.join(cgroup_root, 'cgroup.controllers')
    unified = os.path.exists(controllers_file)
    result = {'cgroup_version': 2 if unified else 1, 'swap_limit': False, 'evidence': None,
              'cmdline_swapaccount': [arg for arg in cmdline.split()
                                      if arg.startswith('swapaccount=') or arg.startswith('cgroup_enable=')]}
    if unified:
        if 'memory' not in (_read(controllers_file) or '').split():
            result['evidence'] = 'memory controller not enabled in /sys/fs/cgroup/cgroup.controllers'
            return result
        for name in sorted(os.listdir(cgroup_root)):
            if os.path.exists(os.path.join(cgroup_root, name, 'memory.swap.max')):
                result.update(swap_limit=True, evidence='/sys/fs/cgroup/%s/memory.swap.max' % name)
                return result
        result['evidence'] = 'no memory.swap.max under /sys/fs/cgroup (swap accounting off)'
        return result
    for mount in mounts:
        if mount['fstype'] == 'cgroup' and 'memory' in mount['super_options'].split(','):
            candidate = os.path.join(mount['mount_point'], 'memory.memsw.limit_in_bytes')
            found = os.path.exists(_at(root, candidate))
            result.update(swap_limit=found, evidence=candidate if found else 'no %s (swap accounting off)' % candidate)
            return result
    result['evidence'] = 'no cgroup v1 memory controller mounted'
    return result


def in_container(root='/'):
    """Whether this host is itself a container (then it has no bootloader to change)."""
    if os.path.exists(_at(root, '/.dockerenv')) or os.path.exists(_at(root, '/run/.containerenv')):
        return True
    environ = _read(_at(root, '/proc/1/environ')) or ''
    return any(var.startswith('container=') for var in environ.split('\0'))


def parse_dpkg_query(text):
    """Installed package names from `dpkg-query -W -f '${Package} ${Status}\\n'` (architecture dropped)."""
    return sorted(set(line.split()[0].split(':')[0] for line in text.splitlines()
                      if line.strip() and line.endswith(' installed')))


def selinux_knows(context, selinuxfs='/sys/fs/selinux'):
    """Whether the loaded policy accepts CONTEXT (what libselinux's security_check_context asks the kernel)."""
    try:
        fd = os.open(os.path.join(selinuxfs, 'context'), os.O_RDWR)
    except OSError:
        return False
    try:
        os.write(fd, context.encode('ascii') + b'\0')
        return True
    except OSError:  # EINVAL: a type, role or user the policy does not define
        return False
    finally:
        os.close(fd)
