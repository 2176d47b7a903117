#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: selinux_policy_module
short_description: Install, enable, disable or remove SELinux policy modules
version_added: 0.1.0
description:
  - Brings one SELinux policy module (O(name)), or several (O(modules)), to the state asked for with C(semodule),
    in one transaction, and only when the policy store says it is not there yet (C(semodule --list-modules=full)).
  - Every C(semodule) transaction rebuilds the whole policy (minutes on a slow host), so modules that change
    together are best given in one task through O(modules).
  - With O(src), the module installed at O(priority) is read from the policy store
    (C(/var/lib/selinux/<SELINUXTYPE>/active/modules), or C(semodule -E) where that is not found) and compared
    with the file; it is (re)installed only when missing or different. A bzip2-compressed C(.pp) (Debian ships
    C(/usr/share/selinux/default/*.pp.bz2)) is compared by its content.
  - Used by labforge.virt.svirt (its local CIL module, removed again when no rules are left) and
    labforge.virt.docker_host (the distribution's C(container) module, which defines C(container_t)).
author:
  - labforge.virt developers (@labforge)
options:
  name:
    description:
      - The module's name as the policy store knows it (C(semodule -l)).
      - Exactly one of O(name) and O(modules) is required.
    type: str
  modules:
    description:
      - Several modules, brought to their states in one C(semodule) transaction (one policy rebuild).
      - O(state) and O(priority) are the defaults of the entries that do not set their own.
    type: list
    elements: dict
    version_added: 0.2.0
    suboptions:
      name:
        description:
          - The module's name, as O(name).
        type: str
        required: true
      state:
        description:
          - As O(state); O(state) when not set.
        type: str
        choices: [enabled, disabled, absent]
      src:
        description:
          - As O(src).
        type: path
      priority:
        description:
          - As O(priority); O(priority) when not set.
        type: int
  state:
    description:
      - V(enabled) - installed (from O(src) when given) and enabled.
      - V(disabled) - installed modules are disabled; a module that is not installed is left alone.
      - V(absent) - the module is removed at O(priority); copies at other priorities (a policy package's) stay.
    type: str
    choices: [enabled, disabled, absent]
    default: enabled
  src:
    description:
      - Path on the managed host of a C(.cil), C(.pp) or C(.pp.bz2) file to install the module from.
      - Only with O(name); each entry of O(modules) has its own.
      - Without it, V(enabled) only enables a module that is installed already, and fails when it is not.
    type: path
  priority:
    description:
      - The priority O(src) is installed at and O(state=absent) removes from (C(semodule -X)). 100 is the
        distribution's policy packages, 400 the default of C(semodule -i).
    type: int
    default: 400
extends_documentation_fragment:
  - labforge.virt.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the policy store and reports what would change; nothing is installed or rebuilt.
  diff_mode:
    support: full
    details:
      - The diff shows each module's installed priorities and enabled state before and after.
requirements:
  - C(semodule) (policycoreutils, or semodule-utils on Debian).
seealso:
  - module: community.general.sefcontext
  - module: ansible.posix.seboolean
'''

EXAMPLES = r'''
- name: Make sure the policy defines container_t (Debian 13's refpolicy ships the module)
  labforge.virt.selinux_policy_module:
    name: container
    src: /usr/share/selinux/default/container.pp.bz2
    priority: 100
- name: Enable container and docker in one transaction (one policy rebuild)
  labforge.virt.selinux_policy_module:
    priority: 100
    modules:
      - name: container
        src: /usr/share/selinux/default/container.pp.bz2
      - name: docker
        src: /usr/share/selinux/default/docker.pp.bz2

- name: Load a local CIL module, reloaded only when the file changed
  labforge.virt.selinux_policy_module:
    name: labforge_svirt
    src: /usr/share/selinux/labforge/labforge_svirt.cil

- name: Withdraw it again
  labforge.virt.selinux_policy_module:
    name: labforge_svirt
    state: absent
'''

RETURN = r'''
name:
  description: The module's name.
  returned: when O(name) was given
  type: str
  sample: container
installed:
  description: Whether the module is installed at any priority after this task (in check mode - would be).
  returned: when O(name) was given
  type: bool
priorities:
  description: The priorities the module is installed at after this task (in check mode - would be).
  returned: when O(name) was given
  type: list
  elements: int
  sample: [100]
enabled:
  description: Whether the module is enabled after this task (in check mode - would be).
  returned: when O(name) was given
  type: bool
modules:
  description: Each module asked for, in order, as after this task (in check mode - would be).
  returned: always
  type: list
  elements: dict
  version_added: 0.2.0
  contains:
    name:
      description: The module's name.
      type: str
      sample: docker
    installed:
      description: Whether it is installed at any priority.
      type: bool
    priorities:
      description: The priorities it is installed at.
      type: list
      elements: int
      sample: [100]
    enabled:
      description: Whether it is enabled.
      type: bool
semodule_args:
  description: The semodule arguments of the one transaction run (in check mode - that would run); empty when
    nothing changed.
  returned: always
  type: list
  elements: str
  sample: [-e, container, -e, docker]
'''

import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.labforge.virt.plugins.module_utils._semodule import (
    SemoduleError, after, module_bytes, module_state, parse_full_listing, plan, policy_type, stored_source, valid_name,
)

SELINUX_CONFIG = '/etc/selinux/config'
STORE_ROOT = '/var/lib/selinux'


def _listing(module, semodule):
    rc, out, err = module.run_command([semodule, '--list-modules=full'], environ_update={'LC_ALL': 'C'})
    if rc != 0:
        module.fail_json(msg='semodule --list-modules=full failed: %s' % (err or out).strip())
    try:
        return parse_full_listing(out)
    except SemoduleError as e:
        module.fail_json(msg=str(e))


def _store_bytes(name, priority, ext):
    """The module's source as the policy store keeps it, or None where the store cannot be read."""
    try:
        with open(SELINUX_CONFIG) as f:
            policytype = policy_type(f.read())
        if policytype is None:
            return None
        with open(stored_source(STORE_ROOT, policytype, priority, name, ext), 'rb') as f:
            return f.read()
    except (IOError, OSError):
        return None


def _extracted_bytes(module, semodule, name, priority):
    """The module as ``semodule -E`` writes it (where the store layout is not the one expected)."""
    workdir = tempfile.mkdtemp(prefix='labforge-semodule-')
    try:
        rc, out, err = module.run_command([semodule, '-X', str(priority), '-E', name, '-H'], cwd=workdir)
        if rc != 0:
            module.fail_json(msg='semodule could not extract %s at priority %d: %s' % (name, priority, (err or out).strip()))
        files = os.listdir(workdir)
        if len(files) != 1:
            module.fail_json(msg='semodule -E %s wrote %d files, expected one' % (name, len(files)))
        with open(os.path.join(workdir, files[0]), 'rb') as f:
            return f.read()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _src_needed(module, semodule, modules, name, src, priority):
    if src is None:
        return None
    if not os.path.isfile(src):
        module.fail_json(msg='src %s does not exist or is not a file' % src)
    ext = modules.get(name, {}).get('priorities', {}).get(priority)
    if ext is None:
        return True
    with open(src, 'rb') as f:
        wanted = module_bytes(f.read())
    installed = _store_bytes(name, priority, ext)
    if installed is None:
        installed = _extracted_bytes(module, semodule, name, priority)
    return module_bytes(installed) != wanted


def _entries(module):
    """The modules asked for, as (name, state, src, priority), defaults filled in and checked."""
    params = module.params
    specs = params['modules'] if params['modules'] is not None else [dict(name=params['name'], src=params['src'])]
    if not specs:
        module.fail_json(msg='modules is empty: name at least one SELinux module')
    entries = []
    for spec in specs:
        name, src = spec['name'], spec.get('src')
        state = spec.get('state') or params['state']
        priority = spec['priority'] if spec.get('priority') is not None else params['priority']
        if not valid_name(name):
            module.fail_json(msg='name %r is not an SELinux module name (a letter, then letters, digits, _ . -)' % name)
        if not 1 <= priority <= 999:
            module.fail_json(msg='priority must be 1..999, not %d' % priority)
        if src is not None and state != 'enabled':
            module.fail_json(msg='src is only used with state=enabled (module %s)' % name)
        entries.append((name, state, src, priority))
    names = [entry[0] for entry in entries]
    repeated = sorted(set(n for n in names if names.count(n) > 1))
    if repeated:
        module.fail_json(msg='modules lists %s more than once' % ', '.join(repeated))
    return entries


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str'),
            modules=dict(type='list', elements='dict', options=dict(
                name=dict(type='str', required=True),
                state=dict(type='str', choices=['enabled', 'disabled', 'absent']),
                src=dict(type='path'),
                priority=dict(type='int'),
            )),
            state=dict(type='str', default='enabled', choices=['enabled', 'disabled', 'absent']),
            src=dict(type='path'),
            priority=dict(type='int', default=400),
        ),
        mutually_exclusive=[('name', 'modules'), ('src', 'modules')],
        required_one_of=[('name', 'modules')],
        supports_check_mode=True,
    )
    entries = _entries(module)
    single = module.params['name'] is not None  # the task's result is that module's, as before `modules`
    semodule = module.get_bin_path('semodule', required=True)

    modules = _listing(module, semodule)
    args, before, predicted = [], [], []
    for name, state, src, priority in entries:
        current = module_state(modules, name)
        try:
            ops = plan(current, state, priority, _src_needed(module, semodule, modules, name, src, priority))
        except SemoduleError as e:
            module.fail_json(msg='SELinux policy module %s %s' % (name, e))
        args += [a.format(name=name, src=src) for a in ops]
        before.append(dict(current, name=name))
        predicted.append(dict(after(current, state, priority, ops), name=name))
    result = dict(changed=bool(args), semodule_args=args, modules=predicted)
    if single:
        result.update(predicted[0])
    if module._diff:
        if single:
            result['diff'] = dict(before=before[0], after=predicted[0])
        else:
            result['diff'] = dict(before=dict((m['name'], m) for m in before), after=dict((m['name'], m) for m in predicted))
    if not args or module.check_mode:
        module.exit_json(**result)

    # One transaction: semodule rebuilds the policy once, whatever the number of modules.
    rc, out, err = module.run_command([semodule] + args, environ_update={'LC_ALL': 'C'})
    if rc != 0:
        module.fail_json(msg='semodule %s failed: %s' % (' '.join(args), (err or out).strip()[-2000:]), rc=rc)
    modules = _listing(module, semodule)
    result['modules'] = [dict(module_state(modules, entry['name']), name=entry['name']) for entry in predicted]
    if single:
        result.update(result['modules'][0])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
