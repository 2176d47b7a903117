# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The kvm_guest role's guest plan and input checks (private to labforge.virt).

kvm_guest_plan() turns kvm_guest_guests into one plan entry per guest (defaults applied, the
UUID and MAC addresses of an existing definition kept) and lists every input error and warning,
so the role's preflight can refuse bad input for all guests at once, before anything changes.
The filter labforge.virt.kvm_guest_plan (plugins/filter/guest_plan.py) is the public interface.

This replaced the Jinja template roles/kvm_guest/templates/plan.json.j2 and keeps its output
and its sentences word for word (molecule scenarios look for some of them). Where the template
leaned on Jinja semantics (undefined attributes, `| string`, `default(x, true)`, `$` in
regular expressions), the helpers below reproduce those semantics on purpose.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import hashlib
import json
import posixpath
import re
import uuid

from collections.abc import Mapping

from ansible_collections.labforge.virt.plugins.module_utils._disk_resize import SIZE_RE as _SIZE_RE

# Anchored with \Z, not $: '$' also accepts a trailing newline, which the Jinja template this
# replaces let through into domain XML and file names.
_NAME_RE = r'^[A-Za-z0-9][A-Za-z0-9_.+-]*\Z'
_MAC_RE = r'^([0-9a-f]{2}:){5}[0-9a-f]{2}\Z'
_WHOLE_NUMBER_RE = r'^[0-9]+\Z'
# source.url: an http(s) URL with a host and a file name, nothing that is not a URL character.
_URL_RE = r'^https?://[A-Za-z0-9.-]+(:[0-9]+)?/[^\s?#]*[^\s?#/](\?[^\s#]*)?\Z'
# source.checksum: a digest, or the URL of a checksum file (SHA256SUMS) get_url reads the digest from.
_DIGESTS = {'sha256': 64, 'sha384': 96, 'sha512': 128}
_DOWNLOAD_TYPES = ('linked_clone', 'full_copy', 'ova')

# ansible.builtin.to_uuid's default namespace: a guest without a UUID keeps the one the template gave it.
_ANSIBLE_UUID_NAMESPACE = uuid.UUID('361E6D51-FAEC-444A-9079-341386DA8E2E')
# ansible.builtin.bool's accepted words.
_TRUE_WORDS = ('yes', 'on', 'true', '1')
_FALSE_WORDS = ('no', 'off', 'false', '0')

_SECLABEL_BASE = (('type', 'dynamic'), ('model', 'selinux'), ('relabel', True))
_MISSING = object()

_NAME_RULE = "letters, digits, '_', '.', '+' and '-'"
_SIZE_EXAMPLE = 'a size such as 512M or 20G'


# --- Jinja semantics the sentences and the accepted input depend on --------------------------

def _field(value, key, default=_MISSING):
    """value.key as Jinja read it: the mapping's item, else undefined (default) for anything else."""
    if isinstance(value, Mapping) and key in value:
        return value[key]
    return default


def _has(value, key):
    """Jinja's `value.key is defined`: a key set to null is defined."""
    return _field(value, key) is not _MISSING


def _text(value):
    """Jinja's `~` and `| string`: None becomes 'None', True 'True'."""
    return value if isinstance(value, str) else str(value)


def _matches(pattern, value):
    """Ansible's `is match(pattern)` test: re.match on the value as text."""
    return re.match(pattern, _text(value)) is not None


def _json_default(value):
    """What ansible.builtin.to_json writes for YAML dates and sets, which json cannot."""
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError('%r is not JSON serializable' % (value,))


def _to_json(value):
    """ansible.builtin.to_json, used where a sentence shows the value as given."""
    return json.dumps(value, default=_json_default)


def _to_bool(value):
    """ansible.builtin.bool: yes/on/true/1 and no/off/false/0 in any case, else value == 1."""
    if isinstance(value, str):
        value = value.lower()
    elif isinstance(value, int):  # bool too
        value = str(value).lower()
    if value in _TRUE_WORDS:
        return True
    if value in _FALSE_WORDS:
        return False
    try:
        return value == 1
    except TypeError:
        return False


def _to_uuid(text):
    """ansible.builtin.to_uuid: a stable UUID for a guest that has none yet."""
    return str(uuid.uuid5(_ANSIBLE_UUID_NAMESPACE, text))


def _joined(words):
    return ', '.join(_text(word) for word in words)


# --- The planner ---------------------------------------------------------------------------

class _Planner(object):
    """Plans the guests one by one; state shared across guests (names, MAC addresses) lives here.

    Errors and warnings are collected, never raised, so one run reports every problem of every guest.
    """

    def __init__(self, host, defaults, domains, found_files, security_models, image_dir, root_size,
                 domain_type, machine, cpu_mode, default_networks, warn_writethrough, vocabulary, template_dir, templates):
        self.host = host
        self.defaults = defaults
        # A guest whose domain exists keeps its UUID and MAC addresses (looked up by name).
        self.existing = domains
        self.found_files = found_files
        self.security_models = security_models
        self.image_dir = image_dir
        self.root_size = root_size
        self.domain_type = domain_type
        self.machine = machine
        self.cpu_mode = cpu_mode
        self.default_networks = default_networks
        self.warn_writethrough = warn_writethrough
        self.vocabulary = vocabulary
        self.template_dir = template_dir
        # Templates kvm_guest_templates makes (state present), before the guests made from them.
        self.templates = templates
        self.errors = []
        self.warnings = []
        self.seen_names = []
        # MAC address -> who has it: the domains that are not guests of this plan first, then each
        # guest as it is planned.
        self.macs = {}

    def plan(self, guests):
        names = [_text(raw['name']) for raw in guests if isinstance(raw, Mapping) and 'name' in raw]
        for domain in sorted(self.existing):
            if domain not in names:
                for mac in _field(self.existing[domain], 'macs', []):
                    self.macs[_text(mac).lower()] = "existing domain '" + _text(domain) + "'"
        entries = []
        for index, raw in enumerate(guests):
            if not isinstance(raw, Mapping) or 'name' not in raw:
                self.errors.append('kvm_guest_guests[%d] must be a mapping with at least a name, got: %s' % (index, _to_json(raw)))
                continue
            entries.append(self.plan_guest(raw))
        return {'plan': entries, 'errors': self.errors, 'warnings': self.warnings}

    def plan_guest(self, raw):
        """One guest's entry; the checks of a guest that should exist only when its state is not absent."""
        guest = dict(self.defaults)  # combine: one level, the guest's keys win
        guest.update(raw)
        name = _text(guest['name'])
        who = "guest '" + name + "'"
        self._check_name(who, name)
        state = _text(_field(guest, 'state', None))
        if state not in self.vocabulary['states']:
            self.errors.append(who + ": state '" + state + "' is not one of " + _joined(self.vocabulary['states']) + '.')
        entry = self._entry(raw, guest, name, state)
        if state != 'absent':
            self._check_size(who, guest, entry)
            cache = _text(_field(guest, 'cache', None))
            self._check_storage(who, guest, cache, entry['domain_type'])
            entry['download'] = self._download(who, entry['source'], entry['source_type'])
            if entry['download']:
                # The rest of the role reads the downloaded file where a local source would be.
                entry['source'] = dict(entry['source'], **{'ova' if entry['source_type'] == 'ova' else 'base': entry['download']['dest']})
            entry['disks'], entry['os'] = self._source(who, guest, name, entry['source'], entry['source_type'], cache,
                                                       entry['download'])
            entry['template_pending'] = entry['source_type'] == 'template' and bool(entry['disks']) \
                and entry['disks'][0]['base'] not in self.found_files
            self._check_root_size(who, entry['disks'])
            entry['disks'].extend(self._extra_disks(who, guest, name, cache))
            self._warn_slow_disks(who, entry['disks'])
            entry['networks'] = self._networks(who, guest, name)
            entry['seclabel'] = self._seclabel(who, guest, state)
            self._check_snapshots(who, entry['snapshots'], entry['revert_snapshot'])
        return entry

    def _check_name(self, who, name):
        if not _matches(_NAME_RE, name):
            self.errors.append(who + ': the name may hold ' + _NAME_RULE + ' only.')
        if name in self.seen_names:
            self.errors.append(who + ': listed twice in kvm_guest_guests.')
        self.seen_names.append(name)

    def _entry(self, raw, guest, name, state):
        """The entry without the parts only a guest that should exist gets (disks, networks, os, seclabel)."""
        source = _field(guest, 'source', None) or {'type': 'blank'}
        source_type = _text(_field(source, 'type', 'blank'))
        existing = self.existing.get(name, {})
        from_ovf = source_type == 'ova'
        return {
            'name': name, 'state': state, 'source': source, 'source_type': source_type,
            'uuid': self._uuid(existing, guest, name),
            'exists': name in self.existing,
            'autostart': _to_bool(_field(guest, 'autostart', None)),
            'remove_disks': _to_bool(_field(guest, 'remove_disks', None)),
            'snapshots': _field(guest, 'snapshots', []),
            'revert_snapshot': _field(guest, 'revert_snapshot', ''),
            'domain_type': _field(guest, 'domain_type', self.domain_type),
            'machine': _field(guest, 'machine', self.machine),
            'cpu_mode': _field(guest, 'cpu_mode', self.cpu_mode),
            'vcpus': _field(guest, 'vcpus', None), 'memory_mib': _field(guest, 'memory_mib', None),
            'vcpus_from_ovf': from_ovf and 'vcpus' not in raw,
            'memory_from_ovf': from_ovf and 'memory_mib' not in raw,
            # A guest made from a template takes what the guest entry leaves out from the template's definition.
            'vcpus_from_template': source_type == 'template' and 'vcpus' not in raw,
            'memory_from_template': source_type == 'template' and 'memory_mib' not in raw,
            'serial_log': _field(guest, 'serial_log', '/var/log/libvirt/qemu/' + name + '-serial.log'),
            'guest_agent': _to_bool(_field(guest, 'guest_agent', True)),
            'disks': [], 'networks': [], 'os': {}, 'download': None,
        }

    def _uuid(self, existing, guest, name):
        """The existing domain's UUID (a redefinition keeps it), else the guest's, else one derived from host and name."""
        existing_uuid = _field(existing, 'uuid', None)
        if existing_uuid:
            return existing_uuid
        if _has(guest, 'uuid'):
            return guest['uuid']
        return _to_uuid(_text(self.host) + '/' + name)

    def _check_size(self, who, guest, entry):
        """vcpus and memory; an OVA guest that sets neither takes them from its OVF."""
        vcpus = _field(guest, 'vcpus', None)
        if not entry['vcpus_from_ovf'] and not _whole_number_at_least(vcpus, 1):
            self.errors.append(who + ': vcpus must be a whole number of at least 1, got ' + _to_json(vcpus) + '.')
        memory = _field(guest, 'memory_mib', None)
        if not entry['memory_from_ovf'] and not _whole_number_at_least(memory, 16):
            self.errors.append(who + ': memory_mib must be a whole number of MiB, at least 16, got ' + _to_json(memory) + '.')

    def _check_storage(self, who, guest, cache, domain_type):
        if domain_type not in ['kvm', 'qemu']:
            self.errors.append(who + ": domain_type must be kvm or qemu, got '" + _text(domain_type) + "'.")
        cache_modes = self.vocabulary['cache_modes']
        if cache not in cache_modes:
            self.errors.append(who + ": cache mode '" + cache + "' does not exist; use one of " + _joined(cache_modes)
                               + " (none is the default; see docs/field-facts.md#cache-modes).")
        disk_bus = _field(guest, 'disk_bus', None)
        if disk_bus not in self.vocabulary['disk_buses']:
            self.errors.append(who + ": disk_bus '" + _text(disk_bus) + "' is not one of " + _joined(self.vocabulary['disk_buses']) + '.')

    def _source(self, who, guest, name, source, source_type, cache, download):
        """The root disk and the direct kernel boot settings the source gives; checks its files exist on the host."""
        disks, boot = [], {}
        root = {'name': 'root', 'path': _text(self.image_dir) + '/' + name + '-root.qcow2'}
        disk_bus = _field(guest, 'disk_bus', None)
        if source_type not in self.vocabulary['source_types']:
            self.errors.append(who + ": source.type '" + source_type + "' is not one of " + _joined(self.vocabulary['source_types']) + '.')
        elif source_type == 'blank':
            root.update({'create': 'blank', 'size': _text(_field(source, 'size', self.root_size)), 'bus': disk_bus, 'cache': cache})
            disks.append(root)
        elif source_type in ['linked_clone', 'full_copy']:
            base = _field(source, 'base')
            if download:
                base = download['dest']
            elif base is _MISSING or _text(base) not in self.found_files:
                shown = '(source.base not set)' if base is _MISSING else _text(base)
                self.errors.append(who + ': the base image ' + shown + ' of the ' + source_type + ' does not exist on ' + _text(self.host) + '.')
            root.update({'create': 'backing' if source_type == 'linked_clone' else 'copy', 'base': _text(base) if base is not _MISSING else '',
                         'size': _text(_field(source, 'size', '')), 'bus': disk_bus, 'cache': cache})
            disks.append(root)
        elif source_type == 'ova':
            ova = _field(source, 'ova')
            if download:
                pass
            elif ova is _MISSING or _text(ova) not in self.found_files:
                shown = '(source.ova not set)' if ova is _MISSING else _text(ova)
                self.errors.append(who + ': the OVA ' + shown + ' does not exist on ' + _text(self.host) + '.')
        elif source_type == 'template':
            root.update(self._template_root(who, source), bus=disk_bus, cache=cache)
            disks.append(root)
        elif source_type == 'kernel':
            self._check_kernel_files(who, source)
            boot = {'kernel': _field(source, 'kernel', ''), 'initrd': _field(source, 'initrd', ''),
                    'cmdline': _field(source, 'cmdline', 'console=ttyS0')}
        return disks, boot

    def _template_root(self, who, source):
        """A guest made from a template: a linked clone (the template is its backing file) or a full copy."""
        template = _text(_field(source, 'template', ''))
        clone = _text(_field(source, 'clone', 'linked'))
        if clone not in ('linked', 'full'):
            self.errors.append(who + ": source.clone '" + clone + "' is not one of linked, full.")
        base = _text(self.template_dir) + '/' + template + '.qcow2'
        if not template:
            self.errors.append(who + ': source.type template needs source.template, the name of a template.')
        elif base not in self.found_files and template not in self.templates:
            self.errors.append(who + ": template '" + template + "' does not exist in " + _text(self.template_dir)
                               + ' and is not in kvm_guest_templates.')
        return {'create': 'copy' if clone == 'full' else 'backing', 'base': base, 'size': _text(_field(source, 'size', ''))}

    def _download(self, who, source, source_type):
        """source.url with source.checksum, in place of a local base or ova: what to download and where to, else None.

        The file is kept under <image_dir>/downloads/ with a prefix derived from URL and checksum, so another
        checksum (a new release at the same URL) is another file, and guests cloned from the old one keep it.
        """
        url = _field(source, 'url')
        if url is _MISSING:
            return None
        url = _text(url)
        local_key = 'ova' if source_type == 'ova' else 'base'
        if source_type not in _DOWNLOAD_TYPES:
            self.errors.append(who + ': source.url is for the types ' + _joined(_DOWNLOAD_TYPES) + ", not '" + source_type + "'.")
            return None
        if _has(source, local_key):
            self.errors.append(who + ': give source.url or source.' + local_key + ', not both.')
        if not _matches(_URL_RE, url):
            self.errors.append(who + ": source.url must be an http:// or https:// URL of a file, got '" + url + "'.")
        checksum = _text(_field(source, 'checksum', ''))
        if not _checksum_valid(checksum):
            self.errors.append(who + ': source.url needs source.checksum, ' + _joined(sorted(_DIGESTS)) + " and a colon, then"
                               " the file's hex digest or the http(s) URL of a checksum file such as SHA256SUMS (got '"
                               + checksum + "'). The image is only used when it matches.")
        return {'url': url, 'checksum': checksum, 'dest': download_dest(_text(self.image_dir), url, checksum)}

    def _check_kernel_files(self, who, source):
        """The kernel must exist on the host; the initrd only when one is given."""
        for key in ['kernel', 'initrd']:
            path = _field(source, key)
            if key == 'initrd' and path is _MISSING:
                continue
            shown = '(source.kernel not set)' if path is _MISSING else _text(path)
            if shown not in self.found_files:
                self.errors.append(who + ': the ' + key + ' ' + shown + ' does not exist on ' + _text(self.host) + '.')

    def _check_root_size(self, who, disks):
        if disks and disks[0]['size'] and not _matches(_SIZE_RE, disks[0]['size']):
            self.errors.append(who + ": source.size '" + disks[0]['size'] + "' is not " + _SIZE_EXAMPLE + '.')

    def _extra_disks(self, who, guest, name, cache):
        """disks: blank qcow2 disks beside the root disk, each with a unique name; bus and cache default to the guest's."""
        disks = []
        names = ['root']
        disk_bus = _field(guest, 'disk_bus', None)
        cache_modes = self.vocabulary['cache_modes']
        disk_buses = self.vocabulary['disk_buses']
        for number, disk in enumerate(_field(guest, 'disks', []), 1):
            disk_name = _text(_field(disk, 'name', ''))
            if not _matches(_NAME_RE, disk_name) or disk_name in names:
                self.errors.append(who + ": disk " + str(number) + " needs a unique name of " + _NAME_RULE + " (got '" + disk_name
                                   + "'; 'root' is taken by the source disk).")
            names.append(disk_name)
            size = _text(_field(disk, 'size', '10G'))
            if not _matches(_SIZE_RE, size):
                self.errors.append(who + ": disk '" + disk_name + "' size '" + size + "' is not " + _SIZE_EXAMPLE + '.')
            disk_cache = _text(_field(disk, 'cache', cache))
            if disk_cache not in cache_modes:
                self.errors.append(who + ": disk '" + disk_name + "' cache mode '" + disk_cache + "' does not exist; use one of "
                                   + _joined(cache_modes) + '.')
            bus = _field(disk, 'bus', disk_bus)
            if bus not in disk_buses:
                self.errors.append(who + ": disk '" + disk_name + "' bus '" + _text(bus) + "' is not one of " + _joined(disk_buses) + '.')
            path = _field(disk, 'path', _text(self.image_dir) + '/' + name + '-' + disk_name + '.qcow2')
            disks.append({'name': disk_name, 'path': path, 'create': 'blank', 'size': size, 'bus': bus, 'cache': disk_cache})
        return disks

    def _warn_slow_disks(self, who, disks):
        """writethrough was the slowest cache mode measured: allowed, but said on every run (unless switched off)."""
        for disk in disks:
            if disk['cache'] == 'writethrough' and self.warn_writethrough:
                self.warnings.append(who + ": disk '" + _text(disk['name']) + "' uses cache=writethrough, the slowest mode measured"
                                     " (none and writeback were close, writethrough last; see docs/field-facts.md#cache-modes).")

    def _networks(self, who, guest, name):
        """The guest's NICs; each MAC is the given one, the existing definition's, or one derived from host, guest and index."""
        networks = []
        existing_macs = _field(self.existing.get(name, {}), 'macs')
        net_models = self.vocabulary['net_models']
        for index, network in enumerate(_field(guest, 'networks', self.default_networks)):
            if _has(network, 'mac'):
                mac = _text(_field(network, 'mac')).lower()
            elif existing_macs is not _MISSING and len(existing_macs) > index:
                mac = _text(existing_macs[index]).lower()
            else:
                mac = _generated_mac(_text(self.host) + '/' + name + '/' + str(index))
            if _has(network, 'network') == _has(network, 'bridge'):
                self.errors.append(who + ': network ' + str(index + 1)
                                   + ' needs exactly one of network (a libvirt network) or bridge (a host bridge).')
            model = _field(network, 'model', _field(guest, 'net_model', None))
            if model not in net_models:
                self.errors.append(who + ": network " + str(index + 1) + " model '" + _text(model) + "' is not one of " + _joined(net_models) + '.')
            self._check_mac(who, mac)
            networks.append({'type': 'network' if _has(network, 'network') else 'bridge',
                             'source': _field(network, 'network', _field(network, 'bridge', '')), 'mac': mac, 'model': model})
        return networks

    def _check_mac(self, who, mac):
        """A unicast address, used by no other NIC of these guests or of the host's other domains; then it is taken."""
        if not _matches(_MAC_RE, mac) or int(mac[0:2], 16) % 2 == 1:
            self.errors.append(who + ": MAC address '" + mac + "' is not a unicast address like 52:54:00:12:34:56.")
        elif mac in self.macs:
            self.errors.append(who + ': duplicate MAC address ' + mac + ', already used by ' + self.macs[mac] + '.')
        self.macs[mac] = who

    def _seclabel(self, who, guest, state):
        """The sVirt label (dynamic selinux by default); a running guest's model must be one libvirt offers on the host."""
        label = dict(_SECLABEL_BASE)
        given = _field(guest, 'seclabel', None) or {}
        if not isinstance(given, Mapping):
            raise TypeError("%s: seclabel must be a mapping, got %s" % (who, _to_json(given)))
        label.update(given)
        label_type = label['type']
        if label_type not in self.vocabulary['seclabel_types']:
            self.errors.append(who + ": seclabel.type '" + _text(label_type) + "' is not one of " + _joined(self.vocabulary['seclabel_types']) + '.')
        elif label_type == 'static' and not label.get('label', ''):
            self.errors.append(who + ': a static seclabel needs a label such as system_u:system_r:svirt_t:s0:c10,c20.')
        elif label_type != 'none' and state == 'running' and label['model'] not in self.security_models:
            self.errors.append(who + ': seclabel model ' + _text(label['model']) + ' is not available in libvirt on ' + _text(self.host)
                               + ' (it offers ' + _joined(self.security_models) + '), so the guest could not start. Enable SELinux with'
                               ' the labforge.virt.svirt role, or set seclabel.type: none for this guest.')
        return label

    def _check_snapshots(self, who, snapshots, revert_snapshot):
        """Snapshot names and states; revert_snapshot must name a snapshot that is (or stays) present."""
        present = []
        for snapshot in snapshots:
            snapshot_state = _field(snapshot, 'state', 'present')
            if not _matches(_NAME_RE, _field(snapshot, 'name', '')) or snapshot_state not in ['present', 'absent']:
                self.errors.append(who + ': snapshot ' + _to_json(snapshot) + ' needs a name of letters, digits, _ . + - and a state present or absent.')
            if _has(snapshot, 'name') and (not _has(snapshot, 'state') or _field(snapshot, 'state') == 'present'):
                present.append(_field(snapshot, 'name'))
        if revert_snapshot and revert_snapshot not in present:
            self.errors.append(who + ": revert_snapshot '" + _text(revert_snapshot) + "' is not one of the guest's present snapshots.")


def download_dest(directory, url, checksum):
    """Where a URL image is kept: <directory>/downloads/<12 hex of URL and checksum>-<file name>.

    Another checksum (a new release at the same URL) is another file, so what was made from the old one keeps it.
    """
    file_name = posixpath.basename(url.split('?', 1)[0])
    if not _matches(_NAME_RE, file_name):
        file_name = 'image'
    prefix = hashlib.sha256((url + '\n' + checksum).encode('utf-8', 'surrogateescape')).hexdigest()[:12]
    return directory + '/downloads/' + prefix + '-' + file_name


def _checksum_valid(checksum):
    """'<algorithm>:<hex digest of its length>' or '<algorithm>:<http(s) URL of a checksum file>'."""
    algorithm, _sep, value = checksum.partition(':')
    if algorithm not in _DIGESTS:
        return False
    if _matches(_URL_RE, value):
        return True
    return _matches(r'^[0-9a-fA-F]{%d}\Z' % _DIGESTS[algorithm], value)


def _whole_number_at_least(value, minimum):
    """Digits only (an int or a string of digits, not a float or a bool), at least minimum."""
    return _matches(_WHOLE_NUMBER_RE, value) and int(_text(value)) >= minimum


def _generated_mac(seed):
    """52:54:00 (QEMU's prefix) and three bytes of the seed's SHA-1: stable across runs, distinct per guest and NIC."""
    digest = hashlib.sha1(seed.encode('utf-8', 'surrogateescape')).hexdigest()
    return '52:54:00:' + digest[0:2] + ':' + digest[2:4] + ':' + digest[4:6]


def kvm_guest_plan(guests, host, defaults, image_dir, root_size, domain_type, machine, cpu_mode, default_networks,
                   cache_modes, source_types, states, disk_buses, net_models, seclabel_types,
                   domains=None, found_files=None, security_models=None, warn_writethrough=True,
                   template_dir='/var/lib/libvirt/templates', templates=None):
    """Plan kvm_guest_guests and check them: {'plan': [entry per guest], 'errors': [...], 'warnings': [...]}.

    The role's variables come in as arguments (defaults = kvm_guest_defaults, the vocabularies from
    vars/main.yml) and so does what preflight read on the host: domains (name -> {uuid, macs} of every
    domain libvirt knows, libvirt_domains of their XML), found_files (the source files that exist) and
    security_models (the sVirt models libvirt offers). template_dir is kvm_guest_template_dir, templates the names
    of the templates kvm_guest_templates makes in this run.
    """
    vocabulary = {'cache_modes': cache_modes, 'source_types': source_types, 'states': states, 'disk_buses': disk_buses,
                  'net_models': net_models, 'seclabel_types': seclabel_types}
    planner = _Planner(host, defaults, domains or {}, found_files or [], security_models or [], image_dir,
                       root_size, domain_type, machine, cpu_mode, default_networks, warn_writethrough, vocabulary,
                       template_dir, list(templates or []))
    return planner.plan(guests)
