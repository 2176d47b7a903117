# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Disk growth and refused shrinking, against qemu-img info as it reports a 64M qcow2."""

import os

import pytest

from ansible_collections.labforge.virt.plugins.module_utils._disk_resize import disk_resizes, size_bytes, virtual_sizes

from conftest import FIXTURES

MIB = 1 << 20
# `qemu-img info --force-share --output=json` of the 64M data disk the kvm_host scenario's converge made.
with open(os.path.join(FIXTURES, 'qemu-img', 'info-tiny-data-64M-trixie.json')) as f:
    QEMU_IMG_INFO_64M = f.read()
MISSING = {'item': '/var/lib/libvirt/images/new-data.qcow2', 'rc': 1, 'stdout': '',
           'stderr': "qemu-img: Could not open '/var/lib/libvirt/images/new-data.qcow2': No such file or directory"}


def plan(data_size, name='tiny'):
    return [{'name': name, 'disks': [
        {'name': 'root', 'path': '/var/lib/libvirt/images/%s-root.qcow2' % name, 'size': ''},
        {'name': 'data', 'path': '/var/lib/libvirt/images/%s-data.qcow2' % name, 'size': data_size}]}]


def info(path='/var/lib/libvirt/images/tiny-data.qcow2'):
    return {'item': path, 'rc': 0, 'stdout': QEMU_IMG_INFO_64M}


@pytest.mark.parametrize('size, count', [('64M', 64 * MIB), ('1G', 1 << 30), ('512', 512), ('2T', 2 << 40), ('', None),
                                         ('0M', None), ('64m', None), ('64M\n', None), ('1.5G', None)])
def test_sizes_as_the_plan_accepts_them(size, count):
    assert size_bytes(size) == count


def test_the_same_size_changes_nothing():
    assert disk_resizes(plan('64M'), [info()]) == {'grow': [], 'errors': []}


def test_a_larger_size_grows_the_disk():
    assert disk_resizes(plan('96M'), [info()]) == {'grow': [
        {'guest': 'tiny', 'name': 'data', 'path': '/var/lib/libvirt/images/tiny-data.qcow2', 'size': '96M', 'bytes': 96 * MIB,
         'current': 64 * MIB}], 'errors': []}


def test_a_smaller_size_is_refused_with_both_sizes():
    result = disk_resizes(plan('32M'), [info()])
    assert result['grow'] == []
    assert result['errors'] == [
        "guest tiny: disk 'data' (/var/lib/libvirt/images/tiny-data.qcow2) is 64M and would shrink to 32M: shrinking "
        "cuts off what the guest wrote at its end. Keep the size, or give a new disk the smaller size."]


def test_disks_not_created_yet_and_disks_without_a_size_are_left_alone():
    assert disk_resizes(plan('8M', name='new'), [MISSING]) == {'grow': [], 'errors': []}
    assert virtual_sizes([MISSING, {'item': 'x', 'skipped': True}]) == {}


def test_guests_named_like_dict_methods():
    # The role selects by the 'guest' key: a mapping by name made grow['copy'] the dict's copy method in Jinja.
    assert disk_resizes(plan('96M', name='copy'), [info('/var/lib/libvirt/images/copy-data.qcow2')])['grow'][0]['guest'] == 'copy'
