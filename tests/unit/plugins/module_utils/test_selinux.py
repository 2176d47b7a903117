# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SELinux context / MCS level parsing, fed the exact bytes the kernel returns."""

import errno
import os

import pytest

from ansible_collections.labforge.virt.plugins.module_utils._selinux import (
    Level,
    SELinuxError,
    format_categories,
    parse_categories,
    parse_context,
    parse_level,
    parse_range,
    parse_xattr_value,
    read_file_label,
    read_process_label,
    same_categories,
    selinux_status,
)


def test_process_label_with_trailing_nul():
    ctx = parse_context(b'system_u:system_r:svirt_t:s0:c107,c434\x00')
    assert (ctx.user, ctx.role, ctx.type) == ('system_u', 'system_r', 'svirt_t')
    assert ctx.level == 's0:c107,c434'
    assert ctx.categories == frozenset([107, 434])
    assert ctx.raw == 'system_u:system_r:svirt_t:s0:c107,c434'
    assert ctx.as_dict()['mcs'] == 'c107,c434'
    assert ctx.as_dict()['categories'] == [107, 434]


def test_xattr_value_bytes():
    ctx = parse_xattr_value(b'system_u:object_r:svirt_image_t:s0:c107,c434\x00')
    assert ctx.type == 'svirt_image_t'
    assert ctx.categories == frozenset([107, 434])


def test_shared_image_label_has_no_categories():
    ctx = parse_context('system_u:object_r:svirt_image_t:s0')
    assert ctx.level == 's0'
    assert ctx.categories == frozenset()


def test_unconfined_range_uses_low_level_categories():
    ctx = parse_context('unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023\n')
    assert ctx.type == 'unconfined_t'
    assert ctx.level == 's0-s0:c0.c1023'
    assert ctx.categories == frozenset()
    assert ctx.range.high.categories == frozenset(range(1024))


def test_context_without_level_targeted_non_mls():
    ctx = parse_context('system_u:object_r:etc_t')
    assert ctx.range is None and ctx.level is None and ctx.categories == frozenset()


@pytest.mark.parametrize('bad', [
    '', '\x00', 'unconfined', 'libvirt-6f1a4ee6-52a4-4f38-9ab3-0c3f5e1b9a9d (enforce)',
    'a:b', 'system_u:system_r:svirt_t:s0:c1024', 'system_u:system_r:svirt_t:x0:c1',
    'system_u:system_r:svirt_t:s0:', 'system_u:system_r:svirt_t:s0:c5.c2',
    'system_u:system_r:svirt_t:s0:c1-s0',  # high does not dominate low
])
def test_invalid_contexts(bad):
    with pytest.raises(SELinuxError):
        parse_context(bad)


def test_category_expressions_round_trip():
    cats = parse_categories('c0.c3,c7,c9,c10')
    assert cats == frozenset([0, 1, 2, 3, 7, 9, 10])
    assert format_categories(cats) == 'c0.c3,c7,c9,c10'
    assert format_categories(parse_categories('c0.c1023')) == 'c0.c1023'
    assert str(parse_level('s0:c434,c107')) == 's0:c107,c434'


def test_levels_and_ranges():
    assert parse_level('s0') == Level(0)
    assert parse_level('s0:c1,c2').dominates(parse_level('s0:c1'))
    assert not parse_level('s0:c1').dominates(parse_level('s0:c1,c2'))
    assert str(parse_range('s0-s0:c0.c1023')) == 's0-s0:c0.c1023'
    assert str(parse_range('s0:c1,c2')) == 's0:c1,c2'


def test_same_categories_ignores_type_and_order():
    assert same_categories('system_u:system_r:svirt_t:s0:c107,c434',
                           'system_u:object_r:svirt_image_t:s0:c434,c107')
    assert not same_categories('system_u:system_r:svirt_t:s0:c107,c434',
                               'system_u:object_r:svirt_image_t:s0:c107,c435')


def test_read_file_label_injected_getxattr():
    calls = []

    def fake_getxattr(path, name):
        calls.append((path, name))
        return b'system_u:object_r:svirt_image_t:s0:c107,c434\x00'

    assert read_file_label('/var/lib/libvirt/images/web1.qcow2', fake_getxattr) == (
        'system_u:object_r:svirt_image_t:s0:c107,c434', None)
    assert calls == [('/var/lib/libvirt/images/web1.qcow2', 'security.selinux')]


def test_read_file_label_errors_are_reported_not_raised(tmp_path):
    def no_data(path, name):
        raise OSError(errno.ENODATA, os.strerror(errno.ENODATA), path)

    label, err = read_file_label('/x', no_data)
    assert label is None and err.startswith('ENODATA')
    label, err = read_file_label(str(tmp_path / 'missing'))
    assert label is None and err.startswith('ENOENT')


def test_read_file_label_real_xattr(tmp_path):
    """On this machine (no SELinux) root can still store security.selinux on ext4/tmpfs."""
    img = tmp_path / 'web1.qcow2'
    img.write_bytes(b'')
    try:
        os.setxattr(str(img), 'security.selinux', b'system_u:object_r:svirt_image_t:s0:c107,c434\x00')
    except OSError as e:
        pytest.skip('cannot set security.selinux here: %s' % e)
    assert read_file_label(str(img)) == ('system_u:object_r:svirt_image_t:s0:c107,c434', None)


def test_read_process_label_from_fake_proc(tmp_path):
    attr = tmp_path / '4242' / 'attr'
    attr.mkdir(parents=True)
    (attr / 'current').write_bytes(b'system_u:system_r:svirt_t:s0:c107,c434\x00')
    assert read_process_label(str(tmp_path), 4242) == ('system_u:system_r:svirt_t:s0:c107,c434', None)
    # the LSM-specific file wins when present (AppArmor stacked with SELinux)
    (attr / 'selinux').mkdir()
    (attr / 'selinux' / 'current').write_bytes(b'system_u:system_r:svirt_tcg_t:s0:c1,c2\x00')
    assert read_process_label(str(tmp_path), 4242)[0] == 'system_u:system_r:svirt_tcg_t:s0:c1,c2'


def test_read_process_label_on_this_machine():
    """This kernel has no SELinux: reading attr/current fails with EINVAL, or returns a non-SELinux label."""
    label, err = read_process_label('/proc', os.getpid())
    if label is None:
        assert err
    else:
        assert isinstance(label, str)


def test_selinux_status(tmp_path):
    assert selinux_status(str(tmp_path / 'none')) == (False, 'disabled')
    (tmp_path / 'enforce').write_text('1')
    assert selinux_status(str(tmp_path)) == (True, 'enforcing')
    (tmp_path / 'enforce').write_text('0')
    assert selinux_status(str(tmp_path)) == (True, 'permissive')
