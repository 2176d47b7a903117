# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""direct_io_info: module behaviour, then INTEGRATION tests against this machine's kernel.

The integration tests (names start with test_integration_) probe real filesystems: an ext4
directory, a tmpfs, and a ramfs (a filesystem that refuses O_DIRECT, standing in for aufs).
They never assume the kernel's answer: each one compares the module with a raw
os.open(O_DIRECT) + aligned write done here in the test.
"""

import json
import mmap
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager

import pytest

from ansible_collections.labforge.virt.plugins.module_utils._direct_io import PROBE_PREFIX, find_mount, read_mountinfo
from ansible_collections.labforge.virt.plugins.modules import direct_io_info

from conftest import BIN, run_ansible, run_module_main

linux_only = pytest.mark.skipif(not hasattr(os, 'O_DIRECT'), reason='O_DIRECT is Linux-only')


def run_module(args, capsys, check_mode=False):
    return run_module_main(direct_io_info.main, args, capsys, check_mode)


def raw_o_direct(directory):
    """What the kernel says, independently of the module: (ok, errno_or_None)."""
    fd0, path = tempfile.mkstemp(dir=directory, prefix='raw-odirect-')
    os.close(fd0)
    buf = mmap.mmap(-1, 4096)
    try:
        fd = os.open(path, os.O_RDWR | os.O_DIRECT)
        try:
            os.write(fd, buf)
            os.fsync(fd)
        finally:
            os.close(fd)
        return True, None
    except OSError as e:
        return False, e.errno
    finally:
        buf.close()
        os.unlink(path)


@contextmanager
def mounted(fstype, where, options=None):
    """Mount a fresh fstype at where (root only); skip the test when the sandbox forbids it."""
    if os.geteuid() != 0 or not shutil.which('mount'):
        pytest.skip('mounting %s needs root and mount(8)' % fstype)
    cmd = ['mount', '-t', fstype] + (['-o', options] if options else []) + [fstype, str(where)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        pytest.skip('cannot mount %s here: %s' % (fstype, proc.stdout.decode().strip()))
    try:
        yield str(where)
    finally:
        subprocess.run(['umount', str(where)], check=True)


# ------------------------------------------------------------------ module behaviour


def test_missing_path_fails_clearly(tmp_path, capsys):
    rc, out = run_module({'path': str(tmp_path / 'nope')}, capsys)
    assert rc == 1
    assert 'does not exist' in out['msg'] and 'nearest_existing: true' in out['msg']


@linux_only
@pytest.mark.parametrize('check_mode', [False, True], ids=['run', 'check'])
def test_missing_path_probes_the_nearest_parent_and_creates_nothing(tmp_path, capsys, check_mode):
    target = tmp_path / 'srv' / 'oracle'
    rc, out = run_module({'path': str(target), 'nearest_existing': True}, capsys, check_mode=check_mode)
    assert rc == 0, out.get('msg')
    assert out['changed'] is False and 'created' not in out
    assert not target.exists()
    assert out['probed_path'] == str(tmp_path)
    assert isinstance(out['supported'], bool)


@linux_only
def test_existing_directory_is_unchanged_in_check_mode(tmp_path, capsys):
    (tmp_path / 'datafile').write_bytes(b'x' * 10)
    rc, out = run_module({'path': str(tmp_path)}, capsys, check_mode=True)
    assert rc == 0 and out['changed'] is False
    assert os.listdir(str(tmp_path)) == ['datafile']


@linux_only
def test_symlink_is_resolved(tmp_path, capsys):
    real = tmp_path / 'real'
    real.mkdir()
    (tmp_path / 'link').symlink_to(real)
    rc, out = run_module({'path': str(tmp_path / 'link')}, capsys)
    assert out['path'] == str(tmp_path / 'link') and out['probed_path'] == str(real)


def test_not_a_directory(tmp_path, capsys):
    f = tmp_path / 'file'
    f.write_text('x')
    rc, out = run_module({'path': str(f)}, capsys)
    assert rc == 1 and 'is not a directory' in out['msg']


@pytest.mark.parametrize('size', [1000, 256, 4 * 1048576])
def test_bad_block_size(tmp_path, capsys, size):
    rc, out = run_module({'path': str(tmp_path), 'block_size': size}, capsys)
    assert rc == 1 and 'power of two' in out['msg']


@linux_only
def test_unwritable_directory_fails_with_advice(capsys):
    # even root cannot create files in sysfs
    rc, out = run_module({'path': '/sys/kernel'}, capsys)
    assert rc == 1
    assert out['msg'].startswith('Cannot probe O_DIRECT: cannot create a temporary file in /sys/kernel')
    assert 'become: true' in out['msg']
    assert out['filesystem']['type'] == 'sysfs'


# ------------------------------------------------------------------ INTEGRATION (this machine's kernel)


@linux_only
def test_integration_ext4(capsys):
    base = '/var/tmp'
    mount = find_mount(os.path.realpath(base), read_mountinfo())
    if mount['fstype'] != 'ext4':
        pytest.skip('/var/tmp is %s here, not ext4' % mount['fstype'])
    d = tempfile.mkdtemp(dir=base, prefix='labforge-dio-ext4-')
    try:
        expected_ok, expected_errno = raw_o_direct(d)
        rc, out = run_module({'path': d, 'require': expected_ok}, capsys)
        assert rc == 0, out.get('msg')
        assert out['filesystem']['type'] == 'ext4'
        assert out['filesystem']['mount_point'] == mount['mount_point']
        assert out['supported'] is expected_ok
        assert out['block_size'] == 4096
        assert os.listdir(d) == []
        with capsys.disabled():
            print('\nINTEGRATION ext4 %s: supported=%s errno=%s' % (d, out['supported'], out['errno']))
    finally:
        shutil.rmtree(d)


@linux_only
def test_integration_tmpfs(tmp_path, capsys):
    shm = '/dev/shm'
    m = find_mount(shm, read_mountinfo()) if os.path.isdir(shm) else None
    if m is not None and m['fstype'] == 'tmpfs' and os.access(shm, os.W_OK):
        _check_against_kernel(shm, 'tmpfs', capsys)
    else:
        (tmp_path / 'mnt').mkdir()
        with mounted('tmpfs', tmp_path / 'mnt', 'size=8m') as where:
            _check_against_kernel(where, 'tmpfs', capsys)


@linux_only
def test_integration_ramfs_refuses_o_direct(tmp_path, capsys):
    """ramfs has no direct I/O: the negative answer aufs used to give, from a real kernel."""
    (tmp_path / 'mnt').mkdir()
    with mounted('ramfs', tmp_path / 'mnt') as where:
        out = _check_against_kernel(where, 'ramfs', capsys)
        if out['supported']:
            pytest.skip('this kernel accepts O_DIRECT on ramfs')
        assert (out['errno'], out['error'], out['stage']) == ('EINVAL', 'Invalid argument', 'open')
        rc, out = run_module({'path': where, 'require': True}, capsys)
        assert rc == 1
        assert 'does not support O_DIRECT' in out['msg'] and 'ramfs on ramfs, mounted at %s' % where in out['msg']
        assert 'Db2 and Oracle' in out['msg'] and 'aufs' in out['msg']
        assert os.listdir(where) == []


def _check_against_kernel(directory, fstype, capsys):
    expected_ok, expected_errno = raw_o_direct(directory)
    before = set(os.listdir(directory))
    rc, out = run_module({'path': directory}, capsys)
    assert rc == 0, out.get('msg')
    assert out['filesystem']['type'] == fstype
    assert out['supported'] is expected_ok
    if not expected_ok:
        import errno as errno_mod
        assert out['errno'] == errno_mod.errorcode[expected_errno]
    assert set(os.listdir(directory)) == before
    assert not any(n.startswith(PROBE_PREFIX) for n in os.listdir(directory))
    with capsys.disabled():
        print('\nINTEGRATION %s %s: supported=%s errno=%s' % (fstype, directory, out['supported'], out['errno']))
    return out


@linux_only
def test_integration_through_ansible(tmp_path):
    """The module as users run it: ansible ad-hoc, resolved by FQCN from this checkout."""
    if not os.path.exists(os.path.join(BIN, 'ansible')):
        pytest.skip('ansible CLI not installed in %s' % BIN)
    proc = run_ansible(
        ['localhost', '-c', 'local', '-e', 'ansible_python_interpreter=%s' % sys.executable,
         '-m', 'labforge.virt.direct_io_info', '-a', 'path=%s require=false' % tmp_path],
        tmp_path, program='ansible', timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    res = data['plays'][0]['tasks'][0]['hosts']['localhost']
    assert res['supported'] is raw_o_direct(str(tmp_path))[0]
    assert res['filesystem']['type'] == find_mount(str(tmp_path), read_mountinfo())['fstype']
