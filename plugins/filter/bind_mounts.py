# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""bind_sources_digest filter (docs in bind_sources_digest.yml)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.labforge.virt.plugins.module_utils import _bind_mounts
from ansible_collections.labforge.virt.plugins.plugin_utils._filter_errors import fails_task_on


@fails_task_on(_bind_mounts.BindMountError)
def bind_sources_digest(stats, pending=False):
    return _bind_mounts.sources_digest(stats, pending=pending)


class FilterModule(object):
    def filters(self):
        return {'bind_sources_digest': bind_sources_digest}
