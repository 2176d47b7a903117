# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Discover running qemu guests, their sVirt labels and their disks' labels.

Private to labforge.virt: the svirt_label_info module is the public interface.
Sources, all read-only: /proc/<pid>/cmdline and /proc/<pid>/attr/current, the
libvirt domain XML (live status XML under /run/libvirt/qemu first, then the
persistent definition under /etc/libvirt/qemu) and the ``security.selinux``
extended attribute of each disk image.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import re
import xml.etree.ElementTree as ET

from ansible_collections.labforge.virt.plugins.module_utils._selinux import (
    SELinuxError,
    format_categories,
    parse_context,
    read_file_label,
    read_process_label,
)

CONFINED_TYPES = ('svirt_t', 'svirt_tcg_t')
DEFAULT_XML_DIRS = ('/run/libvirt/qemu', '/etc/libvirt/qemu')

_QEMU_BINARY_RE = re.compile(r'^(qemu-system-[A-Za-z0-9_.-]+|qemu-kvm)$')
# block drivers whose "filename" is a local path that carries a label
_FILE_DRIVERS = ('file', 'host_device', 'host_cdrom')


# --------------------------------------------------------------------------
# qemu command line


def is_qemu_argv(argv):
    return bool(argv) and bool(_QEMU_BINARY_RE.match(os.path.basename(argv[0])))


def split_qemu_opts(text):
    """Split a QemuOpts string ``a=b,c=d`` (``,,`` is a literal comma).

    Returns a list of ``(key, value)``; an item without ``=`` has key None.
    """
    items = []
    buf = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == ',':
            if i + 1 < n and text[i + 1] == ',':
                buf.append(',')
                i += 2
                continue
            items.append(''.join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    items.append(''.join(buf))
    out = []
    for item in items:
        if item == '':
            continue
        key, sep, value = item.partition('=')
        if sep:
            out.append((key, value))
        else:
            out.append((None, item))
    return out


def _truthy(value):
    if isinstance(value, bool):
        return value
    return str(value).lower() in ('on', 'yes', 'true', '1')


def _walk_blockdev_json(node, found):
    """Collect file-like leaf nodes from a (possibly nested) blockdev dict."""
    if not isinstance(node, dict):
        return
    driver = node.get('driver')
    if driver in _FILE_DRIVERS and isinstance(node.get('filename'), str):
        found.append(node)
    for value in node.values():
        if isinstance(value, dict):
            _walk_blockdev_json(value, found)


def _dotted_to_nested(pairs):
    """``file.driver=file,file.filename=/x`` -> {'file': {'driver': 'file', ...}}."""
    root = {}
    for key, value in pairs:
        if key is None:
            continue
        cur = root
        parts = key.split('.')
        for p in parts[:-1]:
            nxt = cur.get(p)
            if not isinstance(nxt, dict):
                nxt = {}
                cur[p] = nxt
            cur = nxt
        cur[parts[-1]] = value
    return root


def parse_blockdev_arg(arg):
    """Parse one ``-blockdev`` argument (JSON or key=value) into a dict."""
    arg = arg.strip()
    if arg.startswith('{'):
        try:
            value = json.loads(arg)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
    return _dotted_to_nested(split_qemu_opts(arg))


def parse_qemu_cmdline(argv):
    """Extract the guest name, UUID and disk paths from a qemu argv list.

    Each disk is ``{'path', 'node_name', 'readonly', 'backing', 'option'}``
    where option is ``-blockdev`` or ``-drive``.
    """
    info = {'binary': argv[0] if argv else None, 'name': None, 'uuid': None, 'disks': []}
    blockdevs = []
    drives = []
    i = 1
    while i < len(argv):
        opt = argv[i]
        val = argv[i + 1] if i + 1 < len(argv) else None
        if opt in ('-name', '--name') and val is not None:
            for key, v in split_qemu_opts(val):
                if key in (None, 'guest') and info['name'] is None:
                    info['name'] = v
            i += 2
            continue
        if opt in ('-uuid', '--uuid') and val is not None:
            info['uuid'] = val
            i += 2
            continue
        if opt in ('-blockdev', '--blockdev') and val is not None:
            blockdevs.append(parse_blockdev_arg(val))
            i += 2
            continue
        if opt in ('-drive', '--drive') and val is not None:
            drives.append(dict((k, v) for k, v in split_qemu_opts(val) if k is not None))
            i += 2
            continue
        i += 1

    # format/filter nodes point at storage nodes by node-name; read-only and
    # backing status live on the format node in libvirt's blockdev layout.
    referenced_ro = {}
    backing_targets = set()
    by_node = {}
    for bd in blockdevs:
        name = bd.get('node-name')
        if name:
            by_node[name] = bd
        if isinstance(bd.get('file'), str):
            referenced_ro[bd['file']] = _truthy(bd.get('read-only', False))
        if isinstance(bd.get('backing'), str):
            backing_targets.add(bd['backing'])
    backing_storage = set()
    for target in backing_targets:
        fmt = by_node.get(target)
        if fmt is not None and isinstance(fmt.get('file'), str):
            backing_storage.add(fmt['file'])
        backing_storage.add(target)

    seen = set()
    for bd in blockdevs:
        leaves = []
        _walk_blockdev_json(bd, leaves)
        for leaf in leaves:
            path = leaf['filename']
            if not path.startswith('/') or path.startswith('/dev/fdset/') or path in seen:
                continue
            seen.add(path)
            node = leaf.get('node-name') or bd.get('node-name')
            readonly = _truthy(leaf.get('read-only', bd.get('read-only', False)))
            if node in referenced_ro:
                readonly = readonly or referenced_ro[node]
            info['disks'].append({
                'path': path,
                'node_name': node,
                'readonly': readonly,
                'backing': node in backing_storage,
                'option': '-blockdev',
            })
    for drv in drives:
        path = drv.get('file') or drv.get('file.filename')
        if not path or not path.startswith('/') or path.startswith('/dev/fdset/') or path in seen:
            continue
        seen.add(path)
        info['disks'].append({
            'path': path,
            'node_name': drv.get('id'),
            'readonly': _truthy(drv.get('readonly', 'off')) or drv.get('media') == 'cdrom',
            'backing': False,
            'option': '-drive',
        })
    return info


def read_cmdline(proc_root, pid):
    """Return argv for pid as a list of str, or None when unreadable/empty."""
    try:
        with open(os.path.join(proc_root, str(pid), 'cmdline'), 'rb') as f:
            data = f.read()
    except (IOError, OSError):
        return None
    if not data:
        return None
    parts = data.split(b'\x00')
    if parts and parts[-1] == b'':
        parts.pop()
    return [p.decode('utf-8', 'surrogateescape') for p in parts]


def find_qemu_processes(proc_root='/proc'):
    """List ``(pid, argv)`` for every running qemu-system-*/qemu-kvm process."""
    out = []
    try:
        entries = os.listdir(proc_root)
    except (IOError, OSError):
        return out
    for entry in entries:
        if not entry.isdigit():
            continue
        argv = read_cmdline(proc_root, entry)
        if argv and is_qemu_argv(argv):
            out.append((int(entry), argv))
    out.sort()
    return out


# --------------------------------------------------------------------------
# libvirt domain XML


def _seclabel_dict(el):
    def text(tag):
        child = el.find(tag)
        return child.text.strip() if child is not None and child.text else None
    return {
        'model': el.get('model'),
        'type': el.get('type'),
        'relabel': el.get('relabel'),
        'label': text('label'),
        'imagelabel': text('imagelabel'),
        'baselabel': text('baselabel'),
    }


def _source_path(disk_or_store):
    src = disk_or_store.find('source')
    if src is None:
        return None, None
    path = src.get('file') or src.get('dev') or src.get('dir')
    relabel = None
    for sl in src.findall('seclabel'):
        if sl.get('model') in (None, 'selinux'):
            relabel = sl.get('relabel')
    return path, relabel


def parse_domain_xml(text):
    """Parse a persistent (``<domain>``) or live status (``<domstatus>``) XML.

    Returns ``{'name', 'uuid', 'pid', 'seclabels': [...], 'disks': [...]}``.
    """
    root = ET.fromstring(text)
    pid = None
    if root.tag == 'domstatus':
        pid = root.get('pid')
        dom = root.find('domain')
        if dom is None:
            raise ValueError('domstatus XML without a <domain> element')
    elif root.tag == 'domain':
        dom = root
    else:
        raise ValueError('not a libvirt domain XML (root element <%s>)' % root.tag)
    name_el = dom.find('name')
    uuid_el = dom.find('uuid')
    result = {
        'name': name_el.text.strip() if name_el is not None and name_el.text else None,
        'uuid': uuid_el.text.strip() if uuid_el is not None and uuid_el.text else None,
        'pid': int(pid) if pid and pid.isdigit() else None,
        'seclabels': [_seclabel_dict(sl) for sl in dom.findall('seclabel')],
        'disks': [],
    }
    devices = dom.find('devices')
    for disk in (devices.findall('disk') if devices is not None else []):
        path, relabel = _source_path(disk)
        entry = {
            'path': path,
            'device': disk.get('device', 'disk'),
            'type': disk.get('type'),
            'readonly': disk.find('readonly') is not None,
            'shareable': disk.find('shareable') is not None,
            'relabel': relabel,
            'backing': False,
        }
        if path:
            result['disks'].append(entry)
        store = disk.find('backingStore')
        while store is not None:
            bpath, brelabel = _source_path(store)
            if bpath:
                result['disks'].append({
                    'path': bpath, 'device': entry['device'], 'type': store.get('type'),
                    'readonly': True, 'shareable': False, 'relabel': brelabel, 'backing': True,
                })
            store = store.find('backingStore')
    return result


def selinux_seclabel(domain):
    """The ``model='selinux'`` seclabel of a parsed domain (or None)."""
    for sl in domain.get('seclabels', []):
        if sl.get('model') == 'selinux':
            return sl
    return None


def load_domain_xml(name, xml_dirs=DEFAULT_XML_DIRS):
    """Find ``<dir>/<name>.xml`` in the first directory that has it.

    Returns ``(parsed_or_None, path_or_None, error_or_None)``.
    """
    if not name:
        return None, None, None
    errors = []
    for d in xml_dirs:
        path = os.path.join(d, name + '.xml')
        try:
            with open(path, 'rb') as f:
                data = f.read()
        except (IOError, OSError):
            continue
        try:
            return parse_domain_xml(data), path, None
        except (ET.ParseError, ValueError) as e:
            errors.append('%s: %s' % (path, e))
    return None, None, '; '.join(errors) or None


# --------------------------------------------------------------------------
# the audit


def _label_fields(label):
    """Parse a label string into the fields returned to the user."""
    fields = {'label': label, 'type': None, 'level': None, 'categories': [], 'mcs': ''}
    if not label:
        return fields, None
    try:
        ctx = parse_context(label)
    except SELinuxError as e:
        return fields, str(e)
    fields.update(ctx.as_dict())
    return fields, None


def _merge_disks(cmd_disks, xml_disks):
    merged = []
    index = {}
    for d in cmd_disks:
        entry = {
            'path': d['path'], 'source': 'cmdline', 'readonly': d['readonly'], 'backing': d['backing'],
            'shareable': False, 'device': None, 'relabel': None,
        }
        index[d['path']] = entry
        merged.append(entry)
    for d in xml_disks:
        entry = index.get(d['path'])
        if entry is None:
            entry = {'path': d['path'], 'source': 'xml', 'readonly': False, 'backing': False,
                     'shareable': False, 'device': None, 'relabel': None}
            index[d['path']] = entry
            merged.append(entry)
        else:
            entry['source'] = 'cmdline+xml'
        entry['readonly'] = entry['readonly'] or d['readonly']
        entry['backing'] = entry['backing'] or d['backing']
        entry['shareable'] = d['shareable']
        entry['device'] = d['device']
        entry['relabel'] = d['relabel']
    return merged


def audit(proc_root='/proc', xml_dirs=DEFAULT_XML_DIRS, getxattr=None, selinux_enabled=True,
          confined_types=CONFINED_TYPES):
    """Scan and judge. Returns ``{'guests', 'findings', 'shared_disks'}``."""
    guests = []
    findings = []
    shared = {}

    for pid, argv in find_qemu_processes(proc_root):
        cmd = parse_qemu_cmdline(argv)
        raw_label, label_error = read_process_label(proc_root, pid)
        proc_fields, parse_error = _label_fields(raw_label if selinux_enabled else None)
        if raw_label and not selinux_enabled:
            label_error = 'SELinux is not enabled; %r is not an SELinux label' % raw_label
        elif parse_error:
            label_error = parse_error
        domain, xml_path, xml_error = load_domain_xml(cmd['name'], xml_dirs)
        proc_fs_root = os.path.join(proc_root, str(pid), 'root')
        if domain is None and xml_error is None and cmd['name'] and os.path.isdir(proc_fs_root):
            # qemu in another mount namespace (libvirt inside a container): look through its root
            domain, xml_path, xml_error = load_domain_xml(
                cmd['name'], [proc_fs_root + d for d in xml_dirs if d.startswith('/')])
        seclabel = selinux_seclabel(domain) if domain else None
        guest = {
            'pid': pid,
            'binary': cmd['binary'],
            'domain': cmd['name'],
            'uuid': cmd['uuid'] or (domain or {}).get('uuid'),
            'label_error': label_error,
            'xml_path': xml_path,
            'xml_error': xml_error,
            'seclabel': seclabel,
            'disks': [],
        }
        guest.update(proc_fields)
        guest['confined'] = bool(selinux_enabled and guest['type'] in confined_types)
        for disk in _merge_disks(cmd['disks'], (domain or {}).get('disks', [])):
            label, err = read_file_label(disk['path'], getxattr)
            disk['read_via'] = None
            if label is None and err and err.startswith('ENOENT') and os.path.isdir(proc_fs_root):
                # the image lives in qemu's mount namespace only: read it through /proc/PID/root
                alt = proc_fs_root + disk['path']
                alt_label, alt_err = read_file_label(alt, getxattr)
                if not (alt_err and alt_err.startswith('ENOENT')):
                    label, err = alt_label, alt_err
                    disk['read_via'] = alt
            fields, perr = _label_fields(label)
            disk.update(fields)
            disk['label_error'] = err or perr
            disk['shared'] = bool(label and not perr and not fields['categories'])
            if disk['shared']:
                key = disk['path']
                entry = shared.setdefault(key, {'path': key, 'label': label, 'domains': [], 'pids': []})
                entry['domains'].append(guest['domain'])
                entry['pids'].append(pid)
            guest['disks'].append(disk)
        guests.append(guest)

    findings.extend(_findings(guests, selinux_enabled, confined_types))
    return {
        'guests': guests,
        'findings': findings,
        'shared_disks': sorted(shared.values(), key=lambda e: e['path']),
    }


def _finding(kind, message, guests, path=None, label=None, mcs=None):
    """Every finding has the same keys; domain/pid name the first guest involved."""
    return {
        'kind': kind,
        'domain': guests[0]['domain'] if len(guests) == 1 else None,
        'pid': guests[0]['pid'] if len(guests) == 1 else None,
        'domains': [g['domain'] for g in guests],
        'pids': [g['pid'] for g in guests],
        'path': path,
        'label': label,
        'mcs': mcs,
        'message': message,
    }


def _who(guest):
    return '%s (pid %d)' % (guest['domain'] or 'unnamed qemu', guest['pid'])


def _findings(guests, selinux_enabled, confined_types):
    out = []
    for g in guests:
        if not g['confined']:
            if not selinux_enabled:
                why = 'SELinux is not enabled on this host, so no qemu process is confined'
            elif g['label'] is None:
                why = 'its label could not be read (%s)' % g['label_error']
            else:
                why = 'it runs as %s, not one of %s' % (g['type'], ', '.join(confined_types))
            out.append(_finding(
                'unconfined',
                'Guest %s is not confined by sVirt: %s. Set security_driver = "selinux" '
                'and security_default_confined = 1 in qemu.conf and restart the guest.' % (_who(g), why),
                [g], label=g['label'], mcs=g['mcs'] or None))
        elif not g['categories']:
            out.append(_finding(
                'no_categories',
                'Guest %s runs as %s without MCS categories, so sVirt does not separate it from '
                'other guests; use a dynamic label or a static label with a unique category pair.'
                % (_who(g), g['label']),
                [g], label=g['label']))
        sl = g['seclabel']
        if sl and sl.get('type') == 'static' and sl.get('relabel') == 'no':
            out.append(_finding(
                'static_no_relabel',
                'Guest %s uses a static label %s with relabel=no: libvirt does not label its images, '
                'so each image must already carry the matching categories (see image_category_mismatch findings).'
                % (_who(g), sl.get('label')),
                [g], label=sl.get('label'), mcs=g['mcs'] or None))
        if not (selinux_enabled and g['label'] and g['categories']):
            continue
        for d in g['disks']:
            if d['label'] and d['categories'] and d['categories'] != g['categories']:
                out.append(_finding(
                    'image_category_mismatch',
                    'Disk %s of guest %s is labelled %s (categories %s) but the process runs with %s: '
                    'the guest cannot use its own image, or another guest can reach it. Restart the guest '
                    'with relabel=yes or restore the image label.' % (d['path'], _who(g), d['label'], d['mcs'], g['mcs']),
                    [g], path=d['path'], label=d['label'], mcs=d['mcs']))
    groups = {}
    for g in guests:
        if selinux_enabled and g['label'] and g['categories']:
            groups.setdefault(tuple(g['categories']), []).append(g)
    for cats, members in sorted(groups.items()):
        if len(members) < 2:
            continue
        mcs = format_categories(cats)
        out.append(_finding(
            'duplicate_categories',
            'Guests %s share the category set %s: sVirt cannot keep them apart. '
            'Give each a unique pair (dynamic labels, or labforge.virt.mcs_allocate for static ones).'
            % (', '.join(_who(m) for m in members), mcs),
            members, mcs=mcs))
    return out
