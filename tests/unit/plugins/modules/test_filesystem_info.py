# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""filesystem_info: the lookup on a captured mount table, then the module against this machine's findmnt."""

import os
import shutil
import subprocess

import pytest

from ansible_collections.labforge.virt.plugins.module_utils._direct_io import parse_mountinfo
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
