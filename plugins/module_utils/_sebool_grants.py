# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SELinux booleans granted by the collection's roles and withdrawn when no role needs them any more
(private to labforge.virt; used by selinux_boolean_grant).

A boolean is global to the host, and several roles can need the same one (nfs_server and shared_volume
both on one machine). The ledger records, per boolean the collection switched on, the value it had
before and which owners need it; the last owner to let go switches it back - only when it was off
before. A boolean that was on already (Fedora ships nfs_export_all_* on) is never switched off.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import json
import re

_GETSEBOOL_LINE = re.compile(r'^(?P<name>\S+) --> (?P<value>on|off)\b')
_NAME = re.compile(r'^[a-z][a-z0-9_]*$')
LEDGER_VERSION = 1


class GrantError(ValueError):
    """Input or state that does not make sense."""


def valid_name(name):
    return bool(name) and bool(_NAME.match(name))


def parse_getsebool(text):
    """{name: bool} from ``getsebool -a`` (the current value; a pending one is not in effect yet)."""
    values = {}
    for line in text.splitlines():
        match = _GETSEBOOL_LINE.match(line.strip())
        if match:
            values[match.group('name')] = match.group('value') == 'on'
        elif line.strip():
            raise GrantError('unexpected getsebool line: %r' % line)
    return values


def parse_ledger(text):
    """The ledger's {boolean: {'before': bool, 'owners': [owner, ...]}} ('' or None: empty)."""
    if not text:
        return {}
    try:
        data = json.loads(text)
        booleans = data['booleans']
        for name, entry in booleans.items():
            if not (valid_name(name) and isinstance(entry['before'], bool) and isinstance(entry['owners'], list)):
                raise ValueError(name)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise GrantError('the ledger is not one this collection wrote (%s); move it aside to start a new one' % exc)
    return booleans


def dump_ledger(booleans):
    return json.dumps({'version': LEDGER_VERSION, 'booleans': booleans}, indent=2, sort_keys=True) + '\n'


def plan(current, ledger, owner, wanted):
    """What OWNER needing exactly WANTED does: {'turn_on', 'turn_off', 'missing', 'ledger'}.

    current: {name: bool} of the loaded policy; ledger: as parse_ledger returns (not modified).
    missing: wanted booleans the loaded policy does not define (left to the caller to judge).
    """
    bad = [name for name in wanted if not valid_name(name)]
    if bad:
        raise GrantError('not SELinux boolean names: %s' % ', '.join(bad))
    after = copy.deepcopy(ledger)
    needed = [name for name in dict.fromkeys(wanted) if name in current]
    turn_on, turn_off = [], []
    for name in needed:
        entry = after.setdefault(name, {'before': current[name], 'owners': []})
        if owner not in entry['owners']:
            entry['owners'] = sorted(entry['owners'] + [owner])
        if not current[name]:
            turn_on.append(name)
    for name in sorted(after):
        entry = after[name]
        if owner in entry['owners'] and name not in needed:
            entry['owners'] = [other for other in entry['owners'] if other != owner]
            if not entry['owners']:
                del after[name]
                if not entry['before'] and current.get(name):
                    turn_off.append(name)
    return {
        'turn_on': turn_on,
        'turn_off': turn_off,
        'missing': [name for name in dict.fromkeys(wanted) if name not in current],
        'ledger': after,
    }


def setsebool_args(turn_on, turn_off):
    """The one persistent setsebool call (-P) for the whole change."""
    return ['-P'] + ['%s=1' % name for name in turn_on] + ['%s=0' % name for name in turn_off]
