# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which existing guest disks a changed ``size`` grows, and which it would shrink (private to labforge.virt).

A qcow2 can grow (qemu-img resize offline, virsh blockresize on a running guest); shrinking cuts off
whatever the guest wrote at the end of the disk, so the role refuses it before anything changes.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import re

# The sizes kvm_guest accepts, qemu-img's binary suffixes; its plan checks sizes with this pattern.
SIZE_RE = r'^([1-9][0-9]*)([KMGT]?)\Z'
_SIZE = re.compile(SIZE_RE)
_EXPONENT = {'': 0, 'K': 10, 'M': 20, 'G': 30, 'T': 40}


def size_bytes(size):
    """'64M' -> 67108864; None for what is not such a size."""
    match = _SIZE.match(size or '')
    return int(match.group(1)) << _EXPONENT[match.group(2)] if match else None


def _shown(count):
    for suffix, exponent in (('T', 40), ('G', 30), ('M', 20), ('K', 10)):
        if count and count % (1 << exponent) == 0:
            return '%d%s' % (count >> exponent, suffix)
    return '%d bytes' % count


def virtual_sizes(qemu_img_results):
    """{path: virtual size} from the registered loop of ``qemu-img info --output=json`` over disk paths;
    a path qemu-img could not open (not created yet) is left out."""
    sizes = {}
    for result in qemu_img_results:
        if result.get('rc') == 0 and not result.get('skipped'):
            sizes[result['item']] = json.loads(result['stdout'])['virtual-size']
    return sizes


def disk_resizes(plan, qemu_img_results):
    """{'grow': [{'guest', 'name', 'path', 'size', 'bytes', 'current'}], 'errors': [...]} for the guests of
    kvm_guest_plan's PLAN whose existing disks differ from the size asked for.

    A list, not a mapping by guest name: Jinja's item lookup falls back to attributes, so a guest
    named 'copy' or 'items' would find the dict's method.
    """
    current = virtual_sizes(qemu_img_results)
    grow, errors = [], []
    for guest in plan:
        for disk in guest.get('disks', []):
            wanted = size_bytes(disk.get('size'))
            have = current.get(disk['path'])
            if wanted is None or have is None or wanted == have:
                continue
            if wanted < have:
                errors.append("guest %s: disk '%s' (%s) is %s and would shrink to %s: shrinking cuts off what the guest "
                              "wrote at its end. Keep the size, or give a new disk the smaller size."
                              % (guest['name'], disk['name'], disk['path'], _shown(have), disk['size']))
            else:
                grow.append({'guest': guest['name'], 'name': disk['name'], 'path': disk['path'], 'size': disk['size'],
                             'bytes': wanted, 'current': have})
    return {'grow': grow, 'errors': errors}
