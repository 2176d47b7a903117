# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""engine_host_info on this machine, compared with what the machine says without the module."""

import os
import subprocess

import pytest

from ansible_collections.labforge.virt.plugins.module_utils._engine_host import D_TYPE_PREFIX
from ansible_collections.labforge.virt.plugins.modules import engine_host_info

from conftest import run_module_main


def run_module(args, capsys, check_mode=False):
    return run_module_main(engine_host_info.main, args, capsys, check_mode)


def dpkg_installed(name):
    proc = subprocess.run(['dpkg-query', '-W', '-f', '${Status}', name], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, universal_newlines=True, check=False)
    return proc.stdout.endswith(' installed')


@pytest.mark.skipif(not os.path.exists('/usr/bin/dpkg-query'), reason='needs a Debian-family machine')
@pytest.mark.parametrize('check_mode', [False, True])
def test_reads_this_machine_and_changes_nothing(tmp_path, capsys, check_mode):
    data_root = tmp_path / 'docker'
    names = ['dpkg', 'coreutils', 'labforge-no-such-package']
    rc, result = run_module({'data_root': str(data_root), 'packages': names}, capsys, check_mode)
    assert rc == 0 and result['changed'] is False
    assert result['packages'] == sorted(name for name in names if dpkg_installed(name))
    assert 'dpkg' in result['packages'] and 'labforge-no-such-package' not in result['packages']
    assert result['storage']['probed_path'] == str(tmp_path) and result['storage']['exists'] is False
    assert result['storage']['d_type'] is True
    assert not data_root.exists() and os.listdir(str(tmp_path)) == []
    assert result['selinux'] is os.path.exists('/sys/fs/selinux/enforce')
    assert result['swap']['cgroup_version'] == (2 if os.path.exists('/sys/fs/cgroup/cgroup.controllers') else 1)


def test_no_packages_asked_none_reported(tmp_path, capsys):
    rc, result = run_module({'data_root': str(tmp_path)}, capsys)
    assert rc == 0 and result['packages'] == [] and result['storage']['exists'] is True
    assert not [name for name in os.listdir(str(tmp_path)) if name.startswith(D_TYPE_PREFIX)]
