# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""filesystem_info: the lookup on a captured mount table, then the module against this machine's findmnt."""

import os
import shutil
import subprocess

import pytest

from ansible_collections.labforge.virt.plugins.module_utils._direct_io import find_mount, parse_mountinfo
from ansible_collections.labforge.virt.plugins.modules import filesystem_info

from conftest import FIXTURES, run_module_main


def run_module(args, capsys, check_mode=False):
    return run_module_main(filesystem_info.main, args, capsys, check_mode)


def test_lookup_in_a_container_snapshot():
    with open(os.path.join(FIXTURES, 'mountinfo', 'docker-overlay2-bookworm.txt')) as f:
        mounts = parse_mountinfo(f.read())
    # / exists everywhere; the lookup of a path that does not exist falls back to it.
    entry = filesystem_info.lookup('/labforge-no-such-dir/pool', mounts)
    assert entry['exists'] is False and entry['probed_path'] == '/'
    assert (entry['type'], entry['mount_point'], entry['source']) == ('overlay', '/', 'overlay')
    assert filesystem_info.lookup('/proc/sys/net', mounts)['type'] == 'proc'


def _snapshot(name):
    with open(os.path.join(FIXTURES, 'mountinfo', name)) as f:
        return parse_mountinfo(f.read())


@pytest.mark.parametrize('path,fstype,mode', [
    # shared_volume's default options: the data directory of a database under it is on a soft mount.
    ('/srv/shared/database_live/db2/data', 'nfs4', 'soft'),
    ('/srv/shared/archive/oradata', 'nfs4', 'hard'),
    ('/srv/shared/reports', 'nfs4', 'softerr'),
    ('/srv/legacy/db2', 'nfs', 'soft'),           # NFSv3
    ('/srv/db2/data', 'ext4', None),              # not NFS: no recovery mode
    ('/srv/shared', 'ext4', None),                # the parent of the mounts is the root filesystem
])
def test_nfs_recovery_mode_of_a_docker_host_with_nfs_mounts(path, fstype, mode):
    # The paths do not exist on this machine: the snapshot's mount of each, as lookup() finds it there.
    entry = filesystem_info.describe(find_mount(path, _snapshot('docker-host-nfs4-client.txt')))
    assert (entry['type'], entry['nfs_recovery']) == (fstype, mode), entry
    if mode:
        # The kernel writes the mode into the superblock options, not the per-mount ones.
        assert entry['options'] == 'rw,relatime' and mode in entry['super_options'].split(',')


def test_no_nfs_recovery_mode_in_the_container_snapshots():
    for name in ('docker-overlay2-bookworm.txt', 'docker-aufs-2014.txt', 'host-ext4-kernel-6.18.txt'):
        mounts = _snapshot(name)
        assert all(filesystem_info.describe(m)['nfs_recovery'] is None for m in mounts), name


def findmnt(path, column):
    # Of mounts stacked on one point findmnt lists each; the last is the one on top.
    return subprocess.run(['findmnt', '--noheadings', '--output', column, '--target', path], stdout=subprocess.PIPE,
                          universal_newlines=True, check=True).stdout.splitlines()[-1].strip()


@pytest.mark.skipif(not shutil.which('findmnt'), reason='compared with util-linux findmnt')
@pytest.mark.parametrize('check_mode', [False, True])
def test_the_module_agrees_with_findmnt(tmp_path, capsys, check_mode):
    missing = str(tmp_path / 'pool' / 'images')
    paths = [str(tmp_path), missing, '/proc/sys/net', '/dev/shm']
    rc, result = run_module({'paths': paths}, capsys, check_mode)
    assert rc == 0 and result['changed'] is False
    entries = result['filesystems']
    assert [entry['path'] for entry in entries] == paths
    assert entries[1]['exists'] is False and entries[1]['probed_path'] == str(tmp_path)
    assert not os.path.exists(missing)
    for entry in entries:
        assert entry['type'] == findmnt(entry['probed_path'], 'FSTYPE'), entry
        assert entry['mount_point'] == findmnt(entry['probed_path'], 'TARGET'), entry
        assert entry['options'] == findmnt(entry['probed_path'], 'VFS-OPTIONS'), entry
