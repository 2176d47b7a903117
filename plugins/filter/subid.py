# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""subid_range filter (docs in subid_range.yml)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.labforge.virt.plugins.module_utils import _subid
from ansible_collections.labforge.virt.plugins.plugin_utils._filter_errors import fails_task_on


@fails_task_on(_subid.SubidError)
def subid_range(text, owner, first=100000, count=65536):
    return _subid.owner_range(text, owner, int(first), int(count))


class FilterModule(object):
    """Subordinate id ranges."""

    def filters(self):
        return {'subid_range': subid_range}
