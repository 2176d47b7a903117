#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: filesystem_info
short_description: Tell which mounted filesystem holds each path, also for paths that do not exist yet
version_added: 0.1.0
description:
  - For each path, finds the mount it lives on in C(/proc/self/mountinfo) (the longest mount point that
    prefixes the real path; of mounts stacked on one point, the last) and returns its type, source, mount
    point and options - what C(findmnt --target) prints.
  - For an NFS mount also the recovery mode the kernel applies (C(hard), C(soft), C(softerr)).
  - A path that does not exist yet is answered for its nearest existing parent, the filesystem it would be
    created on (RV(filesystems[].probed_path) says which).
  - Reads only; nothing is written.
author:
  - labforge.virt developers (@labforge)
options:
  paths:
    description:
      - The paths to look up. Symlinks are resolved.
    type: list
    elements: path
    required: true
extends_documentation_fragment:
  - labforge.virt.attributes
  - labforge.virt.attributes.info_module
seealso:
  - module: labforge.virt.direct_io_info
    description: Whether that filesystem accepts O_DIRECT (it writes a probe file).
  - module: ansible.builtin.mount_facts
    description: Every mount, without the path lookup.
'''

EXAMPLES = r'''
- name: Find the filesystem that holds the storage pool
  labforge.virt.filesystem_info:
    paths: [/var/lib/libvirt/images]
  register: pool_fs

- name: Warn when the pool is not on ext4 or xfs
  ansible.builtin.debug:
    msg: "The pool is on {{ pool_fs.filesystems[0].type }} ({{ pool_fs.filesystems[0].mount_point }})"
  when: pool_fs.filesystems[0].type not in ['ext4', 'xfs']
'''

RETURN = r'''
filesystems:
  description: One entry per O(paths), in that order.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The path asked about.
      type: str
      sample: /var/lib/libvirt/images/pool
    probed_path:
      description: The real path looked up - the path itself, or its nearest existing parent.
      type: str
      sample: /var/lib/libvirt/images
    exists:
      description: Whether the path exists.
      type: bool
      sample: false
    type:
      description: Filesystem type.
      type: str
      sample: ext4
    source:
      description: Mount source (device, C(server:/export), or the filesystem's name).
      type: str
      sample: /dev/vda1
    mount_point:
      description: Where that filesystem is mounted.
      type: str
      sample: /
    options:
      description: Per-mount options (C(ro) or C(rw) first).
      type: str
      sample: rw,relatime
    super_options:
      description: Superblock options.
      type: str
      sample: rw,errors=remount-ro
    nfs_recovery:
      description:
        - For an NFS mount (type C(nfs) or C(nfs4)) the recovery mode the kernel applies, C(hard), C(soft) or C(softerr), read
          from its options as nfs(5) resolves them (the kernel writes it into the superblock options); null for other filesystems.
        - On a C(soft) or C(softerr) mount an operation that times out fails with an error the application may not expect,
          and a write can be lost silently (nfs(5), "The soft option").
      type: str
      returned: always
      version_added: 0.1.0
      sample: soft
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labforge.virt.plugins.module_utils._direct_io import (
    backing_mount, mount_summary, read_mountinfo)
from ansible_collections.labforge.virt.plugins.module_utils._nfs import NFS_FSTYPES, recovery_mode


def describe(mount):
    """What is returned of a mountinfo entry (None: all null), with the NFS recovery mode."""
    mount = mount_summary(mount) or {}
    entry = dict((key, mount.get(key)) for key in ('type', 'source', 'mount_point', 'options', 'super_options'))
    entry['nfs_recovery'] = None
    if entry['type'] in NFS_FSTYPES:
        # The kernel writes hard/soft/softerr into the superblock options; both fields are read.
        entry['nfs_recovery'] = recovery_mode([entry['options'] or '', entry['super_options'] or ''])
    return entry


def lookup(path, mounts):
    """The filesystem entry of one path (its nearest existing parent when it does not exist)."""
    probed, mount = backing_mount(path, mounts)
    entry = {'path': path, 'probed_path': probed, 'exists': os.path.exists(path)}
    entry.update(describe(mount))
    return entry


def main():
    module = AnsibleModule(
        argument_spec=dict(paths=dict(type='list', elements='path', required=True)),
        supports_check_mode=True,
    )
    mounts = read_mountinfo()
    module.exit_json(changed=False, filesystems=[lookup(path, mounts) for path in module.params['paths']])


if __name__ == '__main__':
    main()
