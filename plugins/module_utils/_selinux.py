# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SELinux security context and MCS level parsing (private to labforge.virt).

A context is ``user:role:type:level`` where the level (MLS/MCS part) may itself
contain colons: ``system_u:system_r:svirt_t:s0:c107,c434`` or a range
``unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import os
import re

MAX_CATEGORY = 1023

_SENS_RE = re.compile(r'^s(0|[1-9][0-9]*)$')
_CAT_RE = re.compile(r'^c(0|[1-9][0-9]*)$')


class SELinuxError(ValueError):
    """A context, level or category string that does not parse."""


def _to_text(value):
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'replace')
    return value


def clean_label(value):
    """Strip the trailing NUL/newline the kernel adds to attr and xattr values."""
    if value is None:
        return None
    value = _to_text(value)
    return value.rstrip('\x00\n').strip()


def parse_category(token):
    m = _CAT_RE.match(token)
    if not m:
        raise SELinuxError('invalid category %r (expected c0..c%d)' % (token, MAX_CATEGORY))
    n = int(m.group(1))
    if n > MAX_CATEGORY:
        raise SELinuxError('category %r out of range c0..c%d' % (token, MAX_CATEGORY))
    return n


def parse_categories(text):
    """``c1,c5.c7`` -> frozenset({1, 5, 6, 7}).  An empty string is the empty set."""
    cats = set()
    if not text:
        return frozenset()
    for part in text.split(','):
        if '.' in part:
            lo, hi = part.split('.', 1)
            lo_n, hi_n = parse_category(lo), parse_category(hi)
            if hi_n < lo_n:
                raise SELinuxError('category range %r is reversed' % part)
            cats.update(range(lo_n, hi_n + 1))
        else:
            cats.add(parse_category(part))
    return frozenset(cats)


def format_categories(cats):
    """frozenset({434, 107}) -> ``c107,c434`` (ranges written out as .)."""
    nums = sorted(cats)
    out = []
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        if j - i >= 2:
            out.append('c%d.c%d' % (nums[i], nums[j]))
        else:
            out.extend('c%d' % n for n in nums[i:j + 1])
        i = j + 1
    return ','.join(out)


class Level(object):
    """One MLS/MCS level: a sensitivity and a set of categories."""

    __slots__ = ('sensitivity', 'categories')

    def __init__(self, sensitivity, categories=frozenset()):
        self.sensitivity = sensitivity
        self.categories = frozenset(categories)

    def __eq__(self, other):
        return isinstance(other, Level) and (self.sensitivity, self.categories) == (other.sensitivity, other.categories)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((self.sensitivity, self.categories))

    def __repr__(self):
        return 'Level(%r)' % str(self)

    def __str__(self):
        if self.categories:
            return 's%d:%s' % (self.sensitivity, format_categories(self.categories))
        return 's%d' % self.sensitivity

    def dominates(self, other):
        return self.sensitivity >= other.sensitivity and self.categories >= other.categories


def parse_level(text):
    """``s0:c107,c434`` -> Level(0, {107, 434})."""
    text = clean_label(text) or ''
    sens, sep, cats = text.partition(':')
    m = _SENS_RE.match(sens)
    if not m:
        raise SELinuxError('invalid sensitivity %r in level %r' % (sens, text))
    if sep and not cats:
        raise SELinuxError('empty category list in level %r' % text)
    return Level(int(m.group(1)), parse_categories(cats))


class LevelRange(object):
    """``low[-high]``; a single level is a range whose ends are equal."""

    __slots__ = ('low', 'high')

    def __init__(self, low, high=None):
        self.low = low
        self.high = low if high is None else high

    def __eq__(self, other):
        return isinstance(other, LevelRange) and (self.low, self.high) == (other.low, other.high)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((self.low, self.high))

    def __str__(self):
        if self.low == self.high:
            return str(self.low)
        return '%s-%s' % (self.low, self.high)

    def __repr__(self):
        return 'LevelRange(%r)' % str(self)


def parse_range(text):
    text = clean_label(text) or ''
    low, sep, high = text.partition('-')
    lo = parse_level(low)
    hi = parse_level(high) if sep else lo
    if not hi.dominates(lo):
        raise SELinuxError('level range %r: high does not dominate low' % text)
    return LevelRange(lo, hi)


class Context(object):
    """A parsed security context."""

    __slots__ = ('user', 'role', 'type', 'range', 'raw')

    def __init__(self, user, role, type_, range_, raw):
        self.user = user
        self.role = role
        self.type = type_
        self.range = range_
        self.raw = raw

    @property
    def level(self):
        return str(self.range) if self.range is not None else None

    @property
    def categories(self):
        """Categories of the low (effective) level; an empty set for ``s0``."""
        if self.range is None:
            return frozenset()
        return self.range.low.categories

    def __str__(self):
        return self.raw

    def __repr__(self):
        return 'Context(%r)' % self.raw

    def as_dict(self):
        return {
            'label': self.raw,
            'user': self.user,
            'role': self.role,
            'type': self.type,
            'level': self.level,
            'categories': sorted(self.categories),
            'mcs': format_categories(self.categories),
        }


def parse_context(value):
    """Parse ``user:role:type[:level]`` (str or bytes, trailing NUL allowed)."""
    raw = clean_label(value)
    if not raw:
        raise SELinuxError('empty security context')
    parts = raw.split(':', 3)
    if len(parts) < 3 or not all(parts[:3]):
        raise SELinuxError('%r is not an SELinux context (user:role:type:level)' % raw)
    range_ = parse_range(parts[3]) if len(parts) == 4 else None
    return Context(parts[0], parts[1], parts[2], range_, raw)


def looks_like_context(value):
    try:
        parse_context(value)
    except SELinuxError:
        return False
    return True


def same_categories(a, b):
    """True when two contexts (or levels) carry exactly the same categories."""
    return _cats(a) == _cats(b)


def _cats(x):
    if isinstance(x, Context):
        return x.categories
    if isinstance(x, Level):
        return x.categories
    if isinstance(x, LevelRange):
        return x.low.categories
    return parse_context(x).categories


def parse_xattr_value(raw):
    """The raw ``security.selinux`` xattr bytes -> Context (or SELinuxError)."""
    return parse_context(raw)


def read_file_label(path, getxattr=None):
    """Read a file's ``security.selinux`` label.

    Returns ``(label_string_or_None, error_string_or_None)``. A missing
    attribute (ENODATA/ENOTSUP, e.g. SELinux disabled) is ``(None, reason)``.
    """
    if getxattr is None:
        getxattr = getattr(os, 'getxattr', None)
        if getxattr is None:
            return None, 'os.getxattr is not available on this platform'
    try:
        raw = getxattr(path, 'security.selinux')
    except (IOError, OSError) as e:
        code = errno.errorcode.get(e.errno, str(e.errno))
        return None, '%s: %s' % (code, e.strerror or e)
    return clean_label(raw), None


def read_process_label(proc_root, pid):
    """Read a process's LSM label; prefer the SELinux-specific attr file.

    Returns ``(label_or_None, error_or_None)``.
    """
    candidates = [
        os.path.join(proc_root, str(pid), 'attr', 'selinux', 'current'),
        os.path.join(proc_root, str(pid), 'attr', 'current'),
    ]
    last_err = None
    for path in candidates:
        try:
            with open(path, 'rb') as f:
                data = f.read()
        except (IOError, OSError) as e:
            if e.errno == errno.ENOENT:
                continue
            last_err = '%s: %s' % (errno.errorcode.get(e.errno, str(e.errno)), e.strerror or e)
            continue
        return clean_label(data), None
    return None, last_err or 'no attr/current file'


def selinux_status(selinuxfs='/sys/fs/selinux'):
    """Return ``(enabled, mode)``: mode is enforcing, permissive or disabled."""
    enforce = os.path.join(selinuxfs, 'enforce')
    try:
        with open(enforce) as f:
            value = f.read().strip()
    except (IOError, OSError):
        return False, 'disabled'
    return True, 'enforcing' if value == '1' else 'permissive'
