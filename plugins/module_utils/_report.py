# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The estate report: one row per host from the raw results of read-only modules, and its table.

playbooks/report.yml collects per host what virt_host_info, svirt_label_info,
community.docker.docker_host_info (verbose containers) and community.docker.docker_container_info
(each container, for its SELinux label) return, plus the proofs of playbooks/verify.yml, and hands
them here; nothing in this file touches a host.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

TEST_DOUBLE_LABEL = 'org.labforge.test-double'
SHARED_VOLUME_PREFIXES = ('syncthing', 'resilio', 'nfs_client')
UNREACHED = 'failed or unreachable in this run: not reported'


def _names(container):
    return [n.lstrip('/') for n in container.get('Names') or []]


def _kvm(virt):
    if not virt:
        return None
    return {'verdict': bool(virt.get('kvm_usable')), 'why': (virt.get('verdict') or {}).get('summary', '')}


def _guests(svirt, agents=None):
    """svirt_label_info's guests, each with the addresses its guest agent reported (libvirt_domain_info's
    domains with addresses=true; none where no agent answered)."""
    if svirt is None:
        return None
    addresses = dict((d.get('name'), ['%s/%s' % (a['address'], a['prefix']) for a in d.get('addresses') or []])
                     for d in agents or [])
    return [{'domain': g.get('domain'), 'label': g.get('label'), 'confined': g.get('confined'),
             'addresses': addresses.get(g.get('domain'), [])}
            for g in svirt.get('guests') or []]


def _guest_cell(guest):
    text = '%s %s' % (guest['domain'], guest['label'] or 'no SELinux label')
    if guest.get('addresses'):
        text += ' (%s)' % ', '.join(guest['addresses'])
    return text


def _docker(info):
    if not info:
        return None
    host = info.get('host_info') or {}
    return {'version': host.get('ServerVersion'), 'storage_driver': host.get('Driver'),
            'live_restore': host.get('LiveRestoreEnabled')}


def _labels(inspected):
    """Each container's name and the SELinux context its processes run in (docker inspect's
    ProcessLabel; empty where dockerd runs without selinux-enabled)."""
    out = [{'name': (c.get('Name') or '').lstrip('/'), 'label': c.get('ProcessLabel') or None}
           for c in inspected or [] if c]
    return sorted(out, key=lambda c: c['name'])


def _database(name, containers):
    found = [c for c in containers if name in _names(c)]
    if not found:
        return {'name': name, 'state': 'not deployed here'}
    c = found[0]
    ports = sorted({p['PublicPort'] for p in c.get('Ports') or [] if p.get('PublicPort')})
    labels = c.get('Labels') or {}
    return {'name': name, 'state': c.get('State', 'unknown'), 'image': c.get('Image'), 'ports': ports,
            'stand_in': labels.get(TEST_DOUBLE_LABEL) == 'true'}


def report_row(raw):
    """One host's row. ``raw`` holds host, groups and whatever of virt, svirt, agents (libvirt_domain_info's
    domains), docker, registry, shared_volume, databases and containers (docker inspect results) applies to the
    host (None or absent where not)."""
    containers = (raw.get('docker') or {}).get('containers') or []
    row = {
        'host': raw['host'],
        'groups': list(raw.get('groups') or []),
        'status': 'reported',
        'kvm': _kvm(raw.get('virt')),
        'guests': _guests(raw.get('svirt'), raw.get('agents')),
        'docker': _docker(raw.get('docker')),
        'registry': raw.get('registry') or None,
        'shared_volume': None,
        'databases': [_database(n, containers) for n in raw.get('databases') or []],
        'containers': _labels(raw.get('containers')) if raw.get('docker') else None,
    }
    volume = raw.get('shared_volume')
    if volume:
        row['shared_volume'] = dict(volume, containers=sorted(
            n for c in containers for n in _names(c) if n.startswith(SHARED_VOLUME_PREFIXES)))
    return row


def report_rows(rows, expected_hosts):
    """The rows in inventory order, with a row for every expected host that produced none."""
    by_host = dict((r['host'], r) for r in rows)
    out = []
    for host in expected_hosts:
        out.append(by_host.get(host) or {'host': host, 'groups': [], 'status': UNREACHED})
    return out


def _cell(value):
    return str(value).replace('|', '\\|').replace('\n', ' ') if value not in (None, '', []) else '-'


def _db_cell(db):
    if db['state'] == 'not deployed here':
        return '%s: not deployed here' % db['name']
    text = '%s: %s %s' % (db['name'], db['state'], db.get('image') or '')
    if db.get('ports'):
        text += ', ports ' + ','.join(str(p) for p in db['ports'])
    if db.get('stand_in'):
        text += ' (stand-in: test double, not the real database)'
    return text


def report_markdown(rows):
    lines = ['# labforge.virt estate report', '',
             '| host | groups | KVM | guests (sVirt label) | docker (storage driver) | registry (push/pull) '
             '| shared volume | databases | containers (SELinux label) |',
             '|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        if r.get('status') != 'reported':
            lines.append('| %s | %s | %s | | | | | | |' % (r['host'], _cell(', '.join(r.get('groups') or [])), r['status']))
            continue
        kvm = r.get('kvm')
        guests = r.get('guests')
        docker = r.get('docker')
        registry = r.get('registry')
        volume = r.get('shared_volume')
        lines.append('| ' + ' | '.join(_cell(c) for c in [
            r['host'],
            ', '.join(r['groups']),
            '%s: %s' % (kvm['verdict'], kvm['why']) if kvm else None,
            '; '.join(_guest_cell(g) for g in guests) if guests else None,
            '%s (%s, live-restore %s)' % (docker['version'], docker['storage_driver'], docker['live_restore'])
            if docker else None,
            '%s: %s' % (registry['address'], registry['smoke']) if registry else None,
            '%s %s: %s; %s' % (volume['backend'], volume.get('name', ''), ', '.join(volume['containers']) or 'no container',
                               volume.get('proof') or 'not proven in this run') if volume else None,
            '; '.join(_db_cell(d) for d in r.get('databases') or []),
            '; '.join('%s %s' % (c['name'], c['label'] or 'no SELinux label') for c in r.get('containers') or []),
        ]) + ' |')
    return '\n'.join(lines) + '\n'
