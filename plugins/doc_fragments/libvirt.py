# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    """The connection option and requirement of the modules that talk to libvirt."""

    DOCUMENTATION = r'''
options:
  uri:
    description:
      - The libvirt connection URI.
    type: str
    default: qemu:///system
requirements:
  - The libvirt Python binding (C(python3-libvirt)) on the managed host.
'''
