# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_package_lists: apt lists judged by content, never by the directory's mtime."""

import os
import time

import pytest

from ansible_collections.labforge.virt.plugins.module_utils._package_lists import list_state, refresh_reason

# File names as `ls /var/lib/apt/lists` shows them on a Debian 13 host after apt-get update.
TRIXIE_LISTS = [
    'deb.debian.org_debian_dists_trixie_InRelease',
    'deb.debian.org_debian_dists_trixie_main_binary-amd64_Packages.lz4',
    'deb.debian.org_debian_dists_trixie-updates_InRelease',
    'deb.debian.org_debian_dists_trixie-updates_main_binary-amd64_Packages.lz4',
    'deb.debian.org_debian-security_dists_trixie-security_InRelease',
    'deb.debian.org_debian-security_dists_trixie-security_main_binary-amd64_Packages.lz4',
    'lock',
]
DAY = 86400


def make_lists(tmp_path, names, size=1024, mtime=None):
    lists = tmp_path / 'lists'
    (lists / 'partial').mkdir(parents=True)
    for name in names:
        path = lists / name
        path.write_bytes(b'x' * (0 if name == 'lock' else size))
        if mtime is not None:
            os.utime(path, (mtime, mtime))
    return str(lists)


def test_freshly_built_image_empty_dir_young_mtime_needs_refresh(tmp_path):
    # The case that broke `make lab`: the directory is minutes old but holds nothing.
    lists = make_lists(tmp_path, ['lock'])
    os.utime(lists, None)
    state = list_state(lists, str(tmp_path / 'no-stamp'))
    assert state['indexes'] == 0
    assert refresh_reason(state, DAY, time.time()) == 'no package index in the lists'


def test_empty_index_files_need_refresh(tmp_path):
    lists = make_lists(tmp_path, TRIXIE_LISTS, size=0)
    state = list_state(lists, str(tmp_path / 'no-stamp'))
    assert state['indexes'] == 3 and state['nonempty_indexes'] == 0
    assert refresh_reason(state, DAY, time.time()) == 'every package index is empty'


def test_release_files_alone_are_not_indexes(tmp_path):
    lists = make_lists(tmp_path, [n for n in TRIXIE_LISTS if 'Packages' not in n])
    assert list_state(lists, str(tmp_path / 'no-stamp'))['indexes'] == 0


def test_fresh_lists_without_stamp_use_newest_index(tmp_path):
    now = time.time()
    lists = make_lists(tmp_path, TRIXIE_LISTS, mtime=now - 600)
    state = list_state(lists, str(tmp_path / 'no-stamp'))
    assert state['nonempty_indexes'] == 3 and not state['stamp']
    assert refresh_reason(state, DAY, now) is None


def test_old_lists_need_refresh(tmp_path):
    now = time.time()
    lists = make_lists(tmp_path, TRIXIE_LISTS, mtime=now - 3 * DAY)
    reason = refresh_reason(list_state(lists, str(tmp_path / 'no-stamp')), DAY, now)
    assert reason.startswith('the lists were last refreshed 2592')


@pytest.mark.parametrize('stamp_age, expected', [(60, None), (2 * DAY, 'stale')])
def test_stamp_decides_age_over_index_mtimes(tmp_path, stamp_age, expected):
    # apt keeps the server's Last-Modified as an index's mtime: old mtimes after a refresh are normal.
    now = time.time()
    lists = make_lists(tmp_path, TRIXIE_LISTS, mtime=now - 30 * DAY)
    stamp = tmp_path / 'update-success-stamp'
    stamp.write_bytes(b'')
    os.utime(stamp, (now - stamp_age, now - stamp_age))
    reason = refresh_reason(list_state(lists, str(stamp)), DAY, now)
    assert (reason is None) if expected is None else reason.startswith('the lists were last refreshed')


def test_stamp_with_empty_lists_still_refreshes(tmp_path):
    # A stamp left behind by an image whose lists were removed afterwards must not be believed.
    lists = make_lists(tmp_path, ['lock'])
    stamp = tmp_path / 'update-success-stamp'
    stamp.write_bytes(b'')
    assert refresh_reason(list_state(lists, str(stamp)), DAY, time.time()) == 'no package index in the lists'


def test_missing_lists_dir(tmp_path):
    state = list_state(str(tmp_path / 'absent'), str(tmp_path / 'no-stamp'))
    assert refresh_reason(state, DAY, time.time()) == 'no package index in the lists'
