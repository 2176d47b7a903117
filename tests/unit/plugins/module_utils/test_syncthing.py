# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_syncthing: device IDs as Syncthing itself prints them."""

import os

import pytest

from ansible_collections.labforge.virt.plugins.module_utils._syncthing import (
    DEVICE_ID, SyncthingError, device_id, luhn_base32,
)

# cert.pem made by `syncthing generate` (Debian's syncthing 1.19) in the lab; the ID is what
# `syncthing cli show system` printed as myID for it.
CERT = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'syncthing', 'cert.pem')
SYNCTHING_SAYS = 'QTN2NID-4ZRCWG5-W4YOTOZ-A5RJNEO-OLMUQI6-V3YJ72Q-UWPRS3I-QFDOFQI'


def read_cert():
    with open(CERT) as f:
        return f.read()


def test_device_id_matches_syncthing():
    assert device_id(read_cert()) == SYNCTHING_SAYS
    assert DEVICE_ID.match(SYNCTHING_SAYS)


def test_check_characters_are_luhn_mod_32():
    flat = SYNCTHING_SAYS.replace('-', '')
    for i in range(4):
        group = flat[i * 14:(i + 1) * 14]
        assert luhn_base32(group[:13]) == group[13]


def test_one_changed_byte_changes_the_id():
    pem = read_cert()
    lines = pem.splitlines()
    middle = lines[3]
    lines[3] = ('B' if middle[10] != 'B' else 'C').join([middle[:10], middle[11:]])
    assert device_id('\n'.join(lines)) != SYNCTHING_SAYS


@pytest.mark.parametrize('text', ['', 'not a certificate', '-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----'])
def test_no_certificate_is_an_error(text):
    with pytest.raises(SyncthingError):
        device_id(text)
