#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: package_lists
short_description: Refresh apt's package lists when they are missing, empty or stale, judged by their content
version_added: 0.1.0
description:
  - Every labforge.virt role that installs packages runs this first.
  - The lists are refreshed (C(apt-get update)) when C(/var/lib/apt/lists) holds no package index, when every
    index is empty, or when the last successful refresh is older than O(max_age).
  - The time of the last refresh is the stamp C(/var/lib/apt/periodic/update-success-stamp), which this module
    writes after a refresh; without a stamp, the newest index file. The directory's own mtime is never used - a
    freshly built image empties the directory, which makes it look minutes old, and
    C(ansible.builtin.apt)'s C(cache_valid_time) then skips the refresh and installs fail with "No package matching".
  - On hosts without apt (the RedHat family) nothing is done - dnf expires its metadata by itself.
author:
  - labforge.virt developers (@labforge)
options:
  max_age:
    description:
      - Refresh lists whose last refresh is older than this many seconds.
    type: int
    default: 86400
extends_documentation_fragment:
  - labforge.virt.attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode nothing is downloaded; the task reports C(changed) when a refresh would run.
  diff_mode:
    support: none
    details:
      - The lists are downloaded data, not configuration; there is no diff.
seealso:
  - module: ansible.builtin.apt
'''

EXAMPLES = r'''
- name: Make sure apt can name the packages the role installs
  labforge.virt.package_lists:
  register: __kvm_host_package_lists

- name: Install qemu and libvirt
  ansible.builtin.package:
    name: [qemu-system-x86, libvirt-daemon-system]
  when: not (ansible_check_mode and not __kvm_host_package_lists.usable)
'''

RETURN = r'''
refreshed:
  description: Whether C(apt-get update) ran (in check mode - would run).
  returned: always
  type: bool
reason:
  description: Why the lists were (or would be) refreshed; empty when they were usable and fresh.
  returned: always
  type: str
  sample: every package index is empty
usable:
  description: Whether the lists can name packages after this task. False in check mode when they are missing or empty.
  returned: always
  type: bool
manager:
  description: C(apt), or C(none) where the host has no apt and nothing was done.
  returned: always
  type: str
  sample: apt
indexes:
  description: Number of package index files, and how many of them are not empty, after this task.
  returned: always
  type: dict
  sample: {total: 4, nonempty: 4}
'''

import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.labforge.virt.plugins.module_utils._package_lists import (
    STAMP_PATH, list_state, refresh_reason,
)


def _result(state, refreshed, reason, manager='apt'):
    return dict(
        changed=refreshed, refreshed=refreshed, reason=reason or '', manager=manager,
        usable=state['nonempty_indexes'] > 0,
        indexes=dict(total=state['indexes'], nonempty=state['nonempty_indexes']),
    )


def _write_stamp():
    os.makedirs(os.path.dirname(STAMP_PATH), exist_ok=True)
    with open(STAMP_PATH, 'a'):
        pass
    os.utime(STAMP_PATH, None)


def main():
    module = AnsibleModule(
        argument_spec=dict(max_age=dict(type='int', default=86400)),
        supports_check_mode=True,
    )
    if module.params['max_age'] < 0:
        module.fail_json(msg='max_age must be 0 or more seconds, not %d' % module.params['max_age'])
    apt_get = module.get_bin_path('apt-get')
    if apt_get is None:
        module.exit_json(changed=False, refreshed=False, reason='', manager='none', usable=True,
                         indexes=dict(total=0, nonempty=0))

    state = list_state()
    reason = refresh_reason(state, module.params['max_age'], time.time())
    if reason is None or module.check_mode:
        module.exit_json(**_result(state, reason is not None, reason))

    rc, out, err = module.run_command(
        [apt_get, 'update', '-q'], environ_update={'DEBIAN_FRONTEND': 'noninteractive', 'LC_ALL': 'C'})
    if rc != 0:
        module.fail_json(msg='apt-get update failed (%s): %s' % (reason, (err or out).strip()[-2000:]), rc=rc)
    state = list_state()
    if state['nonempty_indexes'] == 0:
        module.fail_json(msg='apt-get update succeeded but no package index is usable: check the sources in '
                             '/etc/apt/sources.list and /etc/apt/sources.list.d/', stdout=out)
    _write_stamp()
    module.exit_json(**_result(list_state(), True, reason))


if __name__ == '__main__':
    main()
