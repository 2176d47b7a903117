# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""syncthing_device_id filter (docs in syncthing_device_id.yml)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.labforge.virt.plugins.module_utils import _syncthing
from ansible_collections.labforge.virt.plugins.plugin_utils._filter_errors import fails_task_on


@fails_task_on(_syncthing.SyncthingError)
def syncthing_device_id(cert_pem):
    return _syncthing.device_id(cert_pem)


class FilterModule(object):
    def filters(self):
        return {'syncthing_device_id': syncthing_device_id}
