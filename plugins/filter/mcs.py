# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""sVirt MCS filters: mcs_valid, mcs_validate, mcs_allocate.

Documentation lives next to this file in mcs_valid.yml, mcs_validate.yml and
mcs_allocate.yml (one entry per filter).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.labforge.virt.plugins.module_utils import _mcs
from ansible_collections.labforge.virt.plugins.plugin_utils._filter_errors import fails_task_on


def mcs_valid(level, max_category=_mcs.MAX_CATEGORY):
    """True when ``level`` is ``s0:cX,cY`` with X < Y in c0..c1023."""
    return _mcs.mcs_valid(level, max_category)


@fails_task_on(_mcs.MCSError)
def mcs_validate(level, max_category=_mcs.MAX_CATEGORY):
    """Return ``level`` unchanged or fail the task saying what is wrong with it."""
    return _mcs.mcs_validate(level, max_category)


@fails_task_on(_mcs.MCSError)
def mcs_allocate(guest_names, seed='', exclude=None, min_category=0, max_category=_mcs.MAX_CATEGORY):
    """Map each guest name to a unique, stable ``s0:cX,cY``."""
    return _mcs.mcs_allocate(guest_names, seed=seed, exclude=exclude,
                             min_category=min_category, max_category=max_category)


class FilterModule(object):
    """sVirt MCS label helpers."""

    def filters(self):
        return {
            'mcs_valid': mcs_valid,
            'mcs_validate': mcs_validate,
            'mcs_allocate': mcs_allocate,
        }
