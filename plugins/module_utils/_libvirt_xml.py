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
