# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One strength check for every secret the roles take (private to labforge.virt).

db2, oracle_xe and docker_registry call it through the ``labforge.virt.secret_problems``
filter (plugins/filter/secrets.py). It returns sentences that name the variable and the
problem and never contain the secret itself, so a failing assert can print them.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

MIN_LENGTH = 8

# Refused as the whole secret, case-insensitively: vendor defaults and the usual first guesses.
WEAK_SECRETS = frozenset([
    'oracle', 'admin', 'administrator', 'password', 'passw0rd', 'changeme', 'secret', 'registry', 'docker',
    'manager', 'change_on_install', 'welcome', 'welcome1', 'oracle123', 'db2inst1', 'db2admin', 'root', 'toor',
    'qwerty', 'qwertyuiop', 'letmein', 'default', 'test', 'testtest', 'guest', 'system', 'sys',
    '12345678', '123456789', '1234567890', '87654321', 'abcdefgh', 'abcd1234',
])

# Refused anywhere in the secret, compared after lower-casing and dropping everything but letters
# and digits: "CHANGE-ME-in-ansible-vault", "<placeholder>", "my_password_1" are all caught.
PLACEHOLDER_WORDS = ('changeme', 'changethis', 'replaceme', 'placeholder', 'fixme', 'todo', 'password', 'passw0rd',
                     'insertsecret', 'yoursecret', 'dummy')

_NOT_ALNUM = re.compile(r'[^0-9a-z]+')


def _fold(value):
    return _NOT_ALNUM.sub('', value.lower())


def secret_problems(value, name, min_length=MIN_LENGTH, users=None, weak=None, forbidden_chars=''):
    """Return a list of sentences saying why ``value`` is not an acceptable secret ([] when it is).

    ``name`` is the variable the secret comes from (used in the sentences); ``users`` are account names
    the secret must not equal; ``weak`` extra whole values to refuse; ``forbidden_chars`` characters the
    consumer cannot carry (e.g. a double quote in an Oracle password). The secret never appears in the output.
    """
    if value is None or (isinstance(value, str) and value == ''):
        return ['%s is not set: the role has no default, put it in the vault (ansible-vault encrypt_string)' % name]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ['%s must be a string (got %s)' % (name, type(value).__name__)]
    secret = str(value)
    problems = []
    if secret != secret.strip():
        problems.append('%s starts or ends with whitespace (a YAML block scalar adds a newline: use |- or quotes)' % name)
    if len(secret) < int(min_length):
        problems.append('%s is shorter than %d characters' % (name, int(min_length)))
    lowered = secret.strip().lower()
    folded = _fold(secret)
    weak_set = WEAK_SECRETS | frozenset(str(w).lower() for w in (weak or []))
    if lowered in weak_set or folded in set(_fold(w) for w in weak_set):
        problems.append('%s is a well-known default (oracle, admin, password, ...)' % name)
    else:
        hits = [word for word in PLACEHOLDER_WORDS if word in folded]
        if hits:
            problems.append('%s is a placeholder or contains the word %r: put the real secret in the vault' % (name, hits[0]))
    for user in users or []:
        if user is not None and str(user) != '' and lowered == str(user).lower():
            problems.append('%s equals the user name %s' % (name, user))
            break
    if len(secret) >= int(min_length) and len(set(secret)) < 4:
        problems.append('%s uses fewer than 4 distinct characters' % name)
    if any(ord(c) < 32 or ord(c) == 127 for c in secret.strip()):
        problems.append('%s contains a control character (a newline, a tab, ...)' % name)
    bad = sorted(set(c for c in forbidden_chars if c in secret))
    if bad:
        problems.append('%s contains %s, which it cannot carry' % (name, ', '.join(repr(c) for c in bad)))
    return problems
