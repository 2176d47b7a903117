# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A domain definition compared with the one libvirt keeps, as kvm_guest sees it (private to labforge.virt).

libvirt fills in what a definition leaves out: a UUID, PCI and controller addresses, aliases, the
controllers and input devices of the machine type, a default CPU model under TCG, memory in KiB, the
versioned machine type (q35 -> pc-q35-10.0), the console's copy of the serial log. Compared as text,
every definition libvirt keeps differs from the one it was given. ``compare`` projects libvirt's
inactive definition onto what the new one controls and renders both alike, so that what a
redefinition would change shows, and only that:

- an element both have is compared by the attributes and children the new one names (what libvirt adds
  to it, ``check='partial'``, ``<model name='isa-serial'/>``, is no change), plus the attributes in
  ``ROLE_ATTRIBUTES`` and the children in ``ROLE_ELEMENTS`` (the role may stop writing them: a
  redefinition removes them);
- a top-level element or a device only libvirt's definition has is shown as removed - a redefinition
  removes it - unless libvirt adds it by itself (``libvirt_default``: the PS/2 input devices, the
  usb/sata/pci controllers, ``<audio type='none'/>``, q35's iTCO watchdog, ``<resource>``, the CPU of a
  domain that names none, ``<boot dev='hd'/>``);
- ``<address>`` and ``<alias>`` never count; memory is compared in KiB; a machine alias is compared
  as the canonical machine the host's capabilities name for it.

Devices are matched by what identifies them (a disk by its target, an interface by its MAC, a channel
by its target name, a controller by type and index), not by position.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from xml.etree import ElementTree


class DomainDiffError(ValueError):
    """The text is not a domain definition."""


# Children kvm_guest writes inside elements both definitions have: when libvirt's definition has one the
# new one lacks, a redefinition removes it (a guest moved from kernel boot to disk boot loses <kernel>).
ROLE_ELEMENTS = frozenset([
    'os/type', 'os/kernel', 'os/initrd', 'os/cmdline', 'os/boot', 'features/acpi', 'features/apic', 'seclabel/label',
])

# Attributes kvm_guest writes on some elements only: an element that had one and no longer gets it loses it.
ROLE_ATTRIBUTES = {
    'devices/disk/driver': frozenset(['cache', 'discard']),
}

# Never part of a definition's meaning here: where libvirt placed a device, and what it calls it.
NOISE = frozenset(['address', 'alias'])

# libvirt's order of the top-level elements and of the devices (domain_conf.c), for rendering.
DOMAIN_ORDER = [
    'name', 'uuid', 'genid', 'title', 'description', 'metadata', 'maxMemory', 'memory', 'currentMemory',
    'blkiotune', 'memtune', 'memoryBacking', 'vcpu', 'vcpus', 'iothreads', 'cputune', 'numatune', 'resource',
    'sysinfo', 'bootloader', 'os', 'idmap', 'features', 'cpu', 'clock', 'on_poweroff', 'on_reboot', 'on_crash',
    'pm', 'perf', 'devices', 'seclabel', 'keywrap', 'launchSecurity',
]
DEVICE_ORDER = [
    'emulator', 'disk', 'controller', 'lease', 'filesystem', 'interface', 'smartcard', 'serial', 'parallel',
    'console', 'channel', 'input', 'tpm', 'graphics', 'sound', 'audio', 'video', 'hostdev', 'redirdev',
    'redirfilter', 'hub', 'watchdog', 'memballoon', 'rng', 'shmem', 'memory', 'iommu', 'vsock', 'panic',
]

_KIB = {
    'b': 1.0 / 1024, 'bytes': 1.0 / 1024, 'kb': 1000.0 / 1024, 'k': 1, 'kib': 1,
    'mb': 1000.0 ** 2 / 1024, 'm': 1024, 'mib': 1024, 'gb': 1000.0 ** 3 / 1024, 'g': 1024 ** 2, 'gib': 1024 ** 2,
    'tb': 1000.0 ** 4 / 1024, 't': 1024 ** 3, 'tib': 1024 ** 3,
}


def parse(text):
    """The <domain> element of a definition (comments, such as ansible_managed's, are dropped)."""
    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, TypeError) as exc:
        raise DomainDiffError('not libvirt domain XML: %s' % exc)
    if root.tag != 'domain':
        raise DomainDiffError('expected a <domain> document, got <%s>' % root.tag)
    return root


def domain_name(text):
    """The <name> of a definition."""
    name = (parse(text).findtext('name') or '').strip()
    if not name:
        raise DomainDiffError('the <domain> has no <name>')
    return name


def machine_aliases(capabilities):
    """{(arch, alias): canonical machine} from ``virsh capabilities`` (q35 -> pc-q35-10.0)."""
    try:
        root = ElementTree.fromstring(capabilities)
    except (ElementTree.ParseError, TypeError) as exc:
        raise DomainDiffError('not libvirt capabilities XML: %s' % exc)
    aliases = {}
    for arch in root.findall('./guest/arch'):
        for machine in arch.iter('machine'):
            canonical = machine.get('canonical')
            if canonical and machine.text:
                aliases[(arch.get('name'), machine.text.strip())] = canonical
    return aliases


def _kib(element):
    unit = (element.get('unit') or 'KiB').lower()
    try:
        value = int(round(int((element.text or '').strip()) * _KIB[unit]))
    except (KeyError, ValueError):
        return
    element.text = str(value)
    element.set('unit', 'KiB')


def _canonical(root, aliases):
    """The definition with what libvirt derives from it spelled out (memory in KiB, machine alias resolved)."""
    for tag in ('memory', 'currentMemory', 'maxMemory'):
        element = root.find(tag)
        if element is not None:
            _kib(element)
    ostype = root.find('./os/type')
    if ostype is not None and ostype.get('machine'):
        ostype.set('machine', aliases.get((ostype.get('arch', 'x86_64'), ostype.get('machine')), ostype.get('machine')))
    return root


def _kind(path, element):
    if element.tag == 'controller':
        return '%s/controller[%s]' % (path, element.get('type', ''))
    return (path + '/' if path else '') + element.tag


def _identity(element):
    """What identifies an element among its siblings of the same tag (None: its position does)."""
    tag = element.tag
    target = element.find('target')
    if tag == 'disk' and target is not None:
        return target.get('dev')
    if tag == 'interface' and element.find('mac') is not None:
        return element.find('mac').get('address', '').lower()
    if tag == 'controller':
        return '%s/%s' % (element.get('type', ''), element.get('index', '0'))
    if tag == 'channel' and target is not None:
        return target.get('name') or target.get('type')
    if tag in ('serial', 'console') and target is not None:
        return target.get('port', '0')
    return None


def _keyed(children):
    """[(key, child)] with a key unique among the children: (tag, identity or position among its tag)."""
    seen = {}
    keyed = []
    for child in children:
        ident = _identity(child)
        if ident is None:
            ident = '#%d' % seen.get(child.tag, 0)
            seen[child.tag] = seen.get(child.tag, 0) + 1
        keyed.append(((child.tag, ident), child))
    return keyed


def _clean(element):
    """A copy of an element without libvirt's placement noise, whitespace-only text dropped."""
    copy = ElementTree.Element(element.tag, dict(element.attrib))
    text = (element.text or '').strip()
    copy.text = text or None
    for child in element:
        if child.tag not in NOISE:
            copy.append(_clean(child))
    return copy


def libvirt_default(kind, element):
    """Whether an element libvirt's definition has and the new one lacks is one libvirt adds by itself (it
    comes back after a redefinition, so it is no change)."""
    if kind == 'cpu':  # the CPU of a domain that names none (TCG: qemu64, check='none')
        return True
    if kind == 'os/boot':  # a domain without one boots from its disk, also with a <kernel>
        return element.get('dev') == 'hd'
    if kind == 'resource':
        return (element.findtext('partition') or '').strip() == '/machine'
    if kind == 'devices/input':  # the machine type's PS/2 mouse and keyboard
        return element.get('bus') == 'ps2'
    if kind == 'devices/audio':
        return element.get('type') == 'none'
    if kind == 'devices/watchdog':  # q35's built-in iTCO watchdog (libvirt 10 and later)
        return element.get('model') == 'itco'
    if kind.startswith('devices/controller['):  # the machine type's buses
        return element.get('type') in ('usb', 'sata', 'pci', 'ide', 'fdc')
    return False


def _project(current, wanted, path):
    """``current`` as far as ``wanted`` controls it (both cleaned); None for what ``wanted`` lacks and a
    redefinition would not remove: a libvirt default (top level and devices), a detail libvirt adds to an
    element (deeper, unless the role writes that kind)."""
    here = _kind(path, current) if path is not None else 'domain'
    if wanted is None:
        if libvirt_default(here, current):
            return None
        if '/' not in here or here.startswith('devices/') and here.count('/') == 1 or here in ROLE_ELEMENTS:
            return _clean(current)
        return None
    keep = set(wanted.attrib) | ROLE_ATTRIBUTES.get(here, frozenset())
    projected = ElementTree.Element(current.tag, dict((k, v) for k, v in current.attrib.items() if k in keep))
    projected.text = (current.text or '').strip() or None
    wanted_keyed = _keyed([c for c in wanted if c.tag not in NOISE])
    wanted_children = dict(wanted_keyed)
    position = dict((key, i) for i, (key, _child) in enumerate(wanted_keyed))
    child_path = '' if path is None else here
    kept = []
    for key, child in _keyed([c for c in current if c.tag not in NOISE]):
        child = _project(child, wanted_children.get(key), child_path)
        if child is not None:
            kept.append((position.get(key, len(position)), len(kept), child))
    # In the new definition's order; what it lacks after that, in libvirt's.
    for _pos, _seq, child in sorted(kept, key=lambda item: item[:2]):
        projected.append(child)
    return projected


def _rank_key(rank):
    """Sort key of a keyed child: its tag's place in ``rank`` (unknown tags after, by name), then its
    identity (children known by position keep their order: the sort is stable)."""
    def key(keyed):
        (tag, ident), _child = keyed
        return (rank.get(tag, len(rank)), '' if tag in rank else tag, '' if ident.startswith('#') else ident)
    return key


def _ordered(element, order=None):
    """Children in libvirt's order (then by identity), recursively, so both sides render alike."""
    rank = dict((tag, i) for i, tag in enumerate(order or []))
    children = list(element)
    if order is not None:
        keyed = _keyed(children)
        keyed.sort(key=_rank_key(rank))
        children = [child for _key, child in keyed]
    for child in list(element):
        element.remove(child)
    for child in children:
        element.append(_ordered(child, DEVICE_ORDER if child.tag == 'devices' and element.tag == 'domain' else None))
    return element


def render(element):
    """The element as indented XML text, attributes in name order, one element a line."""
    lines = []

    def walk(node, depth):
        attrs = ''.join(" %s='%s'" % (k, _escape(v)) for k, v in sorted(node.attrib.items()))
        pad = '  ' * depth
        if len(node):
            lines.append('%s<%s%s>%s' % (pad, node.tag, attrs, _escape(node.text) if node.text else ''))
            for child in node:
                walk(child, depth + 1)
            lines.append('%s</%s>' % (pad, node.tag))
        elif node.text:
            lines.append('%s<%s%s>%s</%s>' % (pad, node.tag, attrs, _escape(node.text), node.tag))
        else:
            lines.append('%s<%s%s/>' % (pad, node.tag, attrs))

    walk(element, 0)
    return '\n'.join(lines) + '\n'


def _escape(text):
    return text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace("'", '&apos;')


def compare(current, wanted, aliases=None):
    """{'changed', 'before', 'after'}: ``wanted`` (the definition to define) against ``current`` (libvirt's
    inactive definition, ``virsh dumpxml --inactive``; None for a domain that does not exist yet), both
    normalised and rendered alike. ``before`` is '' for a new domain. ``aliases``: ``machine_aliases``."""
    aliases = aliases or {}
    after_root = _ordered(_canonical(_clean(parse(wanted)), aliases), DOMAIN_ORDER)
    after = render(after_root)
    if current is None:
        return {'changed': True, 'before': '', 'after': after}
    before_root = _ordered(_project(_canonical(_clean(parse(current)), aliases), after_root, None), DOMAIN_ORDER)
    before = render(before_root)
    return {'changed': before != after, 'before': before, 'after': after}
