# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Validate and allocate sVirt MCS category pairs (private to labforge.virt).

libvirt gives every dynamically labelled guest the level ``s0:cX,cY`` with two
distinct categories X < Y out of c0..c1023. Static labels must follow the same
shape, and two guests must never share a pair. The filters in
plugins/filter/mcs.py are the public interface.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import hashlib
import re

from ansible_collections.labforge.virt.plugins.module_utils._selinux import (
    SELinuxError,
    parse_context,
    parse_range,
)

MAX_CATEGORY = 1023
_LEVEL_RE = re.compile(r'^(s[0-9]+):(.*)$')
_CAT_RE = re.compile(r'^c([0-9]+)$')
_EXAMPLE = 's0:c12,c345'


class MCSError(ValueError):
    """An MCS level or an allocation request that cannot be honoured."""


def _type_name(value):
    return type(value).__name__


def mcs_problem(level, max_category=MAX_CATEGORY):
    """Return None when ``level`` is a valid sVirt pair, else a sentence saying why not."""
    if not isinstance(level, str):
        return 'an MCS level must be a string like %s, got %s' % (_EXAMPLE, _type_name(level))
    if level != level.strip():
        return 'MCS level %r has surrounding whitespace' % level
    if level.count(':') > 1:
        return ('%r looks like a full security context; give only the level, e.g. %s'
                % (level, _EXAMPLE))
    m = _LEVEL_RE.match(level)
    if not m:
        if re.match(r'^s[0-9]+$', level):
            return ('MCS level %r has no categories: sVirt needs exactly two, e.g. %s' % (level, _EXAMPLE))
        return 'MCS level %r is not of the form sensitivity:categories, e.g. %s' % (level, _EXAMPLE)
    sens, cats = m.groups()
    if sens != 's0':
        return 'MCS level %r uses sensitivity %s; sVirt (the MCS policy) uses s0 only' % (level, sens)
    if '.' in cats:
        return 'MCS level %r uses a category range; an sVirt label names exactly two categories' % level
    tokens = cats.split(',')
    nums = []
    for tok in tokens:
        cm = _CAT_RE.match(tok)
        if not cm:
            return 'MCS level %r: %r is not a category (c0..c%d)' % (level, tok, max_category)
        digits = cm.group(1)
        if len(digits) > 1 and digits.startswith('0'):
            return 'MCS level %r: category %r has a leading zero (write c%d)' % (level, tok, int(digits))
        n = int(digits)
        if n > max_category:
            return 'MCS level %r: category %s is out of range c0..c%d' % (level, tok, max_category)
        nums.append(n)
    if len(nums) != 2:
        return ('MCS level %r has %d %s; sVirt needs exactly two, e.g. %s'
                % (level, len(nums), 'category' if len(nums) == 1 else 'categories', _EXAMPLE))
    if nums[0] == nums[1]:
        return 'MCS level %r repeats category c%d; the two categories must differ' % (level, nums[0])
    if nums[0] > nums[1]:
        return ('MCS level %r is not in canonical order: write s0:c%d,c%d (SELinux prints categories ascending, '
                'so a reversed pair never matches a label read back from the system)' % (level, nums[1], nums[0]))
    return None


def mcs_valid(level, max_category=MAX_CATEGORY):
    return mcs_problem(level, max_category) is None


def mcs_validate(level, max_category=MAX_CATEGORY):
    """Return ``level`` unchanged when valid, raise MCSError otherwise."""
    problem = mcs_problem(level, max_category)
    if problem:
        raise MCSError(problem)
    return level


def pair_to_level(a, b):
    lo, hi = sorted((a, b))
    return 's0:c%d,c%d' % (lo, hi)


def _pair_of(value):
    """A pair (lo, hi) from a level or full context, or None when it is not a pair."""
    if value is None or value == '':
        return None
    if not isinstance(value, str):
        raise MCSError('exclude entries must be strings like %s, got %s' % (_EXAMPLE, _type_name(value)))
    try:
        if value.count(':') >= 3:
            cats = parse_context(value).categories
        else:
            cats = parse_range(value).low.categories
    except SELinuxError as e:
        raise MCSError('cannot read exclude entry %r: %s' % (value, e))
    if len(cats) != 2:
        return None
    return tuple(sorted(cats))


def _hash_pair(seed, name, attempt, lo, hi):
    digest = hashlib.sha256(('%s\x00%s\x00%d' % (seed, name, attempt)).encode('utf-8')).digest()
    h = int.from_bytes(digest[:16], 'big')
    n = hi - lo + 1
    a = h % n
    b = (h // n) % (n - 1)
    if b >= a:
        b += 1
    return tuple(sorted((a + lo, b + lo)))


def mcs_allocate(guest_names, seed='', exclude=None, min_category=0, max_category=MAX_CATEGORY):
    """Give each guest a unique ``s0:cX,cY``; deterministic for the same input.

    Each guest's pair comes from sha256(seed, name, attempt), so it depends on
    its own name and the seed only; guests are processed in sorted order and
    a pair that is already taken (by ``exclude`` or an earlier guest) moves the
    guest to its next attempt.
    """
    if isinstance(guest_names, (str, bytes)) or not hasattr(guest_names, '__iter__'):
        raise MCSError('mcs_allocate expects a list of guest names, got %s' % _type_name(guest_names))
    if isinstance(guest_names, dict):
        guest_names = list(guest_names)
    names = list(guest_names)
    for name in names:
        if not isinstance(name, str) or not name:
            raise MCSError('guest names must be non-empty strings, got %r' % (name,))
    dupes = sorted(set(n for n in names if names.count(n) > 1))
    if dupes:
        raise MCSError('duplicate guest names: %s' % ', '.join(dupes))
    if seed is None:
        seed = ''
    if not isinstance(seed, (str, int)):
        raise MCSError('seed must be a string or an integer, got %s' % _type_name(seed))
    seed = str(seed)
    for label, value in (('min_category', min_category), ('max_category', max_category)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_CATEGORY:
            raise MCSError('%s must be an integer in 0..%d, got %r' % (label, MAX_CATEGORY, value))
    if max_category - min_category < 1:
        raise MCSError('the category range c%d..c%d holds no pair' % (min_category, max_category))
    if exclude is None:
        exclude = []
    if isinstance(exclude, str):
        exclude = [exclude]
    used = set()
    for value in exclude:
        pair = _pair_of(value)
        if pair is not None:
            used.add(pair)

    n = max_category - min_category + 1
    available = n * (n - 1) // 2 - sum(1 for p in used if min_category <= p[0] and p[1] <= max_category)
    if len(names) > available:
        raise MCSError('cannot allocate %d unique pairs: only %d free pairs in c%d..c%d'
                       % (len(names), available, min_category, max_category))

    result = {}
    for name in sorted(names):
        attempt = 0
        while True:
            pair = _hash_pair(seed, name, attempt, min_category, max_category)
            if pair not in used:
                break
            attempt += 1
            if attempt > 4 * n * n:  # nearly full range: walk it in order instead
                pair = next(p for p in ((a, b) for a in range(min_category, max_category + 1)
                                        for b in range(a + 1, max_category + 1)) if p not in used)
                break
        used.add(pair)
        result[name] = pair_to_level(*pair)
    return result
