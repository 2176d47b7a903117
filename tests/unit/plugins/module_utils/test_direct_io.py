# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mountinfo parsing on real snapshots and the O_DIRECT probe's bookkeeping."""

import os

import pytest

from ansible_collections.labforge.virt.plugins.module_utils._direct_io import (
    PROBE_PREFIX,
    ProbeError,
    explain_unsupported,
    find_mount,
    mount_summary,
    nearest_existing,
    parse_mountinfo,
    probe_direct_io,
    unescape,
    valid_block_size,
)

from conftest import FIXTURES


def load(name):
    with open(os.path.join(FIXTURES, 'mountinfo', name)) as f:
        return parse_mountinfo(f.read())


def test_host_snapshot():
    mounts = load('host-ext4-kernel-6.18.txt')
    assert len(mounts) == 37
    root = find_mount('/work/main/.build', mounts)
    assert (root['fstype'], root['source'], root['mount_point'], root['mount_id']) == ('ext4', '/dev/vda', '/', 27)
    assert root['super_options'] == 'rw,discard,resv_strict,resuid=65534,resgid=65534'
    assert root['optional_fields'] == []
    # /dev/shm is mounted twice (ids 25 and 30): the later mount is the one on top
    shm = find_mount('/dev/shm/x', mounts)
    assert (shm['fstype'], shm['mount_id']) == ('tmpfs', 30)
    # prefix match respects path boundaries: /devices is not under /dev
    assert find_mount('/devices', mounts)['mount_point'] == '/'
    assert find_mount('/sys/fs/cgroup/cpuacct', mounts)['super_options'] == 'rw,cpuacct'
    # dockerd bind-mounts /var/lib/docker onto itself: same ext4, its own mount
    vol = find_mount('/var/lib/docker/volumes/db2data/_data', mounts)
    assert (vol['mount_id'], vol['fstype'], vol['root'], vol['optional_fields']) == (42, 'ext4', '/var/lib/docker', ['shared:1'])
    ns = [m for m in mounts if m['fstype'] == 'nsfs'][0]
    assert ns['root'].startswith('net:[') and ns['mount_point'].startswith('/run/docker/netns/')


def test_docker_overlay2_snapshot():
    mounts = load('docker-overlay2-bookworm.txt')
    root = find_mount('/var/lib/db2', mounts)
    assert (root['fstype'], root['source'], root['optional_fields']) == ('overlay', 'overlay', ['master:3'])
    assert 'upperdir=/var/lib/docker/overlay2/' in root['super_options']
    data = find_mount('/database/data/db2inst1/NODE0000', mounts)
    assert (data['fstype'], data['source'], data['root']) == ('ext4', '/dev/vda', '/var/tmp/directio-eng-data')
    assert find_mount('/database/tmp', mounts)['fstype'] == 'tmpfs'
    shm = mount_summary(find_mount('/dev/shm', mounts))
    assert shm == {'type': 'tmpfs', 'source': 'shm', 'mount_point': '/dev/shm', 'root': '/',
                   'options': 'rw,nosuid,nodev,noexec,relatime', 'super_options': 'rw,size=1048576k',
                   'mount_id': 362, 'major_minor': '0:66'}
    # /database is not a mount of its own: it lives on the container's overlay root
    assert find_mount('/database', mounts)['fstype'] == 'overlay'


def test_docker_aufs_snapshot():
    mounts = load('docker-aufs-2014.txt')
    assert find_mount('/home/db2inst1/sqllib', mounts)['fstype'] == 'aufs'
    assert find_mount('/home/db2inst1/data/NODE0000', mounts)['source'] == '/dev/sdb1'


def test_escaped_fields_and_garbage_lines():
    text = ('27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n'
            '\n'
            'this is not a mountinfo line\n'
            '90 27 8:17 /exports/db\\040data /srv/db\\040data rw,noatime shared:5 master:2 - xfs /dev/sdb1 rw,attr2\n')
    mounts = parse_mountinfo(text)
    assert len(mounts) == 2
    m = find_mount('/srv/db data/NODE0000', mounts)
    assert (m['mount_point'], m['root'], m['fstype']) == ('/srv/db data', '/exports/db data', 'xfs')
    assert m['optional_fields'] == ['shared:5', 'master:2']
    assert unescape('a\\011b\\012c\\134d') == 'a\tb\nc\\d'
    assert find_mount('relative/path', mounts) is None


def test_probe_on_tmp_path_leaves_nothing_behind(tmp_path):
    (tmp_path / 'keep.dat').write_bytes(b'user data')
    res = probe_direct_io(str(tmp_path))
    assert set(res) == {'supported', 'errno', 'error', 'stage', 'block_size', 'cleanup_error'}
    assert res['cleanup_error'] is None
    assert sorted(os.listdir(str(tmp_path))) == ['keep.dat']
    assert (tmp_path / 'keep.dat').read_bytes() == b'user data'
    assert not any(n.startswith(PROBE_PREFIX) for n in os.listdir(str(tmp_path)))


def test_probe_cannot_create_file(tmp_path):
    with pytest.raises(ProbeError, match='cannot create a temporary file in'):
        probe_direct_io(str(tmp_path / 'missing'))


def test_nearest_existing(tmp_path):
    assert nearest_existing(str(tmp_path / 'a' / 'b' / 'c')) == str(tmp_path)
    assert nearest_existing(str(tmp_path)) == str(tmp_path)


@pytest.mark.parametrize('n,ok', [(512, True), (4096, True), (1048576, True), (1000, False), (256, False),
                                  (2097152, False), (0, False)])
def test_valid_block_size(n, ok):
    assert valid_block_size(n) is ok


def test_explanation_names_the_filesystem_and_the_databases():
    msg = explain_unsupported(
        '/var/lib/db2', {'supported': False, 'errno': 'EINVAL', 'error': 'Invalid argument', 'stage': 'open'},
        {'type': 'aufs', 'source': 'none', 'mount_point': '/'})
    assert 'aufs on none, mounted at /' in msg
    assert 'open(O_RDWR|O_CREAT|O_DIRECT) failed with EINVAL (Invalid argument)' in msg
    assert 'Db2 and Oracle' in msg and 'bind-mount' in msg
