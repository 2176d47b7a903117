#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: svirt_label_info
short_description: Audit the sVirt (SELinux MCS) labels of running qemu guests and their disk images
version_added: 0.1.0
description:
  - Finds every running C(qemu-system-*) or C(qemu-kvm) process by scanning C(/proc/*/cmdline),
    reads its SELinux label from C(/proc/PID/attr/current) and the libvirt domain it belongs to
    from the C(-name guest=NAME) argument.
  - Collects each guest's disks from the qemu command line (libvirt C(-blockdev) JSON or
    key=value, and the older C(-drive file=...)) and from the libvirt domain XML (the live
    status XML under C(/run/libvirt/qemu) first, then the definition under C(/etc/libvirt/qemu)),
    and reads each disk's C(security.selinux) extended attribute.
  - Reports findings that break sVirt's promise that one guest cannot reach another guest's
    disks - V(unconfined) (the process type is not one of O(confined_types), or SELinux is not
    enabled at all), V(no_categories) (a confined process with a bare C(s0) level),
    V(duplicate_categories) (two guests with the same category set),
    V(image_category_mismatch) (a disk labelled with categories other than its process's) and
    V(static_no_relabel) (a static C(<seclabel>) with C(relabel='no'), so libvirt never labels the images).
  - Files are looked up in the module's mount namespace first, then through C(/proc/PID/root) of the
    qemu process, so guests whose libvirt runs in a container are audited too.
  - Disks whose label has no categories (C(s0), for example C(<shareable/>) disks labelled
    C(svirt_image_t:s0) or read-only and backing images labelled C(virt_content_t:s0)) are
    listed in RV(shared_disks), not reported as findings.
  - On a host without SELinux the module still lists qemu processes (with no label) and reports
    each one as V(unconfined); with no qemu process running all lists are empty.
author:
  - labforge.virt developers (@labforge)
options:
  fail_on_findings:
    description:
      - Fail the task when there is at least one finding. The result still carries all data.
    type: bool
    default: false
  confined_types:
    description:
      - SELinux process types that count as confined by sVirt.
    type: list
    elements: str
    default: [svirt_t, svirt_tcg_t]
  proc_root:
    description:
      - Where the proc filesystem is mounted. Only tests change this.
    type: path
    default: /proc
  xml_dirs:
    description:
      - Directories searched, in order, for C(<domain name>.xml).
      - The live status XML in C(/run/libvirt/qemu) reflects the running guest (including the
        dynamic label libvirt picked), the definition in C(/etc/libvirt/qemu) only what was configured.
    type: list
    elements: path
    default: [/run/libvirt/qemu, /etc/libvirt/qemu]
  selinuxfs:
    description:
      - Where selinuxfs is mounted; SELinux counts as enabled when C(<selinuxfs>/enforce) is readable.
    type: path
    default: /sys/fs/selinux
extends_documentation_fragment:
  - labforge.virt.attributes
  - labforge.virt.attributes.info_module
notes:
  - Run as root (V(become=true)); other users cannot read other processes' C(cmdline) or libvirt's XML.
  - Only qemu processes running on this host are seen; labels are read, never changed.
seealso:
  - name: libvirt sVirt documentation
    description: How libvirt assigns dynamic and static SELinux labels to guests and images.
    link: https://libvirt.org/drvqemu.html#selinux-basic-confinement
  - name: labforge.virt.mcs_allocate filter
    description: Allocate unique static category pairs for a set of guests.
    link: https://github.com/labforge/virt/blob/main/docs/svirt_label_info.md
'''

EXAMPLES = r'''
- name: Audit sVirt labels and fail when a guest is unconfined or shares categories
  labforge.virt.svirt_label_info:
    fail_on_findings: true
  become: true

- name: Collect the labels for a report
  labforge.virt.svirt_label_info:
  become: true
  register: svirt

- name: Show each guest's label
  ansible.builtin.debug:
    msg: "{{ svirt.guests | map(attribute='label') | list }}"
'''

RETURN = r'''
selinux_enabled:
  description: Whether SELinux is enabled (selinuxfs mounted).
  returned: always
  type: bool
  sample: true
selinux_mode:
  description: SELinux mode of the host.
  returned: always
  type: str
  choices: [enforcing, permissive, disabled]
  sample: enforcing
guests:
  description: One entry per running qemu process.
  returned: always
  type: list
  elements: dict
  contains:
    pid:
      description: Process ID.
      type: int
      sample: 4242
    binary:
      description: The qemu binary (argv[0]).
      type: str
      sample: /usr/bin/qemu-system-x86_64
    domain:
      description: libvirt domain name from C(-name guest=NAME), or null for a qemu started without a name.
      type: str
      sample: web1
    uuid:
      description: Domain UUID from C(-uuid) or the XML.
      type: str
      sample: 6f1a4ee6-52a4-4f38-9ab3-0c3f5e1b9a9d
    label:
      description: The process's SELinux context, or null when it cannot be read (SELinux disabled).
      type: str
      sample: system_u:system_r:svirt_t:s0:c107,c434
    type:
      description: SELinux type of the process.
      type: str
      sample: svirt_t
    level:
      description: MLS/MCS level (range) of the process.
      type: str
      sample: s0:c107,c434
    categories:
      description: Category numbers of the process's (low) level.
      type: list
      elements: int
      sample: [107, 434]
    mcs:
      description: Categories as written in a label (empty string when there are none).
      type: str
      sample: c107,c434
    user:
      description: SELinux user of the process (only when the label parses).
      type: str
      returned: when the label parses
      sample: system_u
    role:
      description: SELinux role of the process (only when the label parses).
      type: str
      returned: when the label parses
      sample: system_r
    confined:
      description: Whether SELinux is enabled and the process type is one of O(confined_types).
      type: bool
      sample: true
    label_error:
      description: Why the label could not be read or parsed.
      type: str
      sample: "EINVAL: Invalid argument"
    xml_path:
      description: The domain XML that was used, or null.
      type: str
      sample: /run/libvirt/qemu/web1.xml
    xml_error:
      description: Why a domain XML could not be parsed.
      type: str
    seclabel:
      description: The C(model='selinux') C(<seclabel>) of the domain XML, or null.
      type: dict
      sample: {model: selinux, type: dynamic, relabel: 'yes', label: 'system_u:system_r:svirt_t:s0:c107,c434',
               imagelabel: 'system_u:object_r:svirt_image_t:s0:c107,c434', baselabel: null}
    disks:
      description: The guest's disks with their file labels.
      type: list
      elements: dict
      contains:
        path:
          description: Image or device path.
          type: str
          sample: /var/lib/libvirt/images/web1.qcow2
        source:
          description: Where the disk was found.
          type: str
          choices: [cmdline, xml, cmdline+xml]
        readonly:
          description: Read-only disk (C(<readonly/>), a read-only blockdev, or a cdrom).
          type: bool
        backing:
          description: A backing image of another disk.
          type: bool
        shareable:
          description: The XML marks the disk C(<shareable/>).
          type: bool
        device:
          description: XML device kind (disk, cdrom, ...) or null.
          type: str
        relabel:
          description: Per-disk C(<seclabel relabel=...>) from the XML, or null.
          type: str
        label:
          description: The file's C(security.selinux) label or null.
          type: str
          sample: system_u:object_r:svirt_image_t:s0:c107,c434
        type:
          description: SELinux type of the file.
          type: str
          sample: svirt_image_t
        level:
          description: Level of the file label.
          type: str
        categories:
          description: Category numbers of the file label.
          type: list
          elements: int
        mcs:
          description: Categories of the file label as text.
          type: str
        shared:
          description: The label has no categories (C(s0)); listed in RV(shared_disks).
          type: bool
        label_error:
          description: Why the label could not be read (for example C(ENODATA) without SELinux, C(ENOENT)).
          type: str
        read_via:
          description:
            - When the image exists only in qemu's mount namespace (libvirt in a container), the
              C(/proc/PID/root/...) path its label was read through; null otherwise.
          type: str
findings:
  description: Problems found. Empty when every guest is confined with its own categories.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: What is wrong.
      type: str
      choices: [unconfined, no_categories, duplicate_categories, image_category_mismatch, static_no_relabel]
    domain:
      description: The guest concerned (null for findings about several guests).
      type: str
    pid:
      description: The process concerned (null for findings about several guests).
      type: int
    domains:
      description: All guests concerned.
      type: list
      elements: str
    pids:
      description: All processes concerned.
      type: list
      elements: int
    path:
      description: The disk concerned, for V(image_category_mismatch).
      type: str
    label:
      description: The label concerned.
      type: str
    mcs:
      description: The categories concerned.
      type: str
    message:
      description: Explanation and what to do.
      type: str
shared_disks:
  description: Disks whose label carries no categories (C(s0)), readable by any confined guest by design.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: Disk path.
      type: str
    label:
      description: Its label.
      type: str
      sample: system_u:object_r:svirt_image_t:s0
    domains:
      description: Guests using it.
      type: list
      elements: str
    pids:
      description: Processes using it.
      type: list
      elements: int
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labforge.virt.plugins.module_utils._selinux import selinux_status
from ansible_collections.labforge.virt.plugins.module_utils._svirt import audit


def main():
    module = AnsibleModule(
        argument_spec=dict(
            fail_on_findings=dict(type='bool', default=False),
            confined_types=dict(type='list', elements='str', default=['svirt_t', 'svirt_tcg_t']),
            proc_root=dict(type='path', default='/proc'),
            xml_dirs=dict(type='list', elements='path', default=['/run/libvirt/qemu', '/etc/libvirt/qemu']),
            selinuxfs=dict(type='path', default='/sys/fs/selinux'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    enabled, mode = selinux_status(p['selinuxfs'])
    result = audit(
        proc_root=p['proc_root'],
        xml_dirs=p['xml_dirs'],
        selinux_enabled=enabled,
        confined_types=tuple(p['confined_types']),
    )
    result.update(changed=False, selinux_enabled=enabled, selinux_mode=mode)
    if p['fail_on_findings'] and result['findings']:
        lines = ['- %s: %s' % (f['kind'], f['message']) for f in result['findings']]
        module.fail_json(msg='sVirt audit found %d problem(s):\n%s' % (len(lines), '\n'.join(lines)), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
