# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Judge apt's package lists by their content, never by the directory's mtime.

A freshly built image has an empty /var/lib/apt/lists whose mtime is the build time, so
``apt: cache_valid_time`` believes it is fresh and installs fail with "No package matching".
Here the lists are usable only when at least one non-empty Packages index exists, and their
age comes from the stamp written after the last successful refresh (the file apt's periodic
job and ansible's apt module also read), else from the newest index file.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import re

LISTS_DIR = '/var/lib/apt/lists'
STAMP_PATH = '/var/lib/apt/periodic/update-success-stamp'

# deb.debian.org_debian_dists_trixie_main_binary-amd64_Packages[.lz4|.gz|.xz|.zst]
_INDEX = re.compile(r'_Packages(\.(lz4|gz|xz|zst|bz2))?\Z')


def _mtime(path):
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def list_state(lists_dir=LISTS_DIR, stamp_path=STAMP_PATH):
    """What the package lists hold: index count, non-empty count, last refresh time."""
    indexes = []
    try:
        names = sorted(os.listdir(lists_dir))
    except OSError:
        names = []
    for name in names:
        if not _INDEX.search(name):
            continue
        path = os.path.join(lists_dir, name)
        try:
            st = os.stat(path)
        except OSError:
            continue
        indexes.append((name, st.st_size, st.st_mtime))
    nonempty = [i for i in indexes if i[1] > 0]
    stamp = _mtime(stamp_path)
    newest = max([i[2] for i in nonempty]) if nonempty else None
    return {
        'indexes': len(indexes),
        'nonempty_indexes': len(nonempty),
        'refreshed_at': stamp if stamp is not None else newest,
        'stamp': stamp is not None,
    }


def refresh_reason(state, max_age, now):
    """Why the lists need a refresh, or None when they are usable and young enough."""
    if state['indexes'] == 0:
        return 'no package index in the lists'
    if state['nonempty_indexes'] == 0:
        return 'every package index is empty'
    age = now - state['refreshed_at']
    if age > max_age:
        return 'the lists were last refreshed %d s ago (bound %d s)' % (age, max_age)
    if age < -300:
        return 'the last refresh lies %d s in the future (clock changed)' % -age
    return None
