# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""htpasswd_stale filter (docs in htpasswd_stale.yml)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.errors import AnsibleFilterError


def htpasswd_stale(reads):
    """[{path, name}] for each user a file holds that its loop item no longer lists."""
    results = reads.get('results', []) if isinstance(reads, dict) else reads
    stale = []
    for result in results:
        item = result.get('item') or {}
        if 'path' not in item or 'users' not in item:
            raise AnsibleFilterError('labforge.virt.htpasswd_stale: each loop item needs path and users, got %r'
                                     % sorted(item))
        wanted = set(user['name'] for user in item['users'])
        present = [line.strip() for line in result.get('stdout_lines', []) if line.strip()]
        stale.extend({'path': item['path'], 'name': name} for name in present if name not in wanted)
    return stale


class FilterModule(object):
    def filters(self):
        return {'htpasswd_stale': htpasswd_stale}
