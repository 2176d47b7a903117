# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine host readers on captured output (xfs_info, dpkg-query, mountinfo) and on directory trees
laid out like /sys/fs/cgroup and /proc; the d_type test on this machine's filesystem."""

import os

import pytest

from ansible_collections.labforge.virt.plugins.module_utils._direct_io import parse_mountinfo
from ansible_collections.labforge.virt.plugins.module_utils._engine_host import (
    D_TYPE_PREFIX, DT_UNKNOWN, d_type_supported, in_container, parse_dpkg_query, parse_xfs_info, selinux_knows,
    storage, swap_accounting)

from conftest import read_fixture as fixture


HOST_MOUNTS = parse_mountinfo(fixture('mountinfo', 'host-ext4-kernel-6.18.txt'))


def touch(path, content=''):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(content)


def test_xfs_ftype_read_from_real_xfs_info():
    assert parse_xfs_info(fixture('engine_host', 'xfs_info-ftype1.txt')) is True
    assert parse_xfs_info(fixture('engine_host', 'xfs_info-ftype0.txt')) is False
    assert parse_xfs_info('') is None


def test_installed_packages_from_real_dpkg_query():
    # docker-ce is known to dpkg but not installed; arch qualifiers are dropped.
    assert parse_dpkg_query(fixture('engine_host', 'dpkg-query.txt')) == ['containerd', 'docker.io', 'runc']
    assert parse_dpkg_query('libc6:amd64 install ok installed\n') == ['libc6']


def test_d_type_on_this_filesystem_and_the_probe_is_removed(tmp_path):
    assert d_type_supported(str(tmp_path)) is True
    assert not [name for name in os.listdir(str(tmp_path)) if name.startswith(D_TYPE_PREFIX)]


def test_d_type_unknown_means_unsupported_and_the_probe_is_still_removed(tmp_path):
    def readdir_without_types(directory):
        return {'.': DT_UNKNOWN, 'd': DT_UNKNOWN, 'f': DT_UNKNOWN}

    assert d_type_supported(str(tmp_path), readdir_without_types) is False
    assert os.listdir(str(tmp_path)) == []


def test_storage_of_a_missing_data_root_probes_its_parent(tmp_path):
    asked = []
    result = storage(str(tmp_path / 'docker' / 'data'), HOST_MOUNTS,
                     d_type_probe=lambda path: asked.append(path) or True, xfs_info=pytest.fail)
    assert asked == [str(tmp_path)]
    assert result['probed_path'] == str(tmp_path) and result['exists'] is False
    assert result['d_type'] is True and result['xfs_ftype'] is None and result['error'] is None
    # tmp_path sits on the snapshot's root filesystem, ext4: xfs_info is never asked.
    assert (result['mountpoint'], result['fstype']) == ('/', 'ext4')


def test_storage_on_xfs_asks_xfs_info_for_its_mount_point(tmp_path):
    mounts = HOST_MOUNTS + [dict(HOST_MOUNTS[0], mount_point=str(tmp_path), fstype='xfs')]
    ftype0 = fixture('engine_host', 'xfs_info-ftype0.txt')
    result = storage(str(tmp_path), mounts, d_type_probe=lambda path: False,
                     xfs_info=lambda mount_point: ftype0 if mount_point == str(tmp_path) else None)
    assert result['exists'] is True and result['fstype'] == 'xfs'
    assert result['d_type'] is False and result['xfs_ftype'] is False


def test_storage_reports_a_d_type_test_that_could_not_run(tmp_path):
    def denied(path):
        raise OSError(13, 'Permission denied', path)

    result = storage(str(tmp_path), HOST_MOUNTS, d_type_probe=denied)
    assert result['d_type'] is None and 'Permission denied' in result['error']


def test_swap_accounting_cgroup_v1_memsw(tmp_path):
    # This machine: cgroup v1, memory controller at /sys/fs/cgroup/memory (the snapshot).
    root = str(tmp_path)
    off = swap_accounting(HOST_MOUNTS, root, 'console=ttyS0')
    assert off['cgroup_version'] == 1 and off['swap_limit'] is False
    assert off['evidence'] == 'no /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes (swap accounting off)'
    touch(os.path.join(root, 'sys/fs/cgroup/memory/memory.memsw.limit_in_bytes'), '9223372036854771712\n')
    on = swap_accounting(HOST_MOUNTS, root, 'console=ttyS0 swapaccount=1 cgroup_enable=memory')
    assert on['swap_limit'] is True and on['cmdline_swapaccount'] == ['swapaccount=1', 'cgroup_enable=memory']


def test_swap_accounting_cgroup_v2(tmp_path):
    root = str(tmp_path)
    touch(os.path.join(root, 'sys/fs/cgroup/cgroup.controllers'), 'cpuset cpu io hugetlb pids rdma misc\n')
    no_memory = swap_accounting([], root)
    assert no_memory['cgroup_version'] == 2 and no_memory['swap_limit'] is False
    assert 'memory controller not enabled' in no_memory['evidence']
    touch(os.path.join(root, 'sys/fs/cgroup/cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n')
    touch(os.path.join(root, 'sys/fs/cgroup/system.slice/memory.max'), 'max\n')
    assert swap_accounting([], root)['swap_limit'] is False
    touch(os.path.join(root, 'sys/fs/cgroup/system.slice/memory.swap.max'), 'max\n')
    on = swap_accounting([], root)
    assert on['swap_limit'] is True and on['evidence'] == '/sys/fs/cgroup/system.slice/memory.swap.max'


@pytest.mark.parametrize('marker, content', [
    ('.dockerenv', ''),
    ('run/.containerenv', ''),
    ('proc/1/environ', 'PATH=/usr/bin\0container=docker\0'),
])
def test_in_container(tmp_path, marker, content):
    assert in_container(str(tmp_path)) is False
    touch(os.path.join(str(tmp_path), marker), content)
    assert in_container(str(tmp_path)) is True


def test_a_host_without_selinuxfs_knows_no_context(tmp_path):
    assert selinux_knows('system_u:system_r:container_t:s0', str(tmp_path)) is False
