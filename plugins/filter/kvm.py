# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""kvm_param_bool filter (docs in kvm_param_bool.yml)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.labforge.virt.plugins.module_utils._kvm import parse_bool_param


def kvm_param_bool(text):
    # The parser virt_host_info reports the nested parameter with, so the role and the module agree.
    return parse_bool_param(text)


class FilterModule(object):
    """Kernel module parameters."""

    def filters(self):
        return {'kvm_param_bool': kvm_param_bool}
