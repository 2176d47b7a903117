#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: engine_host_info
short_description: Read what a container engine needs from its host, before the engine is installed
version_added: 0.1.0
description:
  - Reports the filesystem that backs the engine's data root and whether it gives overlay2 what it
    needs (C(d_type), and C(ftype=1) on xfs), whether the kernel accounts swap per cgroup, whether the
    host is itself a container, whether SELinux is enabled and its loaded policy defines C(container_t),
    and which of the named packages are installed.
  - The C(d_type) test is the one dockerd makes - a file and a directory are created in a fresh temporary
    directory on that filesystem and read back with C(readdir); the directory is always removed.
author:
  - labforge.virt developers (@labforge)
options:
  data_root:
    description:
      - The engine's data root. When it does not exist yet, its nearest existing parent is probed - the
        filesystem it will be created on (RV(storage.probed_path) says which).
    type: path
    default: /var/lib/docker
  packages:
    description:
      - Package names to look up with C(dpkg-query) (Debian family) or C(rpm) (RHEL family).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - labforge.virt.attributes
  - labforge.virt.attributes.info_module
notes:
  - The probe runs in check mode too. Its only write is the temporary directory of the C(d_type) test, in
    the probed directory, so the user running it must be able to create one there (V(become=true)).
  - C(xfs_info) answers the C(ftype) question on xfs; without it RV(storage.xfs_ftype) is null.
seealso:
  - module: community.docker.docker_host_info
    description: What a running daemon reports.
  - name: Docker's overlay2 requirements
    description: d_type, and ftype=1 on xfs.
    link: https://docs.docker.com/engine/storage/drivers/overlayfs-driver/
'''

EXAMPLES = r'''
- name: Read the host before installing Docker
  labforge.virt.engine_host_info:
    data_root: /srv/docker
    packages: [docker.io, containerd]
  register: engine_host
  become: true

- name: Refuse a data root overlay2 cannot use
  ansible.builtin.assert:
    that: engine_host.storage.d_type
    fail_msg: "{{ engine_host.storage.probed_path }} ({{ engine_host.storage.fstype }}) has no d_type"
'''

RETURN = r'''
storage:
  description: The filesystem that backs O(data_root).
  returned: always
  type: dict
  contains:
    data_root:
      description: The O(data_root) asked about.
      type: str
      sample: /var/lib/docker
    probed_path:
      description: The directory probed, O(data_root) or its nearest existing parent.
      type: str
      sample: /var/lib
    exists:
      description: Whether O(data_root) exists.
      type: bool
      sample: false
    mountpoint:
      description: Mount point of that filesystem (longest prefix in C(/proc/self/mountinfo)).
      type: str
      sample: /
    fstype:
      description: Its filesystem type.
      type: str
      sample: ext4
    d_type:
      description: Whether C(readdir) there reports entry types; null when the test could not run.
      type: bool
      sample: true
    xfs_ftype:
      description: On xfs, whether it was made with C(ftype=1); null elsewhere or when C(xfs_info) is missing.
      type: bool
      sample: null
    error:
      description: Why the C(d_type) test could not run, or null.
      type: str
      sample: null
swap:
  description: Per-cgroup swap accounting.
  returned: always
  type: dict
  contains:
    cgroup_version:
      description: 2 on the unified hierarchy, else 1.
      type: int
      sample: 2
    swap_limit:
      description: Whether containers can be given a swap limit.
      type: bool
      sample: true
    evidence:
      description: The file that says so, or why not.
      type: str
      sample: /sys/fs/cgroup/system.slice/memory.swap.max
    cmdline_swapaccount:
      description: C(swapaccount=) and C(cgroup_enable=) arguments on the kernel command line.
      type: list
      elements: str
      sample: []
container:
  description: Whether the host is itself a container (C(/.dockerenv), C(/run/.containerenv) or PID 1's C(container=)).
  returned: always
  type: bool
  sample: false
selinux:
  description: Whether SELinux is enabled (C(/sys/fs/selinux/enforce) exists).
  returned: always
  type: bool
  sample: true
selinux_container_policy:
  description: Whether the loaded SELinux policy defines C(container_t), the type dockerd labels containers with.
  returned: always
  type: bool
  sample: false
packages:
  description: Which of O(packages) are installed.
  returned: always
  type: list
  elements: str
  sample: [docker.io]
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labforge.virt.plugins.module_utils._direct_io import read_mountinfo
from ansible_collections.labforge.virt.plugins.module_utils._engine_host import (
    CONTAINER_CONTEXT, in_container, parse_dpkg_query, selinux_knows, storage, swap_accounting)


def installed_packages(module, names):
    if not names:
        return []
    dpkg_query = module.get_bin_path('dpkg-query')
    if dpkg_query:
        # rc 1 only means some name is unknown to dpkg; the known ones are printed all the same.
        rc, out, err = module.run_command([dpkg_query, '-W', '-f', '${Package} ${Status}\\n'] + names)
        if rc not in (0, 1):
            module.fail_json(msg='dpkg-query failed: %s' % err.strip())
        return parse_dpkg_query(out)
    rpm = module.get_bin_path('rpm', required=True)
    return [name for name in names if module.run_command([rpm, '-q', '--quiet', name])[0] == 0]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            data_root=dict(type='path', default='/var/lib/docker'),
            packages=dict(type='list', elements='str', default=[]),
        ),
        supports_check_mode=True,
    )
    xfs_info_bin = module.get_bin_path('xfs_info')

    def xfs_info(mount_point):
        if not xfs_info_bin:
            return None
        rc, out, dummy = module.run_command([xfs_info_bin, mount_point])
        return out if rc == 0 else None

    mounts = read_mountinfo()
    with open('/proc/cmdline') as handle:
        cmdline = handle.read()
    module.exit_json(
        changed=False,
        storage=storage(module.params['data_root'], mounts, xfs_info=xfs_info),
        swap=swap_accounting(mounts, cmdline=cmdline),
        container=in_container(),
        selinux=os.path.exists('/sys/fs/selinux/enforce'),
        selinux_container_policy=selinux_knows(CONTAINER_CONTEXT),
        packages=installed_packages(module, module.params['packages']),
    )


if __name__ == '__main__':
    main()
