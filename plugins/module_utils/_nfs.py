# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""NFS exports: check the export list and render exports(5) lines (private to labforge.virt).

nfs_server's preflight refuses with export_problems() and its template writes export_lines().
Client specifications are parsed with ``ipaddress``, not compared as strings: ``10.0.0.0/0``,
``0.0.0.0/00``, ``0.0.0.0/0.0.0.0``, ``0::/0`` and ``::ffff:0:0/96`` are all the whole world.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ipaddress
import json
import re

# Whole-string patterns (fullmatch): a trailing newline is not a match.
PATH_RE = re.compile(r'(/[A-Za-z0-9_@+-][A-Za-z0-9_.@+-]*)+')
OPTION_RE = re.compile(r'[a-z_0-9]+(=[A-Za-z0-9_.:@/+-]+)?')
HOSTNAME_RE = re.compile(r'[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*')
NETGROUP_RE = re.compile(r'@[A-Za-z0-9_.-]+')

# Options of one kind: a client option replaces the default of the same kind.
OPTION_KINDS = (
    ('ro', 'rw'),
    ('root_squash', 'no_root_squash'),
    ('sync', 'async'),
    ('subtree_check', 'no_subtree_check'),
    ('secure', 'insecure'),
    ('wdelay', 'no_wdelay'),
    ('hide', 'nohide'),
)
# Narrowest prefix still refused as "nearly everyone" without force.
MIN_PREFIX = {4: 8, 6: 16}
_MAPPED_V4 = ipaddress.ip_network('::ffff:0:0/96')


def _show(value):
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _truthy(value):
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ('1', 'true', 'yes', 'on')


def _name(option):
    return option.split('=', 1)[0]


def _kind(name, kinds):
    for kind in kinds:
        if name in kind:
            return kind
    return (name,)


def merge_options(own, defaults, kinds=OPTION_KINDS):
    """The client's own options, then each default whose kind the client did not set."""
    own = list(own or [])
    own_names = set(_name(o) for o in own)
    kept = [d for d in defaults or [] if not own_names.intersection(_kind(_name(d), kinds))]
    return own + kept


def classify_host(host):
    """Return (kind, detail): kind is one of world, wide, network, name, netgroup, wildcard, invalid."""
    if not isinstance(host, str):
        return 'invalid', 'a client host must be a string, got %s' % _show(host)
    if host == '':
        return 'world', 'an empty client is any host'
    if host != host.strip() or re.search(r'[\s\x00-\x1f\x7f()]', host):
        return 'invalid', 'client %s holds whitespace, a control character or parentheses' % _show(host)
    if '*' in host or '?' in host or '[' in host:
        return 'wildcard', 'the wildcard %s matches any host whose name fits' % _show(host)
    if NETGROUP_RE.fullmatch(host):
        return 'netgroup', host
    looks_ip = ':' in host or '/' in host or re.fullmatch(r'[0-9.]+', host) is not None
    if looks_ip:
        try:
            net = ipaddress.ip_network(host, strict=False)
        except ValueError:
            return 'invalid', ('client %s is not an IPv4/IPv6 address or network (addr/prefix or addr/netmask, '
                               'no leading zeros)' % _show(host))
        version, prefix = net.version, net.prefixlen
        if prefix == 0:
            return 'world', 'the network %s is every address' % net
        if version == 6 and net.overlaps(_MAPPED_V4):
            if prefix <= 96:
                return 'world', 'the network %s holds every IPv4 address (as ::ffff:a.b.c.d)' % net
            # IPv4-mapped IPv6 addresses: judge them as the IPv4 network they stand for.
            version, prefix = 4, prefix - 96
        if prefix == 0:
            return 'world', 'the network %s is every address' % net
        if prefix < MIN_PREFIX[version]:
            return 'wide', 'the network %s (/%d) is nearly every address' % (net, net.prefixlen)
        return 'network', str(net)
    if HOSTNAME_RE.fullmatch(host):
        return 'name', host
    return 'invalid', 'client %s is not an address, network, host name or @netgroup' % _show(host)


def _anon_zero(options):
    zero = []
    for opt in options:
        name = _name(opt)
        if name in ('anonuid', 'anongid'):
            value = opt.split('=', 1)[1] if '=' in opt else ''
            if not re.fullmatch(r'[0-9]+', value):
                continue  # reported as a malformed option
            if int(value) == 0:
                zero.append(name)
    return zero


def export_problems(exports, default_options, kinds=OPTION_KINDS):
    """Sentences saying why the export list must be refused; [] when it may be written."""
    if not isinstance(exports, list):
        return ['nfs_server_exports must be a list of {path, clients: [...]}, got %s' % _show(exports)]
    problems = []
    defaults = default_options if isinstance(default_options, list) else []
    if not isinstance(default_options, list):
        problems.append('nfs_server_export_default_options must be a list, got %s' % _show(default_options))
    for opt in defaults:
        if not isinstance(opt, str) or not OPTION_RE.fullmatch(opt):
            problems.append('nfs_server_export_default_options: %s is not a plain exports(5) option' % _show(opt))
    seen = set()
    for index, export in enumerate(exports):
        if not isinstance(export, dict):
            problems.append('nfs_server_exports[%d] must be a mapping {path, clients}, got %s' % (index, _show(export)))
            continue
        path = export.get('path')
        where = 'Export %s' % (_show(path) if path is not None else 'nfs_server_exports[%d]' % index)
        if not isinstance(path, str) or not PATH_RE.fullmatch(path):
            problems.append("%s: the path must be absolute, without '.'/'..' components, spaces, newlines or special "
                            "characters" % where)
        elif path in seen:
            problems.append('%s: listed twice' % where)
        else:
            seen.add(path)
        force = _truthy(export.get('force', False))
        reason = export.get('force_reason', '')
        if force and (not isinstance(reason, str) or reason.strip() == ''):
            problems.append('%s: force: true needs force_reason (why, written into the exports file)' % where)
        clients = export.get('clients')
        if not isinstance(clients, list) or not clients:
            problems.append('%s: clients must be a non-empty list of {host, options}' % where)
            continue
        for client in clients:
            if not isinstance(client, dict):
                problems.append('%s: client %s must be a mapping {host, options}' % (where, _show(client)))
                continue
            host = client.get('host', '')
            who = '%s to %s' % (where, _show(host))
            kind, detail = classify_host(host)
            if kind == 'invalid':
                problems.append('%s: %s' % (who, detail))
            elif kind in ('world', 'wide', 'wildcard') and not force:
                problems.append('%s: refused: %s, so any machine that reaches the server could mount it; name the '
                                'hosts or networks (192.168.10.0/24, host.example.org), or set force: true and '
                                'force_reason on this export if you really mean it' % (who, detail))
            own = client.get('options', [])
            if not isinstance(own, list):
                problems.append('%s: options must be a list of exports(5) options, got %s' % (who, _show(own)))
                continue
            bad = [o for o in own if not isinstance(o, str) or not OPTION_RE.fullmatch(o)]
            if bad:
                problems.append('%s: options %s are not plain exports(5) options' % (who, _show(bad)))
                continue
            effective = merge_options(own, defaults, kinds)
            names = set(_name(o) for o in effective)
            if force:
                continue
            if 'no_root_squash' in names:
                problems.append('%s: refused: no_root_squash gives root on the client root on the exported files; keep '
                                'root_squash, or set force: true and force_reason on this export' % who)
            if 'insecure' in names:
                problems.append('%s: refused: insecure accepts requests from unprivileged ports (any user on a client '
                                'can speak NFS as anyone); keep secure, or set force: true and force_reason' % who)
            zero = _anon_zero(effective)
            if zero:
                problems.append('%s: refused: %s=0 maps squashed users (all of them with all_squash, root with '
                                'root_squash) to root; use an unprivileged id such as 65534, or set force: true and '
                                'force_reason' % (who, ' and '.join(zero)))
    return problems


def export_lines(exports, default_options, kinds=OPTION_KINDS):
    """exports(5) lines for the (checked) export list: '# FORCED: why' before a forced export."""
    lines = []
    for export in exports or []:
        if _truthy(export.get('force', False)):
            reason = re.sub(r'[\x00-\x1f\x7f]+', ' ', str(export.get('force_reason', ''))).strip()
            lines.append('# FORCED: %s' % reason)
        clients = ['%s(%s)' % (c.get('host', ''), ','.join(merge_options(c.get('options', []), default_options, kinds)))
                   for c in export.get('clients', [])]
        lines.append('%s %s' % (export['path'], ' '.join(clients)))
    return lines


# --- Client mounts: the recovery mode (nfs(5) "hard" / "soft" / "softerr") ----------------

RECOVERY_MODES = ('hard', 'soft', 'softerr')
# The filesystem types of NFS client mounts in /proc/self/mountinfo.
NFS_FSTYPES = ('nfs', 'nfs4')


class MountOptionsError(ValueError):
    """A mount option list that cannot be read."""


def mount_option_list(options):
    """The options one by one: a list's items and comma-separated strings (mount -o, fstab, mountinfo)
    are both split at commas; empty items are dropped. None is no options."""
    if options is None:
        return []
    if isinstance(options, str):
        options = [options]
    if not isinstance(options, (list, tuple)):
        raise MountOptionsError('mount options must be a list of strings or one comma-separated string, not %s'
                                % _show(options))
    flat = []
    for item in options:
        if not isinstance(item, str):
            raise MountOptionsError('mount option %s is not a string' % _show(item))
        flat.extend(o.strip() for o in item.split(',') if o.strip())
    return flat


def recovery_mode(options):
    """The recovery mode the kernel applies for these NFS mount options, as nfs(5) says: ``hard``
    unless one of soft/softerr is given, and of hard, soft and softerr the last one given wins
    (the mount parser overwrites the flag at each). Exact names only: softreval is another option."""
    mode = 'hard'
    for option in mount_option_list(options):
        if option in RECOVERY_MODES:
            mode = option
    return mode
