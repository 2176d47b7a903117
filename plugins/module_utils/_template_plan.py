# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The kvm_guest role's template plan and input checks (private to labforge.virt).

template_plan() turns kvm_guest_templates into one entry per template, in the order given (a
template may be made from one listed before it), and lists every input error, so the role's
preflight refuses bad input before anything changes. An entry is ``pending`` when its source is
only there once the run made it (a guest or template of this run, a download, an NFS mount):
check mode cannot make such a template, nor show it. The module labforge.virt.kvm_template
makes each entry; downloads and NFS shares are the role's, the entry says what to fetch.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import posixpath
import re

from collections.abc import Mapping

from ansible_collections.labforge.virt.plugins.module_utils._guest_plan import (
    _URL_RE, _checksum_valid, _DIGESTS, _FALSE_WORDS, _NAME_RE, _NAME_RULE, _TRUE_WORDS, _whole_number_at_least, download_dest)

SOURCE_TYPES = ('guest', 'template', 'file', 'url', 'nfs')
_HOST_RE = r'^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?\Z|^\[[0-9A-Fa-f:.]+\]\Z'
# What each source type must give besides its type.
_REQUIRED = {'guest': ('guest',), 'template': ('template',), 'file': ('path',), 'url': ('url', 'checksum'),
             'nfs': ('server', 'export', 'path')}


def _bool(value, default):
    """ansible.builtin.bool's words; None for anything else (a typo must not pick a side: false converts a guest)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    word = str(value).lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


def _int_or_none(value, minimum, who, key, errors):
    if value is None:
        return None
    if not _whole_number_at_least(value, minimum):
        errors.append('%s: %s must be a whole number of at least %d, got %s.' % (who, key, minimum, json.dumps(value)))
        return None
    return int(value)


class _TemplatePlanner(object):

    def __init__(self, template_dir, guests, domains, found_files):
        self.template_dir = template_dir
        # Guests of kvm_guest_guests that will exist after the guest phase (not absent), with their sources.
        self.guest_sources = [(str(g['name']), g.get('source')) for g in guests if isinstance(g, Mapping) and 'name' in g
                              and str(g.get('state', 'running')) != 'absent']
        self.planned_guests = [name for name, _source in self.guest_sources]
        # Of those, the guests built before the templates: the ones made from a template come after them.
        self.built_before = [name for name, source in self.guest_sources
                             if not (isinstance(source, Mapping) and source.get('type') == 'template')]
        self.domains = domains
        self.found_files = found_files
        self.errors = []
        self.seen = []
        self.present = []

    def image(self, name):
        return '%s/%s.qcow2' % (self.template_dir, name)

    def plan(self, templates):
        entries = []
        for index, raw in enumerate(templates):
            if not isinstance(raw, Mapping) or 'name' not in raw:
                self.errors.append('kvm_guest_templates[%d] must be a mapping with at least a name, got: %s' % (index, json.dumps(raw, default=str)))
                continue
            entries.append(self.plan_template(raw))
        self._check_in_use(entries)
        return {'plan': entries, 'errors': self.errors}

    def plan_template(self, raw):
        name = str(raw['name'])
        who = "template '%s'" % name
        if not re.match(_NAME_RE, name):
            self.errors.append('%s: the name may hold %s only.' % (who, _NAME_RULE))
        if name in self.seen:
            self.errors.append('%s: listed twice in kvm_guest_templates.' % who)
        self.seen.append(name)
        state = str(raw.get('state', 'present'))
        entry = {'name': name, 'state': state, 'path': self.image(name), 'exists': self.image(name) in self.found_files,
                 'source': None, 'download': None, 'nfs': None, 'seal': False, 'pending': False,
                 'vcpus': _int_or_none(raw.get('vcpus'), 1, who, 'vcpus', self.errors),
                 'memory_mib': _int_or_none(raw.get('memory_mib'), 16, who, 'memory_mib', self.errors)}
        if state not in ('present', 'absent'):
            self.errors.append("%s: state '%s' is not one of present, absent." % (who, state))
        elif state == 'present':
            self._source(who, name, raw, entry)
            self.present.append(name)
        return entry

    def _source(self, who, name, raw, entry):
        source = raw.get('source')
        kind = str(source.get('type', '')) if isinstance(source, Mapping) else ''
        if kind not in SOURCE_TYPES:
            self.errors.append('%s: source must be a mapping whose type is one of %s, got %s.'
                               % (who, ', '.join(SOURCE_TYPES), json.dumps(source, default=str)))
            return
        missing = [key for key in _REQUIRED[kind] if not source.get(key)]
        if missing:
            self.errors.append('%s: source.type %s needs source.%s.' % (who, kind, ' and source.'.join(missing)))
            return
        # Sealing clears what makes a machine itself: by default for a template made from a guest only.
        entry['seal'] = _bool(raw.get('seal'), kind == 'guest')
        if entry['seal'] is None:
            self.errors.append('%s: seal must be true or false, got %s.' % (who, json.dumps(raw.get('seal'), default=str)))
        getattr(self, '_' + kind)(who, name, source, entry)

    def _guest(self, who, name, source, entry):
        guest = str(source['guest'])
        keep = _bool(source.get('keep_guest'), True)
        entry['source'] = {'type': 'guest', 'guest': guest, 'keep_guest': keep}
        entry['pending'] = guest not in self.domains
        if keep is None:
            self.errors.append('%s: source.keep_guest must be true (clone the guest) or false (convert it), got %s.'
                               % (who, json.dumps(source.get('keep_guest'), default=str)))
        elif not keep and guest in self.planned_guests:
            self.errors.append("%s: converting guest '%s' (keep_guest: false) removes it, but kvm_guest_guests still lists it;"
                               " remove it from kvm_guest_guests, or clone it (keep_guest: true)." % (who, guest))
        elif guest not in self.domains and guest not in self.built_before and not entry['exists']:
            if guest in self.planned_guests:
                self.errors.append("%s: guest '%s' is made from a template, after the templates, and does not exist yet;"
                                   " it can be cloned from the next run on." % (who, guest))
            else:
                self.errors.append("%s: guest '%s' does not exist on this host and is not in kvm_guest_guests." % (who, guest))

    def _template(self, who, name, source, entry):
        template = str(source['template'])
        entry['source'] = {'type': 'template', 'template': template}
        entry['pending'] = self.image(template) not in self.found_files
        if template == name:
            self.errors.append('%s: a template cannot be made from itself.' % who)
        elif template not in self.present and self.image(template) not in self.found_files and not entry['exists']:
            self.errors.append("%s: template '%s' does not exist in %s and is not listed before it in kvm_guest_templates."
                               % (who, template, self.template_dir))

    def _file(self, who, name, source, entry):
        path = str(source['path'])
        entry['source'] = {'type': 'file', 'path': path}
        if not path.startswith('/'):
            self.errors.append('%s: source.path must be an absolute path, got %s.' % (who, path))
        elif path not in self.found_files and not entry['exists']:
            self.errors.append('%s: the image %s does not exist on this host.' % (who, path))

    def _url(self, who, name, source, entry):
        url, checksum = str(source['url']), str(source['checksum'])
        if not re.match(_URL_RE, url):
            self.errors.append("%s: source.url must be an http:// or https:// URL of a file, got '%s'." % (who, url))
        if not _checksum_valid(checksum):
            self.errors.append("%s: source.checksum must be %s and a colon, then the file's hex digest or the http(s) URL of a"
                               " checksum file (got '%s'); the image is only used when it matches." % (who, ', '.join(sorted(_DIGESTS)), checksum))
        dest = download_dest(self.template_dir, url, checksum)
        entry['download'] = {'url': url, 'checksum': checksum, 'dest': dest}
        entry['source'] = {'type': 'file', 'path': dest}
        entry['pending'] = True  # downloaded by the run

    def _nfs(self, who, name, source, entry):
        """An image on an NFS share: the role mounts the export read-only at a private point, imports, unmounts."""
        server, export, path = str(source['server']), str(source['export']), str(source['path'])
        if not re.match(_HOST_RE, server):
            self.errors.append("%s: source.server must be a host name or address, got '%s'." % (who, server))
        if not export.startswith('/') or '..' in export.split('/'):
            self.errors.append("%s: source.export must be an absolute path without '..', got '%s'." % (who, export))
        if path.startswith('/') or '..' in path.split('/') or not path.strip('/'):
            self.errors.append("%s: source.path is the image's path inside the export, relative and without '..', got '%s'."
                               % (who, path))
        mountpoint = '%s/.nfs-%s' % (self.template_dir, name)
        entry['nfs'] = {'src': '%s:%s' % (server, export), 'mountpoint': mountpoint,
                        'opts': str(source.get('options') or 'ro,nosuid,nodev,noexec')}
        entry['source'] = {'type': 'file', 'path': posixpath.join(mountpoint, path)}
        entry['pending'] = True  # readable once the run mounted the share
        if 'ro' not in entry['nfs']['opts'].split(','):
            self.errors.append("%s: source.options must include ro: the share is only read from, got '%s'." % (who, entry['nfs']['opts']))

    def _check_in_use(self, entries):
        """A template to remove must not be the source of a guest or of a template this run keeps."""
        for entry in entries:
            if entry['state'] != 'absent':
                continue
            users = [guest for guest, source in self.guest_sources
                     if isinstance(source, Mapping) and source.get('type') == 'template' and str(source.get('template')) == entry['name']]
            users += ['template ' + other['name'] for other in entries
                      if other['state'] == 'present' and other['source'] and other['source'].get('template') == entry['name']]
            if users:
                self.errors.append("template '%s': state absent, but %s %s made from it." % (
                    entry['name'], ', '.join(users), 'is' if len(users) == 1 else 'are'))


def template_plan(templates, template_dir, guests=None, domains=None, found_files=None):
    """Plan kvm_guest_templates: {'plan': [entry per template], 'errors': [...]}.

    guests is kvm_guest_guests (a guest listed there is made before the templates; one being converted
    must not be listed), domains the names of the domains libvirt knows, found_files the source files and
    template images that exist on the host.
    """
    if not isinstance(templates, list):
        return {'plan': [], 'errors': ['kvm_guest_templates must be a list of templates, got %s.' % json.dumps(templates, default=str)]}
    planner = _TemplatePlanner(template_dir, guests or [], list(domains or []), list(found_files or []))
    return planner.plan(templates)


def source_files(guests, templates, template_dir):
    """The files the role's preflight looks for on the host: what guests and templates are made from.

    The absolute paths among the guests' source base, ova, kernel and initrd and the file templates'
    source.path, and the template image of every template named (in kvm_guest_templates, as a
    template's source, as a guest's source). Malformed entries are left out: the plans report them.
    """
    files = []

    def add(path):
        if isinstance(path, str) and path.startswith('/') and path not in files:
            files.append(path)

    def add_template(name):
        if isinstance(name, str) and re.match(_NAME_RE, name):
            add('%s/%s.qcow2' % (template_dir, name))

    for guest in guests if isinstance(guests, list) else []:
        source = guest.get('source') if isinstance(guest, Mapping) else None
        if isinstance(source, Mapping):
            for key in ('base', 'ova', 'kernel', 'initrd'):
                add(source.get(key))
            if source.get('type') == 'template':
                add_template(source.get('template'))
    for template in templates if isinstance(templates, list) else []:
        if not isinstance(template, Mapping):
            continue
        add_template(template.get('name'))
        source = template.get('source')
        if isinstance(source, Mapping):
            if source.get('type') == 'file':
                add(source.get('path'))
            add_template(source.get('template'))
    return files
