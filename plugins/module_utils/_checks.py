# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Input checks the roles run in their preflight (private to labforge.virt).

Each function returns a list of sentences, one per problem, naming the variable and the value;
an empty list means the input is accepted. The filters in plugins/filter/checks.py are the
public interface; the roles assert that the list is empty before they change anything.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import posixpath
import re

_CAP_RE = re.compile(r'\A[A-Z][A-Z0-9_]*\Z')
_ENV_KEY_RE = re.compile(r'\A[A-Za-z_][A-Za-z0-9_]*\Z')
# Values written unquoted into a systemd unit's ExecStart=: no whitespace (argument splitting),
# no quotes or backslashes, no % (specifiers), no $ (variable expansion), no ; (command separator).
_UNIT_VALUE_RE = re.compile(r'\A[A-Za-z0-9_./:@+=,-]+\Z')
# A registry as Docker names it in certs.d/ and insecure-registries: host:port, the host a DNS name,
# an IPv4 address or a bracketed IPv6 address; no scheme, no path.
_LABEL = r'[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?'
_REGISTRY_RE = re.compile(r'\A(?:\[[0-9A-Fa-f:.]+\]|%s(?:\.%s)*):([0-9]{1,5})\Z' % (_LABEL, _LABEL))


def _show(value):
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _as_list(value, name):
    if value is None:
        return [], []
    if isinstance(value, (str, bytes)) or isinstance(value, dict) or not hasattr(value, '__iter__'):
        return None, ['%s must be a list, got %s' % (name, _show(value))]
    return list(value), []


def capability_problems(capabilities, allowed, name):
    """Capabilities not on the role's allowlist (names compared upper-case, with or without CAP_)."""
    caps, problems = _as_list(capabilities, name)
    if problems:
        return problems
    allowed_set = set(str(a).upper() for a in allowed or [])
    for cap in caps:
        if not isinstance(cap, str):
            problems.append('%s: %s is not a capability name' % (name, _show(cap)))
            continue
        norm = cap.strip().upper()
        if norm.startswith('CAP_'):
            norm = norm[4:]
        if not _CAP_RE.match(norm):
            problems.append('%s: %s is not a capability name' % (name, _show(cap)))
        elif norm not in allowed_set:
            problems.append('%s: %s is not allowed (allowed: %s)' % (name, norm, ', '.join(sorted(allowed_set)) or 'none'))
    return problems


def _mapping_problems(value, name, shape='a mapping'):
    """[] when ``value`` is a mapping (or None: not set), else the one problem saying what it must be."""
    if value is None or isinstance(value, dict):
        return []
    return ['%s must be %s, got %s' % (name, shape, _show(value))]


def reserved_key_problems(options, reserved, name):
    """Keys of the mapping ``options`` that the role sets itself; ``reserved`` maps key -> the variable to use."""
    if not isinstance(options, dict):
        return _mapping_problems(options, name)
    problems = []
    for key in sorted(options, key=str):
        if key in (reserved or {}):
            problems.append('%s must not set %r: the role manages it, set %s instead' % (name, key, reserved[key]))
    return problems


def env_problems(env, name, reserved=None):
    """Environment for a Dockerfile ENV or a container: keys identifiers, values strings on one line."""
    if not isinstance(env, dict):
        return _mapping_problems(env, name, 'a mapping of NAME: "value"')
    problems = []
    for key in sorted(env, key=str):
        value = env[key]
        if not isinstance(key, str) or not _ENV_KEY_RE.match(key):
            problems.append('%s: key %s is not an environment variable name (letters, digits, _; not starting with a digit)'
                            % (name, _show(key)))
        elif key in (reserved or []):
            problems.append('%s must not set %s: the role sets it' % (name, key))
        if not isinstance(value, str):
            problems.append('%s: the value of %s must be a string (quote numbers and booleans), got %s'
                            % (name, _show(key), _show(value)))
        elif re.search(r'[\x00-\x1f\x7f]', value):
            problems.append('%s: the value of %s holds a newline or another control character' % (name, _show(key)))
    return problems


def unit_value_problems(values):
    """Values (variable name -> value) written unquoted into a systemd unit; empty values are not written."""
    problems = []
    for name in sorted(values or {}):
        value = values[name]
        if value is None or value == '':
            continue
        if not isinstance(value, (str, int)) or isinstance(value, bool) or not _UNIT_VALUE_RE.match(str(value)):
            problems.append('%s %s has characters a systemd unit line cannot carry safely' % (name, _show(value)))
    return problems


def _norm_dir(path):
    return posixpath.normpath(path).rstrip('/') or '/'


def path_within_problems(paths, allowed_dirs, name):
    """Absolute paths that are not below one of ``allowed_dirs`` (after resolving '.' and '..' lexically)."""
    items, problems = _as_list(paths, name)
    if problems:
        return problems
    dirs = [_norm_dir(d) for d in allowed_dirs or [] if isinstance(d, str) and d.startswith('/')]
    for path in items:
        if not isinstance(path, str) or not path.startswith('/'):
            problems.append('%s: %s is not an absolute path' % (name, _show(path)))
            continue
        if re.search(r'[\x00-\x1f\x7f]', path):
            problems.append('%s: %s holds a control character' % (name, _show(path)))
            continue
        if '..' in path.split('/'):
            problems.append("%s: %s has a '..' component" % (name, _show(path)))
            continue
        norm = posixpath.normpath(path)
        if not any(norm != d and (norm + '/').startswith(d.rstrip('/') + '/') for d in dirs):
            problems.append('%s: %s is outside the allowed directories (%s)' % (name, path, ', '.join(dirs) or 'none'))
    return problems


def href_problems(hrefs, name):
    """OVF File hrefs: plain relative names inside the unpacked appliance, never absolute, a URL or '..'."""
    items, problems = _as_list(hrefs, name)
    if problems:
        return problems
    for href in items:
        if not isinstance(href, str) or href.strip() == '':
            problems.append('%s: %s is not a file name' % (name, _show(href)))
        elif href.startswith('/') or href.startswith('\\') or re.match(r'\A[A-Za-z][A-Za-z0-9+.-]*:', href):
            problems.append('%s: %s is absolute or a URL; an appliance may only reference its own files' % (name, _show(href)))
        elif '..' in re.split(r'[/\\]', href):
            problems.append("%s: %s leaves the appliance with '..'" % (name, _show(href)))
        elif re.search(r'[\x00-\x1f\x7f]', href):
            problems.append('%s: %s holds a control character' % (name, _show(href)))
    return problems


def _conf_words(value):
    if isinstance(value, (list, tuple)):
        return [str(v).strip().lower() for v in value]
    return [str(value).strip().lower()]


# (file variable, key) -> why the value 'none' is refused.
_LIBVIRT_NONE = {
    'security_driver': 'turns sVirt/AppArmor confinement of every guest off',
    'auth_unix_rw': 'lets every local user who can reach the socket manage libvirt (root on the host)',
    'auth_tcp': 'lets anyone on the network manage libvirt without a password',
    'auth_tls': 'lets any client with a certificate manage libvirt without authentication',
}


def libvirt_conf_problems(conf, name):
    """qemu.conf / libvirtd.conf settings that switch guest confinement or API authentication off."""
    if conf is None:
        return []
    if not isinstance(conf, dict):
        return ['%s must be a mapping, got %s' % (name, _show(conf))]
    problems = []
    for key in sorted(conf, key=str):
        if key in _LIBVIRT_NONE and 'none' in _conf_words(conf[key]):
            problems.append('%s: %s = "none" %s' % (name, key, _LIBVIRT_NONE[key]))
    return problems


def seclabel_problems(labels, confined_types):
    """Static labels [{name, label}] whose SELinux type is not one of ``confined_types`` (bare levels pass)."""
    items, problems = _as_list(labels, 'static labels')
    if problems:
        return problems
    allowed = list(confined_types or [])
    for entry in items:
        if not isinstance(entry, dict):
            problems.append('static label %s must be a mapping {name, label}' % _show(entry))
            continue
        who = entry.get('name', '?')
        label = entry.get('label')
        if not isinstance(label, str):
            problems.append('guest %s: static label %s is not a string' % (who, _show(label)))
            continue
        if label.count(':') < 3:
            continue  # a bare level (s0:c1,c2): no type of its own, libvirt's default confined one applies
        setype = label.split(':')[2]
        if setype not in allowed:
            problems.append('guest %s: static label type %s is not a confined guest type (%s): the guest would run '
                            'outside sVirt' % (who, setype, ', '.join(allowed)))
    return problems


def registry_address_problems(addresses, name):
    """Registry addresses that are not host:port with a port in 1-65535."""
    items, problems = _as_list(addresses, name)
    for address in items or []:
        match = _REGISTRY_RE.match(address) if isinstance(address, str) else None
        if not match or not 1 <= int(match.group(1)) <= 65535:
            problems.append('%s: %s is not host:port with a port between 1 and 65535' % (name, _show(address)))
    return problems
