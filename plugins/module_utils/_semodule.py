# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SELinux policy modules: parse ``semodule --list-modules=full`` and plan the semodule operations
that bring one module to the state asked for (private to labforge.virt; used by selinux_policy_module).

A module can be installed at several priorities (100: the distribution's policy package, 400: the
default of ``semodule -i``); the highest one is in effect. Enabled or disabled is a property of
the name, not of one priority (semodule -e / -d).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import bz2
import os
import re

STATES = ('enabled', 'disabled', 'absent')
_LINE_RE = re.compile(r'^(?P<priority>[0-9]+)\s+(?P<name>\S+)\s+(?P<ext>\S+)(?:\s+(?P<flag>\S+))?\s*$')
_NAME_RE = re.compile(r'^[A-Za-z][A-Za-z0-9_.-]*$')


class SemoduleError(ValueError):
    """Output or input that does not make sense."""


def valid_name(name):
    return bool(name) and bool(_NAME_RE.match(name))


def parse_full_listing(text):
    """``semodule --list-modules=full`` -> {name: {'priorities': {priority: ext}, 'enabled': bool}}.

    A line is ``PRIORITY NAME EXT [disabled]``, padded with spaces.
    """
    modules = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        m = _LINE_RE.match(line)
        if not m or (m.group('flag') not in (None, 'disabled')):
            raise SemoduleError('unexpected line in semodule --list-modules=full: %r' % raw)
        entry = modules.setdefault(m.group('name'), {'priorities': {}, 'enabled': True})
        entry['priorities'][int(m.group('priority'))] = m.group('ext')
        if m.group('flag') == 'disabled':
            entry['enabled'] = False
    return modules


def module_state(modules, name):
    """What the listing says of one module: installed priorities (sorted) and whether it is enabled."""
    entry = modules.get(name)
    if entry is None:
        return {'installed': False, 'priorities': [], 'enabled': False}
    return {'installed': True, 'priorities': sorted(entry['priorities']), 'enabled': entry['enabled']}


def policy_type(config_text):
    """SELINUXTYPE from /etc/selinux/config (``default`` on Debian, ``targeted`` on RHEL), or None."""
    for line in config_text.splitlines():
        key, sep, value = line.strip().partition('=')
        if sep and key.strip() == 'SELINUXTYPE' and value.strip():
            return value.strip().strip('"\'')
    return None


def stored_source(store_root, policytype, priority, name, ext):
    """Where libsemanage keeps a module's source in the store: ``cil`` for a CIL module, ``hll`` for
    the others (a .pp), both usually bzip2-compressed. Reading it needs no semodule run: under enforcing
    SELinux ``semodule -E`` (semanage_t) may not write into a temporary directory."""
    return os.path.join(store_root, policytype, 'active', 'modules', str(priority), name,
                        'cil' if ext == 'cil' else 'hll')


def module_bytes(data):
    """A module file's content as semodule stores it: .pp files may come bzip2-compressed (Debian ships
    /usr/share/selinux/default/*.pp.bz2), and libsemanage keeps them uncompressed."""
    if data[:3] == b'BZh':
        try:
            return bz2.decompress(data)
        except (IOError, OSError, ValueError):
            return data
    return data


def plan(current, state, priority, src_needed):
    """The semodule arguments (one transaction) that bring a module from ``current`` (module_state)
    to ``state``; [] when it is there already.

    ``src_needed`` is True when a source file was given and the module at ``priority`` is missing or
    differs from it; the caller decides that by comparing the extracted module with the source.
    Raises SemoduleError when the state cannot be reached (enabled, not installed, no source).
    """
    if state not in STATES:
        raise SemoduleError('state must be one of %s, not %r' % (', '.join(STATES), state))
    ops = []
    if state == 'absent':
        if priority in current['priorities']:
            ops += ['-X', str(priority), '-r', '{name}']
        return ops
    if state == 'enabled':
        if src_needed is None and not current['installed']:
            raise SemoduleError('is not installed, and no src was given to install it from')
        if src_needed:
            ops += ['-X', str(priority), '-i', '{src}']
        if current['installed'] and not current['enabled']:
            ops += ['-e', '{name}']
        return ops
    # disabled: a module that is not installed is not active either.
    if current['installed'] and current['enabled']:
        ops += ['-d', '{name}']
    return ops


def after(current, state, priority, ops):
    """The module_state the operations lead to (for check mode's prediction and the diff)."""
    if not ops:
        return dict(current)
    priorities = set(current['priorities'])
    enabled = current['enabled']
    if state == 'absent':
        priorities.discard(priority)
        enabled = enabled and bool(priorities)
    elif state == 'enabled':
        if '-i' in ops:
            priorities.add(priority)
        enabled = True
    else:
        enabled = False
    return {'installed': bool(priorities), 'priorities': sorted(priorities), 'enabled': enabled}
