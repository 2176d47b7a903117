#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: selinux_boolean_grant
short_description: Switch on the SELinux booleans a role needs, and back off when no role needs them
version_added: 0.1.0
description:
  - Makes O(booleans) the exact set of SELinux booleans O(owner) needs. Those that are off are switched on
    persistently (C(setsebool -P)); those O(owner) needed before but no longer are let go of.
  - A boolean is global to the host and several owners can need it. A ledger on the host (O(ledger)) records, for
    each boolean an owner needs, the value it had before any owner needed it and which owners need it. When the
    last owner lets go, the boolean is switched back off - only if it was off before. A boolean that was on
    already (Fedora and RHEL ship C(nfs_export_all_ro) on) is left on.
  - Booleans the loaded policy does not define are left out and returned in RV(missing); whether that is an error
    is the caller's to say.
  - Used by labforge.virt.nfs_server (export booleans) and labforge.virt.shared_volume (container NFS booleans).
author:
  - labforge.virt developers (@labforge)
options:
  owner:
    description:
      - Who needs the booleans, as recorded in the ledger, for example V(nfs_server) or V(shared_volume/data).
    type: str
    required: true
  booleans:
    description:
      - Every boolean O(owner) needs now. An empty list lets go of all of them.
    type: list
    elements: str
    required: true
  ledger:
    description:
      - The ledger file on the managed host. Every owner on a host must use the same one.
    type: path
    default: /var/lib/labforge/selinux-booleans.json
extends_documentation_fragment:
  - labforge.virt.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the booleans and the ledger and reports what would change; nothing is set or written.
  diff_mode:
    support: full
    details:
      - The diff shows the values of the booleans this task switches and the ledger, before and after.
requirements:
  - C(getsebool) and C(setsebool) (policycoreutils), SELinux enabled.
seealso:
  - module: ansible.posix.seboolean
'''

EXAMPLES = r'''
- name: Let nfsd export read-write (and read-only) files
  labforge.virt.selinux_boolean_grant:
    owner: nfs_server
    booleans: [nfs_export_all_ro, nfs_export_all_rw]

- name: The exports are read-only now - nfs_export_all_rw goes back off if this role turned it on
  labforge.virt.selinux_boolean_grant:
    owner: nfs_server
    booleans: [nfs_export_all_ro]
'''

RETURN = r'''
turned_on:
  description: The booleans switched on (in check mode - that would be).
  returned: always
  type: list
  elements: str
  sample: [nfs_export_all_rw]
turned_off:
  description: The booleans switched back off because no owner needs them and they were off before.
  returned: always
  type: list
  elements: str
  sample: []
missing:
  description: Booleans of O(booleans) the loaded policy does not define; left out.
  returned: always
  type: list
  elements: str
  sample: [container_use_nfs]
granted:
  description: The booleans the ledger records for O(owner) after this task.
  returned: always
  type: list
  elements: str
  sample: [nfs_export_all_ro, nfs_export_all_rw]
'''

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.labforge.virt.plugins.module_utils._sebool_grants import (
    GrantError, dump_ledger, parse_getsebool, parse_ledger, plan, setsebool_args,
)


def _read_ledger(path):
    try:
        with open(path) as f:
            return f.read()
    except IOError as e:
        if os.path.exists(path):
            raise GrantError('cannot read the ledger %s: %s' % (path, e))
        return ''


def _write_ledger(module, path, text):
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    fd, tmp = tempfile.mkstemp(prefix='.selinux-booleans.', dir=directory)
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    module.atomic_move(tmp, path)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            owner=dict(type='str', required=True),
            booleans=dict(type='list', elements='str', required=True),
            ledger=dict(type='path', default='/var/lib/labforge/selinux-booleans.json'),
        ),
        supports_check_mode=True,
    )
    owner, wanted, ledger_path = (module.params[k] for k in ('owner', 'booleans', 'ledger'))
    if not owner.strip():
        module.fail_json(msg='owner must not be empty')
    getsebool = module.get_bin_path('getsebool', required=True)
    rc, out, err = module.run_command([getsebool, '-a'], environ_update={'LC_ALL': 'C'})
    if rc != 0:
        module.fail_json(msg='getsebool -a failed (is SELinux enabled?): %s' % (err or out).strip())
    try:
        ledger_text = _read_ledger(ledger_path)
        current = parse_getsebool(out)
        before = parse_ledger(ledger_text)
        change = plan(current, before, owner, wanted)
    except GrantError as e:
        module.fail_json(msg='%s: %s' % (ledger_path, e))

    switched = change['turn_on'] + change['turn_off']
    new_ledger_text = dump_ledger(change['ledger'])
    ledger_changed = change['ledger'] != before
    result = dict(
        changed=bool(switched) or ledger_changed,
        turned_on=change['turn_on'], turned_off=change['turn_off'], missing=change['missing'],
        granted=sorted(name for name, entry in change['ledger'].items() if owner in entry['owners']),
    )
    if module._diff:
        result['diff'] = [
            dict(before_header='SELinux booleans', after_header='SELinux booleans',
                 before=''.join('%s --> %s\n' % (n, 'on' if current[n] else 'off') for n in sorted(switched)),
                 after=''.join('%s --> %s\n' % (n, 'on' if n in change['turn_on'] else 'off') for n in sorted(switched))),
            dict(before_header=ledger_path, after_header=ledger_path,
                 before=ledger_text, after=new_ledger_text if ledger_changed else ledger_text),
        ]
    if module.check_mode or not result['changed']:
        module.exit_json(**result)

    if switched:
        setsebool = module.get_bin_path('setsebool', required=True)
        args = setsebool_args(change['turn_on'], change['turn_off'])
        rc, out, err = module.run_command([setsebool] + args, environ_update={'LC_ALL': 'C'})
        if rc != 0:
            module.fail_json(msg='setsebool %s failed: %s' % (' '.join(args), (err or out).strip()), rc=rc)
    if ledger_changed:
        _write_ledger(module, ledger_path, new_ledger_text)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
