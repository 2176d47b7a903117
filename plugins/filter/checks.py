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


def capability_problems(capabilities, allowed, name):
    """Capabilities not on the allowlist."""
    return _checks.capability_problems(capabilities, allowed, name)


def reserved_key_problems(options, reserved, name):
    """Keys the role manages itself, set in a free-form mapping."""
    return _checks.reserved_key_problems(options, reserved, name)


def env_problems(env, name, reserved=None):
    """Environment keys that are not identifiers, values that are not one-line strings."""
    return _checks.env_problems(env, name, reserved=reserved)


def unit_value_problems(values):
    """Values unsafe to write unquoted into a systemd unit."""
    return _checks.unit_value_problems(values)


def path_within_problems(paths, allowed_dirs, name):
    """Paths outside the allowed directories."""
    return _checks.path_within_problems(paths, allowed_dirs, name)


def href_problems(hrefs, name):
    """OVF hrefs that leave the appliance."""
    return _checks.href_problems(hrefs, name)


def libvirt_conf_problems(conf, name):
    """qemu.conf / libvirtd.conf values that switch confinement or authentication off."""
    return _checks.libvirt_conf_problems(conf, name)


def seclabel_problems(labels, confined_types):
    """Static sVirt labels of an unconfined type."""
    return _checks.seclabel_problems(labels, confined_types)


class FilterModule(object):
    """Preflight checks."""

    def filters(self):
        return {
            'capability_problems': capability_problems,
            'reserved_key_problems': reserved_key_problems,
            'env_problems': env_problems,
            'unit_value_problems': unit_value_problems,
            'path_within_problems': path_within_problems,
            'href_problems': href_problems,
            'libvirt_conf_problems': libvirt_conf_problems,
            'seclabel_problems': seclabel_problems,
        }
