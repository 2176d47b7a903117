# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Subordinate id ranges (/etc/subuid, /etc/subgid, subuid(5)) (private to labforge.virt)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

# owner:first:count; the owner is a login name or a numeric id.
_LINE = re.compile(r'([^:#\s][^:\s]*):([0-9]+):([0-9]+)')


class SubidError(ValueError):
    pass


def ranges(text):
    """(owner, first, count) of each well-formed line, in file order; comments and others skipped."""
    found = []
    for line in (text or '').splitlines():
        match = _LINE.fullmatch(line.strip())
        if match:
            found.append((match.group(1), int(match.group(2)), int(match.group(3))))
    return found


def owner_range(text, owner, first, count):
    """The range ``owner`` has, or the one to give it: from ``first``, past every range handed out.

    Returns ``{'owner', 'first', 'count', 'present'}``. A new range never overlaps another owner's:
    overlapping ranges would let that owner's containers own this one's files.
    """
    if not isinstance(first, int) or not isinstance(count, int) or first < 1 or count < 1:
        raise SubidError('first and count must be whole numbers of at least 1, got %r and %r' % (first, count))
    existing = ranges(text)
    for name, start, size in existing:
        if name == owner:
            return {'owner': owner, 'first': start, 'count': size, 'present': True}
    start = max([first] + [start + size for _name, start, size in existing])
    return {'owner': owner, 'first': start, 'count': count, 'present': False}
