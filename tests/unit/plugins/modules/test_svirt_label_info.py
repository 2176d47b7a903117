# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""svirt_label_info end to end: fake /proc and libvirt XML from real snapshots, real
security.selinux xattrs on real files (root can store them even without SELinux)."""

import json
import os
import shutil

import pytest

from ansible_collections.labforge.virt.plugins.modules import svirt_label_info

from conftest import FIXTURES, run_module_main

SVIRT = os.path.join(FIXTURES, 'svirt')


def run_module(args, capsys):
    return run_module_main(svirt_label_info.main, args, capsys)


def materialize(scenario, tmp_path):
    """Copy a scenario under tmp_path: disk paths are rewritten to live under tmp_path/fs,
    the disks are created and get their snapshot label as a real xattr."""
    fs = str(tmp_path / 'fs')
    src = os.path.join(SVIRT, scenario)

    def rewrite(text):
        for prefix in ('/var/lib/libvirt/', '/usr/share/OVMF/', '/srv/vms/'):
            text = text.replace(prefix, fs + prefix)
        return text

    proc = tmp_path / 'proc'
    for pid in os.listdir(os.path.join(src, 'proc')):
        (proc / pid / 'attr').mkdir(parents=True)
        with open(os.path.join(src, 'proc', pid, 'cmdline.args')) as f:
            args = rewrite(f.read()).splitlines()
        (proc / pid / 'cmdline').write_bytes(b'\x00'.join(a.encode() for a in args) + b'\x00')
        shutil.copy(os.path.join(src, 'proc', pid, 'attr.current'), str(proc / pid / 'attr' / 'current'))
    for sub in ('run', 'etc'):
        (tmp_path / sub).mkdir()
        # git keeps no empty directories: a fixture without persistent XML has no etc/
        sub_dir = os.path.join(src, sub)
        for name in (os.listdir(sub_dir) if os.path.isdir(sub_dir) else []):
            with open(os.path.join(src, sub, name)) as f:
                (tmp_path / sub / name).write_text(rewrite(f.read()))
    with open(os.path.join(src, 'file-labels.json')) as f:
        labels = json.load(f)
    for path, label in labels.items():
        real = fs + path
        os.makedirs(os.path.dirname(real), exist_ok=True)
        with open(real, 'wb'):
            pass
        try:
            os.setxattr(real, 'security.selinux', label.encode() + b'\x00')
        except OSError as e:
            pytest.skip('cannot store security.selinux xattrs here (%s); covered by test_svirt.py' % e)
    selinuxfs = tmp_path / 'selinuxfs'
    selinuxfs.mkdir()
    (selinuxfs / 'enforce').write_text('1')
    return {
        'proc_root': str(proc),
        'xml_dirs': [str(tmp_path / 'run'), str(tmp_path / 'etc')],
        'selinuxfs': str(selinuxfs),
    }, fs


def test_this_machine_without_selinux(capsys):
    rc, out = run_module({}, capsys)
    assert rc == 0 and out['changed'] is False
    assert out['selinux_enabled'] is False and out['selinux_mode'] == 'disabled'
    # no SELinux here: any qemu that happens to run is listed unconfined; usually there is none
    assert len(out['findings']) == len(out['guests'])
    assert out['shared_disks'] == [] or out['guests']


def test_good_host_with_real_xattrs(tmp_path, capsys):
    args, fs = materialize('good', tmp_path)
    args['fail_on_findings'] = True
    rc, out = run_module(args, capsys)
    assert rc == 0, out.get('msg')
    assert out['selinux_enabled'] is True and out['selinux_mode'] == 'enforcing'
    assert out['findings'] == []
    assert [(g['domain'], g['label'], g['confined']) for g in out['guests']] == [
        ('web1', 'system_u:system_r:svirt_t:s0:c107,c434', True),
        ('db1', 'system_u:system_r:svirt_tcg_t:s0:c12,c345', True),
    ]
    web1_disk = [d for d in out['guests'][0]['disks'] if d['path'] == fs + '/var/lib/libvirt/images/web1.qcow2'][0]
    assert web1_disk['label'] == 'system_u:object_r:svirt_image_t:s0:c107,c434'
    assert web1_disk['label_error'] is None
    assert [s['path'][len(fs):] for s in out['shared_disks']] == [
        '/usr/share/OVMF/OVMF_CODE_4M.fd',
        '/var/lib/libvirt/images/debian-12-base.qcow2',
        '/var/lib/libvirt/images/debian-12.4.0-amd64-netinst.iso',
        '/var/lib/libvirt/images/shared-data.raw',
    ]


def test_bad_host_fails_with_every_finding(tmp_path, capsys):
    args, fs = materialize('bad', tmp_path)
    args['fail_on_findings'] = True
    rc, out = run_module(args, capsys)
    assert rc == 1 and out['failed'] is True
    assert out['msg'].startswith('sVirt audit found 4 problem(s):')
    for kind in ('unconfined', 'duplicate_categories', 'image_category_mismatch', 'static_no_relabel'):
        assert '- %s: ' % kind in out['msg']
    assert len(out['guests']) == 4  # the data is still there for a report
    # without fail_on_findings the same audit succeeds and reports
    args['fail_on_findings'] = False
    rc, out = run_module(args, capsys)
    assert rc == 0 and len(out['findings']) == 4


def test_permissive_host_and_custom_confined_types(tmp_path, capsys):
    args, fs = materialize('good', tmp_path)
    with open(os.path.join(args['selinuxfs'], 'enforce'), 'w') as f:
        f.write('0')
    args['confined_types'] = ['svirt_t']
    rc, out = run_module(args, capsys)
    assert out['selinux_mode'] == 'permissive'
    assert [(f['kind'], f['domain']) for f in out['findings']] == [('unconfined', 'db1')]
