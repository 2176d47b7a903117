#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: direct_io_info
short_description: Tell whether a directory's filesystem accepts O_DIRECT, and which mount it sits on
version_added: 0.1.0
description:
  - Probes a directory the way a database does - creates a uniquely named temporary file there
    (C(mkstemp)), opens it with C(O_RDWR|O_CREAT|O_DIRECT), writes one block from a page-aligned
    buffer, calls C(fsync), reads the block back, and always removes the file.
  - Reports whether that worked, the errno when it did not (for example C(EINVAL) on aufs, ramfs, or
    tmpfs before Linux 6.6), and the filesystem type, source and mount point the directory sits on
    (from C(/proc/self/mountinfo), longest mount point prefix of the real path).
  - Db2 and Oracle open their data and log files with O_DIRECT; run this before placing their data
    directories, and set O(require=true) to stop with an explanation when the filesystem refuses it.
author:
  - labforge.virt developers (@labforge)
options:
  path:
    description:
      - The directory to probe. Symlinks are resolved.
    type: path
    required: true
  require:
    description:
      - Fail when the filesystem does not accept O_DIRECT, with a message explaining why Db2 and Oracle need it.
    type: bool
    default: false
  nearest_existing:
    description:
      - When O(path) does not exist yet, probe its nearest existing parent directory instead - the filesystem
        a directory created there later would live on (RV(probed_path) says which). The module never creates it.
      - When V(false) and O(path) does not exist, the task fails.
    type: bool
    default: false
    version_added: 0.1.0
  block_size:
    description:
      - Size of the aligned block written and read back, a power of two between 512 and 1048576.
        4096 satisfies both 512-byte and 4K-sector devices.
    type: int
    default: 4096
extends_documentation_fragment:
  - labforge.virt.attributes
  - labforge.virt.attributes.info_module
notes:
  - The probe also runs in check mode. It is non-destructive - it only writes a new temporary file
    with a unique name in the directory and removes it again; nothing that was there is touched.
  - The user running the module must be able to create files in O(path) (use V(become=true) for root-owned directories).
  - Inside a container the answer is about the container's view, for example C(overlay) for the root
    filesystem or the host filesystem of a bind mount.
seealso:
  - name: open(2) O_DIRECT
    description: Alignment rules and filesystems that refuse O_DIRECT.
    link: https://man7.org/linux/man-pages/man2/open.2.html
'''

EXAMPLES = r'''
- name: Refuse to put Db2's data on a filesystem without O_DIRECT
  labforge.virt.direct_io_info:
    path: /srv/db2/data
    require: true
  become: true

- name: Check the filesystem of a data directory that a later task creates
  labforge.virt.direct_io_info:
    path: /srv/oracle/oradata
    nearest_existing: true
  register: oradata_dio

- name: Show the answer
  ansible.builtin.debug:
    msg: >-
      {{ oradata_dio.probed_path }} is on {{ oradata_dio.filesystem.type }}
      ({{ oradata_dio.filesystem.mount_point }}): O_DIRECT
      {{ 'works' if oradata_dio.supported else 'refused with ' ~ oradata_dio.errno }}
'''

RETURN = r'''
path:
  description: The O(path) asked about.
  returned: always
  type: str
  sample: /srv/db2/data
probed_path:
  description: The real directory probed (symlinks resolved; with O(nearest_existing), the nearest existing parent of a missing O(path)).
  returned: always
  type: str
  sample: /srv/db2/data
supported:
  description: Whether the O_DIRECT open, aligned write, fsync and read-back all succeeded.
  returned: always
  type: bool
  sample: true
errno:
  description: Symbolic errno of the refused step, or null.
  returned: always
  type: str
  sample: EINVAL
error:
  description: Error text of the refused step, or null.
  returned: always
  type: str
  sample: Invalid argument
stage:
  description: The step that failed, or null when O_DIRECT works.
  returned: always
  type: str
  choices: [open, write, fsync, read]
  sample: open
block_size:
  description: Size in bytes of the aligned block written and read back.
  returned: always
  type: int
  sample: 4096
fs_block_size:
  description: The filesystem's block size (C(statvfs f_bsize)).
  returned: always
  type: int
  sample: 4096
filesystem:
  description: The mount the probed directory sits on, from C(/proc/self/mountinfo); null when it cannot be read.
  returned: always
  type: dict
  contains:
    type:
      description: Filesystem type.
      type: str
      sample: ext4
    source:
      description: Mount source (device or pseudo name).
      type: str
      sample: /dev/vda
    mount_point:
      description: Where it is mounted.
      type: str
      sample: /
    root:
      description: The directory of the filesystem mounted there (not C(/) for bind mounts).
      type: str
      sample: /
    options:
      description: Per-mount options.
      type: str
      sample: rw,relatime
    super_options:
      description: Filesystem (superblock) options.
      type: str
      sample: rw,discard
    mount_id:
      description: Mount ID.
      type: int
      sample: 27
    major_minor:
      description: Device numbers of the filesystem.
      type: str
      sample: "254:0"
mountinfo_error:
  description: Why C(/proc/self/mountinfo) could not be read, or null.
  returned: always
  type: str
  sample: null
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.labforge.virt.plugins.module_utils._direct_io import (
    ProbeError,
    backing_mount,
    explain_unsupported,
    mount_summary,
    probe_direct_io,
    read_mountinfo,
    valid_block_size,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            require=dict(type='bool', default=False),
            nearest_existing=dict(type='bool', default=False),
            block_size=dict(type='int', default=4096),
        ),
        supports_check_mode=True,
    )
    path = module.params['path']
    block_size = module.params['block_size']
    result = dict(changed=False, path=path)

    if not valid_block_size(block_size):
        module.fail_json(msg='block_size must be a power of two between 512 and 1048576, got %s' % block_size, **result)

    if not os.path.exists(path) and not module.params['nearest_existing']:
        module.fail_json(msg='%s does not exist. Create it first, or set nearest_existing: true to probe the '
                             'filesystem it would be created on.' % path, **result)
    mounts = []
    result['mountinfo_error'] = None
    try:
        mounts = read_mountinfo()
    except (IOError, OSError, ValueError) as e:
        result['mountinfo_error'] = to_native(e)
    target, mount = backing_mount(path, mounts)
    if not os.path.isdir(target):
        module.fail_json(msg='%s is not a directory; give the directory the data files will live in' % target, **result)
    result['probed_path'] = target
    result['filesystem'] = mount_summary(mount)
    try:
        result['fs_block_size'] = os.statvfs(target).f_bsize
    except OSError:
        result['fs_block_size'] = None

    try:
        probe = probe_direct_io(target, block_size)
    except ProbeError as e:
        module.fail_json(msg='Cannot probe O_DIRECT: %s. Run the task as a user who can create files there '
                             '(become: true), or point path at the data directory itself.' % to_native(e), **result)
    cleanup_error = probe.pop('cleanup_error')
    result.update(probe)
    if cleanup_error:
        module.warn(cleanup_error)

    if module.params['require'] and not result['supported']:
        module.fail_json(msg=explain_unsupported(target, probe, result['filesystem']), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
