# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The kvm_guest role's plans: kvm_guest_plan, kvm_guest_template_plan, kvm_guest_source_files, kvm_guest_disk_resizes (docs in the .yml files beside)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.labforge.virt.plugins.module_utils import _disk_resize, _guest_plan, _template_plan


class FilterModule(object):
    """Guest planning for the kvm_guest role's preflight."""

    def filters(self):
        return {
            'kvm_guest_plan': _guest_plan.kvm_guest_plan,
            'kvm_guest_template_plan': _template_plan.template_plan,
            'kvm_guest_source_files': _template_plan.source_files,
            'kvm_guest_disk_resizes': _disk_resize.disk_resizes,
        }
