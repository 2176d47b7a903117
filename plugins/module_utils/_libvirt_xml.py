# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the roles read from libvirt's XML, parsed as XML (private to labforge.virt)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from xml.etree import ElementTree


class LibvirtXMLError(ValueError):
    """The text is not the libvirt document it was expected to be."""


def _parse(text, root_tag):
    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, TypeError) as exc:
        raise LibvirtXMLError('not libvirt %s XML: %s' % (root_tag, exc))
    if root.tag != root_tag:
        raise LibvirtXMLError('expected a <%s> document, got <%s>' % (root_tag, root.tag))
    return root


def domain_identity(text):
    """(name, {'uuid', 'macs'}) of a domain definition (virsh dumpxml); MACs lower-case, in device order."""
    root = _parse(text, 'domain')
    name = (root.findtext('name') or '').strip()
    if not name:
        raise LibvirtXMLError('the <domain> has no <name>')
    macs = [mac.get('address', '').lower() for mac in root.findall('./devices/interface/mac')]
    return name, {'uuid': (root.findtext('uuid') or '').strip(), 'macs': [mac for mac in macs if mac]}


def domains(texts):
    """name -> {'uuid', 'macs'} of each domain definition."""
    return dict(domain_identity(text) for text in texts)


def domain_devices(text):
    """What ties a domain to its host: {'type', 'disk_paths', 'passthrough'}.

    ``disk_paths`` are the file or block device of each <disk> in device order (network and
    pool volumes have no host path); ``passthrough`` names each <hostdev>/<redirdev> as
    "<element> <type>" (e.g. "hostdev pci", "redirdev usb"), once each, in device order.
    """
    root = _parse(text, 'domain')
    disk_paths = []
    for source in root.findall('./devices/disk/source'):
        path = source.get('file') or source.get('dev')
        if path:
            disk_paths.append(path)
    passthrough = []
    for device in root.findall('./devices/*'):
        kind = '%s %s' % (device.tag, device.get('type', 'unknown'))
        if device.tag in ('hostdev', 'redirdev') and kind not in passthrough:
            passthrough.append(kind)
    return {'type': root.get('type', ''), 'disk_paths': disk_paths, 'passthrough': passthrough}


def security_models(text):
    """The host's security models in virsh capabilities (selinux, apparmor, dac), in libvirt's order."""
    root = _parse(text, 'capabilities')
    return [model.text.strip() for model in root.findall('./host/secmodel/model') if model.text and model.text.strip()]


def domain_template_source(text):
    """What a template made from this domain takes: {'root', 'target', 'format', 'disks', 'vcpus', 'memory_mib', 'machine'}.

    ``root`` is the file of the first <disk device="disk"> (the one a guest boots from; CD-ROMs and
    block devices are not images a template can hold), ``target`` its device name (vda), ``format``
    its driver type (raw when unset, as libvirt reads it: never probed), ``disks`` every file disk in
    device order. None for ``root``, ``target`` and ``format`` when the domain has no such disk.
    """
    root = _parse(text, 'domain')
    disks, first = [], None
    for disk in root.findall('./devices/disk'):
        source = disk.find('source')
        path = source.get('file') if source is not None else None
        if not path:
            continue
        disks.append(path)
        if first is None and disk.get('device', 'disk') == 'disk':
            target, driver = disk.find('target'), disk.find('driver')
            first = (path, target.get('dev') if target is not None else None,
                     driver.get('type', 'raw') if driver is not None else 'raw')
    memory = root.find('memory')
    kib = 0
    if memory is not None:
        unit = memory.get('unit', 'KiB')
        if unit not in _MEMORY_UNITS_KIB:
            raise LibvirtXMLError("unknown memory unit '%s'" % unit)
        kib = int(int(memory.text) * _MEMORY_UNITS_KIB[unit])
    vcpu = root.find('vcpu')
    os_type = root.find('./os/type')
    return {'root': first[0] if first else None, 'target': first[1] if first else None,
            'format': first[2] if first else None, 'disks': disks,
            'vcpus': int(vcpu.text) if vcpu is not None else 1, 'memory_mib': kib // 1024,
            'machine': os_type.get('machine') if os_type is not None else None}


# <memory unit=...> in KiB; libvirt's dumpxml writes KiB, a hand-written definition may not.
_MEMORY_UNITS_KIB = {'b': 1.0 / 1024, 'bytes': 1.0 / 1024, 'KB': 1000.0 / 1024, 'k': 1, 'KiB': 1, 'MB': 1000000.0 / 1024,
                     'M': 1024, 'MiB': 1024, 'GB': 1e9 / 1024, 'G': 1024 ** 2, 'GiB': 1024 ** 2,
                     'TB': 1e12 / 1024, 'T': 1024 ** 3, 'TiB': 1024 ** 3}
