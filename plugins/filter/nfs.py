# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""NFS filters: nfs_export_problems, nfs_export_lines, nfs_recovery_mode, nfs_mount_option_list
(documentation in the .yml files beside)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.labforge.virt.plugins.module_utils import _nfs
from ansible_collections.labforge.virt.plugins.plugin_utils._filter_errors import fails_task_on


@fails_task_on(_nfs.MountOptionsError)
def nfs_recovery_mode(options):
    return _nfs.recovery_mode(options)


@fails_task_on(_nfs.MountOptionsError)
def nfs_mount_option_list(options):
    return _nfs.mount_option_list(options)


class FilterModule(object):
    """NFS exports (why an export list must be refused, its exports(5) lines) and client mount options."""

    def filters(self):
        return {'nfs_export_problems': _nfs.export_problems, 'nfs_export_lines': _nfs.export_lines,
                'nfs_recovery_mode': nfs_recovery_mode, 'nfs_mount_option_list': nfs_mount_option_list}
