# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""ovf_appliance and kvm_guest_ova_plan filters (docs in ovf_appliance.yml, kvm_guest_ova_plan.yml)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.labforge.virt.plugins.module_utils import _ovf
from ansible_collections.labforge.virt.plugins.plugin_utils._filter_errors import fails_task_on


@fails_task_on(_ovf.OVFError)
def ovf_appliance(text):
    return _ovf.appliance(text)


def kvm_guest_ova_plan(guest, found, image_dir, unpack_dir, disk_bus='virtio', default_cache='none'):
    return _ovf.appliance_guest(guest, found, image_dir, unpack_dir, disk_bus, default_cache)


class FilterModule(object):
    """Reading OVF descriptors, and the guest an appliance becomes."""

    def filters(self):
        return {'ovf_appliance': ovf_appliance, 'kvm_guest_ova_plan': kvm_guest_ova_plan}
