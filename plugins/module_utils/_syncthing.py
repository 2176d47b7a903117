# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Syncthing device IDs, computed from the certificate the way Syncthing does (lib/protocol).

The ID is the SHA-256 of the certificate's DER bytes in base32 (52 characters), cut into four
groups of 13 that each get a Luhn mod 32 check character, shown as eight groups of seven.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import hashlib
import re
import ssl

ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
DEVICE_ID = re.compile(r'[A-Z2-7]{7}(-[A-Z2-7]{7}){7}\Z')


class SyncthingError(ValueError):
    pass


def luhn_base32(text):
    factor, total = 1, 0
    for char in text:
        addend = factor * ALPHABET.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def device_id(cert_pem):
    """The device ID of a PEM certificate (the first one in the text)."""
    match = re.search(r'-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----', cert_pem or '', re.S)
    if not match:
        raise SyncthingError('no PEM certificate in the input')
    try:
        der = ssl.PEM_cert_to_DER_cert(match.group(0))
    except ValueError as e:
        raise SyncthingError('the certificate is not valid PEM: %s' % e)
    if not der.startswith(b'\x30') or len(der) < 64:  # an X.509 certificate is a DER SEQUENCE
        raise SyncthingError('the PEM block holds no DER certificate')
    digest = base64.b32encode(hashlib.sha256(der).digest()).decode('ascii').rstrip('=')
    checked = ''.join(chunk + luhn_base32(chunk) for chunk in (digest[i:i + 13] for i in range(0, 52, 13)))
    return '-'.join(checked[i:i + 7] for i in range(0, 56, 7))
