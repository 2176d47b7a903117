# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""NFS export filters: nfs_export_problems, nfs_export_lines (documentation in the .yml files beside)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.labforge.virt.plugins.module_utils import _nfs


class FilterModule(object):
    """NFS exports: why an export list must be refused, and its exports(5) lines."""

    def filters(self):
        return {'nfs_export_problems': _nfs.export_problems, 'nfs_export_lines': _nfs.export_lines}
