# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What single-file bind mounts show a container, as one digest to keep in a container label.

A file bind mount holds the inode the path named when the container started. Ansible replaces a
file by rename, so a running container keeps the old one until it starts again; a role that
relies on a handler for that restart loses it when the run stops before the handlers. A label with
the digest of the sources (type, inode, content) makes the container task itself see the drift.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import hashlib

# The label value while a check-mode run would still write a source: no real digest equals it.
PENDING = 'pending'


class BindMountError(ValueError):
    pass


def _path(result):
    stat = result.get('stat') or {}
    path = stat.get('path') or result.get('item')
    if not path:
        path = ((result.get('invocation') or {}).get('module_args') or {}).get('path')
    if not isinstance(path, str) or not path:
        raise BindMountError('a stat result names no path (register the ansible.builtin.stat loop)')
    return path


def _state(result, path):
    if result.get('skipped') or result.get('failed') or 'stat' not in result:
        raise BindMountError('no stat of %s (skipped or failed)' % path)
    stat = result['stat']
    if not stat.get('exists'):
        return 'absent'
    if stat.get('isdir'):
        return 'directory %s' % stat.get('inode')
    if not stat.get('isreg'):
        return 'other %s' % stat.get('inode')
    checksum = stat.get('checksum')
    if not checksum:
        raise BindMountError('%s: no checksum (stat it with get_checksum: true)' % path)
    return 'file %s %s' % (stat.get('inode'), checksum)


def sources_digest(stats, pending=False):
    """sha256 over each bind source's path, type, inode and checksum, in path order.

    ``stats``: the results of an ansible.builtin.stat loop (or of single stats). The inode counts
    as well as the content: a file replaced with equal bytes (a rebuilt root) still is not the one
    a running container holds. ``pending``: a check-mode run would write a source first, so the
    digest after that write cannot be known; PENDING says "would change" truthfully.
    """
    if isinstance(stats, dict):
        stats = stats.get('results', [stats])
    if not isinstance(stats, list) or not stats:
        raise BindMountError('expected the results of an ansible.builtin.stat loop, got %r' % type(stats).__name__)
    if pending:
        return PENDING
    lines = sorted('%s\t%s' % (path, _state(result, path)) for path, result in ((_path(r), r) for r in stats))
    return 'sha256:' + hashlib.sha256('\n'.join(lines).encode('utf-8')).hexdigest()
