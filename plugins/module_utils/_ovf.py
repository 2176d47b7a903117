# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What an OVF descriptor (DMTF DSP0243, 1.x and 2.x) says about its appliance (private to labforge.virt).

Elements and attributes are matched by local name: OVF 1.x and 2.x, VirtualBox and VMware
differ in namespace URIs and prefixes, not in these names.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
from xml.etree import ElementTree

RESOURCE_CPU = '3'
RESOURCE_MEMORY = '4'

# AllocationUnits: DSP0004 programmatic units ("byte * 2^20", VMware, OVF 2.x) and the names
# VirtualBox and older exporters write ("MegaBytes").
_PROGRAMMATIC_UNIT = re.compile(r'^byte\s*(?:\*\s*2\s*\^\s*(\d+))?$', re.IGNORECASE)
_NAMED_UNIT_EXPONENTS = {
    'b': 0, 'byte': 0, 'bytes': 0,
    'kb': 10, 'kilobyte': 10, 'kilobytes': 10,
    'mb': 20, 'megabyte': 20, 'megabytes': 20,
    'gb': 30, 'gigabyte': 30, 'gigabytes': 30,
}


class OVFError(ValueError):
    """The descriptor is not one this collection can import."""


def _local(name):
    return name.rsplit('}', 1)[-1]


def _attribute(element, name):
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return None


def _children(element, name):
    return [child for child in element if _local(child.tag) == name]


def _descendants(element, name):
    return [node for node in element.iter() if _local(node.tag) == name]


def _text(element, name):
    found = _children(element, name)
    return (found[0].text or '').strip() if found else ''


def unit_exponent(units):
    """The power of two of one AllocationUnit in bytes ('byte * 2^20', 'MegaBytes' -> 20)."""
    spelled = (units or 'byte * 2^20').strip()
    programmatic = _PROGRAMMATIC_UNIT.match(spelled)
    if programmatic:
        return int(programmatic.group(1) or 0)
    if spelled.lower() in _NAMED_UNIT_EXPONENTS:
        return _NAMED_UNIT_EXPONENTS[spelled.lower()]
    raise OVFError("memory AllocationUnits '%s' is not a unit this collection reads (e.g. 'byte * 2^20', 'MegaBytes')" % spelled)


def _quantity(item, what):
    text = _text(item, 'VirtualQuantity')
    if not text.isdigit():
        raise OVFError("the %s item's VirtualQuantity '%s' is not a whole number" % (what, text))
    return int(text)


def _default_configuration(root):
    options = _descendants(root, 'Configuration')
    defaults = [option for option in options if (_attribute(option, 'default') or '').lower() == 'true']
    chosen = (defaults or options)[:1]
    return _attribute(chosen[0], 'id') if chosen else None


def _items(system, configuration):
    """The hardware items that apply: unconditional ones and those of the default configuration."""
    items = []
    for section in _children(system, 'VirtualHardwareSection'):
        for item in _children(section, 'Item'):
            applies_to = (_attribute(item, 'configuration') or '').split()
            if not applies_to or configuration in applies_to:
                items.append(item)
    return items


def _resource(items, resource_type):
    return [item for item in items if _text(item, 'ResourceType') == resource_type]


def appliance(text):
    """{'cpus', 'memory_mib', 'files', 'disks'} of an OVF descriptor.

    ``files`` are the href of every References/File, ``disks`` the hrefs the DiskSection's disks
    refer to (fileRef), both in document order; ``cpus`` and ``memory_mib`` are 0 where the
    descriptor does not say.
    """
    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, TypeError) as exc:
        raise OVFError('not an OVF descriptor: %s' % exc)
    if _local(root.tag) != 'Envelope':
        raise OVFError('expected an OVF <Envelope>, got <%s>' % _local(root.tag))

    hrefs_by_id = {}
    files = []
    for reference in _children(root, 'References'):
        for entry in _children(reference, 'File'):
            href = _attribute(entry, 'href')
            if not href:
                raise OVFError("a References/File (id '%s') has no href" % _attribute(entry, 'id'))
            hrefs_by_id[_attribute(entry, 'id')] = href
            files.append(href)

    disks = []
    for section in _children(root, 'DiskSection'):
        for disk in _children(section, 'Disk'):
            file_ref = _attribute(disk, 'fileRef')
            if file_ref is None:
                continue  # a blank disk the importer would create; this collection imports files only
            if file_ref not in hrefs_by_id:
                raise OVFError("disk '%s' refers to file '%s', which References does not list"
                               % (_attribute(disk, 'diskId'), file_ref))
            disks.append(hrefs_by_id[file_ref])

    systems = _descendants(root, 'VirtualSystem')
    if len(systems) > 1:
        raise OVFError('the descriptor holds %d virtual systems; one per guest is supported' % len(systems))
    items = _items(systems[0], _default_configuration(root)) if systems else []
    cpu_items = _resource(items, RESOURCE_CPU)
    memory_items = _resource(items, RESOURCE_MEMORY)
    memory_mib = 0
    if memory_items:
        exponent = unit_exponent(_text(memory_items[0], 'AllocationUnits'))
        memory_mib = (_quantity(memory_items[0], 'memory') << exponent) >> 20
    return {
        'cpus': _quantity(cpu_items[0], 'CPU') if cpu_items else 0,
        'memory_mib': memory_mib,
        'files': files,
        'disks': disks,
    }


def appliance_guest(guest, found, image_dir, unpack_dir, disk_bus, default_cache):
    """The planned ``guest`` with what the appliance ``found`` (appliance()) describes filled in.

    CPUs and memory come from the descriptor where the guest entry left them to it
    (``vcpus_from_ovf`` / ``memory_from_ovf``); each disk the descriptor refers to becomes a disk
    ``ova<N>``, converted from the unpacked file into ``<image_dir>/<guest>-ova<N>.qcow2``, ahead
    of the guest's own disks. Hrefs must have been checked (href_problems) before.
    """
    own_disks = list(guest.get('disks') or [])
    cache = own_disks[0].get('cache', default_cache) if own_disks else default_cache
    name = guest['name']
    ova_disks = [{'name': 'ova%d' % number,
                  'path': '%s/%s-ova%d.qcow2' % (image_dir, name, number),
                  'create': 'copy', 'base': '%s/%s' % (unpack_dir, href), 'size': '',
                  'bus': disk_bus, 'cache': cache}
                 for number, href in enumerate(found['disks'])]
    planned = dict(guest)
    planned['vcpus'] = found['cpus'] if guest.get('vcpus_from_ovf') else guest.get('vcpus')
    planned['memory_mib'] = found['memory_mib'] if guest.get('memory_from_ovf') else guest.get('memory_mib')
    planned['disks'] = ova_disks + own_disks
    return planned
