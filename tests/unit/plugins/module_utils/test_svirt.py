# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""qemu/libvirt discovery and the sVirt audit, on fake /proc trees built from real snapshots."""

import errno
import json
import os

import pytest

from ansible_collections.labforge.virt.plugins.module_utils._svirt import (
    audit,
    find_qemu_processes,
    is_qemu_argv,
    load_domain_xml,
    parse_blockdev_arg,
    parse_domain_xml,
    parse_qemu_cmdline,
    selinux_seclabel,
    split_qemu_opts,
)

from conftest import FIXTURES

SVIRT = os.path.join(FIXTURES, 'svirt')


def read_args(scenario, pid):
    with open(os.path.join(SVIRT, scenario, 'proc', str(pid), 'cmdline.args')) as f:
        return f.read().splitlines()


def build_proc(scenario, root):
    """Write <root>/<pid>/cmdline (NUL separated) and attr/current from the snapshots."""
    src = os.path.join(SVIRT, scenario, 'proc')
    for pid in os.listdir(src):
        d = root / pid
        (d / 'attr').mkdir(parents=True)
        args = read_args(scenario, pid)
        (d / 'cmdline').write_bytes(b'\x00'.join(a.encode() for a in args) + b'\x00')
        with open(os.path.join(src, pid, 'attr.current'), 'rb') as f:
            (d / 'attr' / 'current').write_bytes(f.read())
    # a kernel thread: empty cmdline; and a non-pid entry
    (root / '2').mkdir()
    (root / '2' / 'cmdline').write_bytes(b'')
    (root / 'self').mkdir()
    return str(root)


def xattr_from(scenario):
    with open(os.path.join(SVIRT, scenario, 'file-labels.json')) as f:
        labels = json.load(f)

    def getxattr(path, name):
        assert name == 'security.selinux'
        if path not in labels:
            raise OSError(errno.ENOENT, os.strerror(errno.ENOENT), path)
        return labels[path].encode() + b'\x00'
    return getxattr


def xml_dirs(scenario):
    return [os.path.join(SVIRT, scenario, 'run'), os.path.join(SVIRT, scenario, 'etc')]


def run_audit(scenario, tmp_path, enabled=True):
    return audit(proc_root=build_proc(scenario, tmp_path / 'proc'), xml_dirs=xml_dirs(scenario),
                 getxattr=xattr_from(scenario), selinux_enabled=enabled)


# ---------------------------------------------------------------- cmdline


def test_split_qemu_opts_escaped_comma():
    assert split_qemu_opts('file=/var/lib/libvirt/images/legacy,,old.qcow2,format=qcow2,if=none') == [
        ('file', '/var/lib/libvirt/images/legacy,old.qcow2'), ('format', 'qcow2'), ('if', 'none')]
    assert split_qemu_opts('web1') == [(None, 'web1')]


@pytest.mark.parametrize('argv0,expected', [
    ('/usr/bin/qemu-system-x86_64', True), ('/usr/libexec/qemu-kvm', True), ('qemu-system-aarch64', True),
    ('/bin/bash', False), ('/usr/bin/qemu-img', False), ('/usr/sbin/libvirtd', False),
])
def test_is_qemu_argv(argv0, expected):
    assert is_qemu_argv([argv0]) is expected


def test_libvirt9_blockdev_json_cmdline():
    info = parse_qemu_cmdline(read_args('good', 4242))
    assert info['name'] == 'web1'
    assert info['uuid'] == '6f1a4ee6-52a4-4f38-9ab3-0c3f5e1b9a9d'
    disks = dict((d['path'], d) for d in info['disks'])
    assert list(disks) == [
        '/usr/share/OVMF/OVMF_CODE_4M.fd',
        '/var/lib/libvirt/qemu/nvram/web1_VARS.fd',
        '/var/lib/libvirt/images/debian-12-base.qcow2',
        '/var/lib/libvirt/images/web1.qcow2',
        '/var/lib/libvirt/images/debian-12.4.0-amd64-netinst.iso',
    ]
    assert disks['/usr/share/OVMF/OVMF_CODE_4M.fd']['readonly'] is True
    assert disks['/var/lib/libvirt/qemu/nvram/web1_VARS.fd']['readonly'] is False
    base = disks['/var/lib/libvirt/images/debian-12-base.qcow2']
    assert base['backing'] is True and base['readonly'] is True
    top = disks['/var/lib/libvirt/images/web1.qcow2']
    assert top['backing'] is False and top['readonly'] is False and top['node_name'] == 'libvirt-2-storage'
    assert disks['/var/lib/libvirt/images/debian-12.4.0-amd64-netinst.iso']['readonly'] is True


def test_legacy_drive_cmdline_and_empty_cdrom():
    info = parse_qemu_cmdline(read_args('bad', 2087))
    assert info['name'] == 'legacy'
    assert [d['path'] for d in info['disks']] == ['/var/lib/libvirt/images/legacy,old.qcow2']
    assert info['disks'][0]['option'] == '-drive'


def test_hand_started_qemu_has_no_name():
    info = parse_qemu_cmdline(read_args('bad', 3999))
    assert info['name'] is None
    assert [d['path'] for d in info['disks']] == ['/srv/vms/rogue.img']


def test_blockdev_key_value_forms():
    # avocado-vt style and nested file.* keys
    assert parse_blockdev_arg('node-name=file_image1,driver=file,auto-read-only=on,filename=/home/images/a.qcow2') == {
        'node-name': 'file_image1', 'driver': 'file', 'auto-read-only': 'on', 'filename': '/home/images/a.qcow2'}
    argv = ['/usr/libexec/qemu-kvm', '-name', 'vm1',
            '-blockdev', 'driver=qcow2,file.driver=file,file.filename=/home/images/b.qcow2,node-name=drive_image1',
            '-blockdev', '{"driver":"qcow2","node-name":"n1","file":{"driver":"host_device","filename":"/dev/vg0/lv1"}}',
            '-blockdev', '{"driver":"nbd","server":{"type":"inet","host":"10.0.0.1","port":"10809"},"export":"x"}']
    info = parse_qemu_cmdline(argv)
    assert info['name'] == 'vm1'
    assert [d['path'] for d in info['disks']] == ['/home/images/b.qcow2', '/dev/vg0/lv1']


# ---------------------------------------------------------------- XML


def test_live_status_xml():
    with open(os.path.join(SVIRT, 'good', 'run', 'web1.xml'), 'rb') as f:
        dom = parse_domain_xml(f.read())
    assert dom['name'] == 'web1' and dom['pid'] == 4242
    sl = selinux_seclabel(dom)
    assert sl == {'model': 'selinux', 'type': 'dynamic', 'relabel': 'yes',
                  'label': 'system_u:system_r:svirt_t:s0:c107,c434',
                  'imagelabel': 'system_u:object_r:svirt_image_t:s0:c107,c434', 'baselabel': None}
    paths = [(d['path'], d['backing'], d['readonly']) for d in dom['disks']]
    assert paths == [
        ('/var/lib/libvirt/images/web1.qcow2', False, False),
        ('/var/lib/libvirt/images/debian-12-base.qcow2', True, True),
        ('/var/lib/libvirt/images/debian-12.4.0-amd64-netinst.iso', False, True),
    ]


def test_shareable_disk_and_persistent_xml_fallback():
    dom, path, err = load_domain_xml('db1', xml_dirs('good'))
    assert path.endswith('good/run/db1.xml') and err is None
    assert [d['shareable'] for d in dom['disks']] == [False, True]
    dom, path, err = load_domain_xml('pinned', xml_dirs('bad'))
    assert path.endswith('bad/etc/pinned.xml') and dom['pid'] is None
    assert selinux_seclabel(dom)['type'] == 'static' and selinux_seclabel(dom)['relabel'] == 'no'
    assert load_domain_xml('legacy', xml_dirs('bad')) == (None, None, None)


def test_broken_xml_is_reported(tmp_path):
    (tmp_path / 'vm.xml').write_text('<domain><name>vm</name>')
    dom, path, err = load_domain_xml('vm', [str(tmp_path)])
    assert dom is None and 'vm.xml' in err


# ---------------------------------------------------------------- the audit


def test_find_qemu_processes_skips_shells_and_kernel_threads(tmp_path):
    procs = find_qemu_processes(build_proc('good', tmp_path / 'proc'))
    assert [p[0] for p in procs] == [4242, 5150]


def test_good_host_has_no_findings(tmp_path):
    res = run_audit('good', tmp_path)
    assert res['findings'] == []
    web1, db1 = res['guests']
    assert (web1['domain'], web1['type'], web1['mcs'], web1['confined']) == ('web1', 'svirt_t', 'c107,c434', True)
    assert (db1['domain'], db1['type'], db1['mcs'], db1['confined']) == ('db1', 'svirt_tcg_t', 'c12,c345', True)
    assert web1['xml_path'].endswith('run/web1.xml')
    disks = dict((d['path'], d) for d in web1['disks'])
    assert disks['/var/lib/libvirt/images/web1.qcow2']['source'] == 'cmdline+xml'
    assert disks['/var/lib/libvirt/images/web1.qcow2']['categories'] == [107, 434]
    assert disks['/var/lib/libvirt/qemu/nvram/web1_VARS.fd']['mcs'] == 'c107,c434'
    assert [s['path'] for s in res['shared_disks']] == [
        '/usr/share/OVMF/OVMF_CODE_4M.fd',
        '/var/lib/libvirt/images/debian-12-base.qcow2',
        '/var/lib/libvirt/images/debian-12.4.0-amd64-netinst.iso',
        '/var/lib/libvirt/images/shared-data.raw',
    ]
    shared = [s for s in res['shared_disks'] if s['path'].endswith('shared-data.raw')][0]
    assert shared == {'path': '/var/lib/libvirt/images/shared-data.raw', 'label': 'system_u:object_r:svirt_image_t:s0',
                      'domains': ['db1'], 'pids': [5150]}
    db1_disks = dict((d['path'], d) for d in db1['disks'])
    assert db1_disks['/var/lib/libvirt/images/shared-data.raw']['shareable'] is True


def test_bad_host_findings(tmp_path):
    res = run_audit('bad', tmp_path)
    kinds = sorted((f['kind'], f['domain'] or ','.join(str(d) for d in f['domains'])) for f in res['findings'])
    assert kinds == [
        ('duplicate_categories', 'legacy,web1'),
        ('image_category_mismatch', 'pinned'),
        ('static_no_relabel', 'pinned'),
        ('unconfined', 'None'),
    ]
    by_kind = dict((f['kind'], f) for f in res['findings'])
    assert by_kind['duplicate_categories']['mcs'] == 'c107,c434'
    assert by_kind['duplicate_categories']['pids'] == [2087, 4242]
    mismatch = by_kind['image_category_mismatch']
    assert mismatch['path'] == '/srv/vms/pinned.qcow2' and mismatch['mcs'] == 'c3,c4'
    assert 'c1,c2' in mismatch['message']
    unconfined = by_kind['unconfined']
    assert unconfined['pid'] == 3999 and 'unconfined_t' in unconfined['message']
    legacy = [g for g in res['guests'] if g['domain'] == 'legacy'][0]
    assert legacy['xml_path'] is None and legacy['uuid'] == 'c7a5fdbd-cdaf-9455-926a-d65c16db1809'
    # every finding has the same keys, so roles can index them blindly
    assert len(set(tuple(sorted(f)) for f in res['findings'])) == 1


def test_confined_type_without_categories(tmp_path):
    root = tmp_path / 'proc'
    build_proc('good', root)
    (root / '4242' / 'attr' / 'current').write_bytes(b'system_u:system_r:svirt_t:s0\x00')
    res = audit(proc_root=str(root), xml_dirs=xml_dirs('good'), getxattr=xattr_from('good'))
    kinds = [(f['kind'], f['domain']) for f in res['findings']]
    # no mismatch finding for web1's c107,c434 images: a process without categories is judged once
    assert kinds == [('no_categories', 'web1')]


def test_selinux_disabled_lists_guests_as_unconfined(tmp_path):
    res = run_audit('good', tmp_path, enabled=False)
    assert [g['label'] for g in res['guests']] == [None, None]
    assert all('SELinux is not enabled' in g['label_error'] for g in res['guests'])
    assert [f['kind'] for f in res['findings']] == ['unconfined', 'unconfined']


def test_this_machine():
    """No SELinux here: whatever qemu runs is reported, never a crash."""
    res = audit(getxattr=None, selinux_enabled=False)
    assert len(res['findings']) == len(res['guests'])
    assert all(f['kind'] == 'unconfined' for f in res['findings'])


def test_disk_and_xml_seen_through_proc_pid_root(tmp_path):
    """libvirt inside a container: the image and the XML exist only under /proc/PID/root."""
    root = tmp_path / 'proc'
    build_proc('good', root)
    guest_root = root / '4242' / 'root'
    (guest_root / 'run' / 'libvirt' / 'qemu').mkdir(parents=True)
    with open(os.path.join(SVIRT, 'good', 'run', 'web1.xml'), 'rb') as f:
        (guest_root / 'run' / 'libvirt' / 'qemu' / 'web1.xml').write_bytes(f.read())
    labels = {str(guest_root) + '/var/lib/libvirt/images/web1.qcow2': b'system_u:object_r:svirt_image_t:s0:c1,c2\x00'}

    def getxattr(path, name):
        if path in labels:
            return labels[path]
        raise OSError(errno.ENOENT, os.strerror(errno.ENOENT), path)

    res = audit(proc_root=str(root), xml_dirs=['/run/libvirt/qemu'], getxattr=getxattr)
    web1 = [g for g in res['guests'] if g['domain'] == 'web1'][0]
    assert web1['xml_path'] == str(guest_root) + '/run/libvirt/qemu/web1.xml'
    disk = [d for d in web1['disks'] if d['path'] == '/var/lib/libvirt/images/web1.qcow2'][0]
    assert disk['read_via'] == str(guest_root) + '/var/lib/libvirt/images/web1.qcow2'
    assert disk['mcs'] == 'c1,c2'
    assert [(f['kind'], f['path']) for f in res['findings']] == [
        ('image_category_mismatch', '/var/lib/libvirt/images/web1.qcow2')]
