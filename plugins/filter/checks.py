# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Preflight input checks of the roles; each returns a list of problems ([] = accepted).

Documentation lives next to this file, one .yml per filter.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.labforge.virt.plugins.module_utils import _checks


class FilterModule(object):
    """Preflight checks."""

    def filters(self):
        return dict((name, getattr(_checks, name)) for name in (
            'capability_problems', 'reserved_key_problems', 'env_problems', 'unit_value_problems',
            'path_within_problems', 'href_problems', 'libvirt_conf_problems', 'seclabel_problems',
            'registry_address_problems'))
