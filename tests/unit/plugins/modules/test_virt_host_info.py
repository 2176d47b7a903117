# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""virt_host_info end to end through AnsibleModule: live on this machine, and on snapshot roots."""

import os

import pytest

from ansible_collections.labforge.virt.plugins.modules import virt_host_info

from conftest import FIXTURES, kvm_works, run_module_main

VH = os.path.join(FIXTURES, 'virt_host')


live = pytest.mark.skipif(not kvm_works(), reason='no usable /dev/kvm on this machine')


def run_module(args, capsys):
    return run_module_main(virt_host_info.main, args, capsys)


@live
def test_live_default_run(capsys):
    rc, out = run_module({}, capsys)
    assert rc == 0
    assert out['changed'] is False
    assert out['kvm_usable'] == 'yes'
    assert out['verdict']['kvm_usable'] == 'yes'
    assert out['kvm']['device']['guest_exec']['exits'] == ['IO', 'HLT']
    for key in ('cpu', 'firmware', 'kvm', 'hypervisor', 'devices', 'cgroups', 'iommu', 'secure_guest', 'kernel'):
        assert key in out
    assert 'guest_exec' not in out


@live
def test_live_check_mode_and_require_kvm(capsys):
    rc, out = run_module({'_ansible_check_mode': True, 'require_kvm': True}, capsys)
    assert rc == 0 and out['kvm_usable'] == 'yes' and not out.get('failed')


@live
def test_live_guest_exec_off(capsys):
    rc, out = run_module({'guest_exec': False, 'probes': ['cpu', 'kvm', 'guest_exec']}, capsys)
    assert rc == 0
    assert out['kvm']['device']['guest_exec']['skipped'] is True
    assert sorted(k for k in out if k in virt_host_info.PROBES) == ['cpu', 'kvm']


def test_require_kvm_fails_with_reasons_and_fix_on_a_vmware_guest(capsys):
    rc, out = run_module({'root': os.path.join(VH, 'vmware_xeon_gold_6326_guest'), 'require_kvm': True}, capsys)
    assert rc == 1 and out['failed'] is True
    assert out['msg'].startswith('KVM is not usable here (emulated-only): ')
    assert 'runs under VMware' in out['msg']
    assert 'Expose hardware assisted virtualization' in out['msg']
    assert out['kvm_usable'] == 'emulated-only'


def test_snapshot_without_require_kvm_reports_and_succeeds(capsys):
    rc, out = run_module({'root': os.path.join(VH, 'intel_xeon_e5_2609_bios_locked')}, capsys)
    assert rc == 0
    assert out['kvm_usable'] == 'emulated-only'
    assert out['firmware']['disabled_by_bios'] is True
    # The firmware lock also rules out Hyper-V.
    assert out['hyperv_capable'] == 'no' and out['verdict']['hyperv']['capable'] == 'no'
    assert any(line.startswith('hyperv ') and ' FAIL ' in line for line in out['report'])


def test_hyperv_capable_on_amd_bare_metal_and_absent_without_cpu_probe(capsys):
    rc, out = run_module({'root': os.path.join(VH, 'amd_epyc_9754_baremetal')}, capsys)
    assert rc == 0 and out['hyperv_capable'] == 'yes'
    assert out['verdict']['hyperv']['requirements'] == {
        'long_mode': True, 'dep': True, 'virt_extension': True, 'slat': True, 'firmware_enabled': None}
    rc, out = run_module({'root': os.path.join(VH, 'amd_epyc_9754_baremetal'), 'probes': ['kvm']}, capsys)
    assert rc == 0 and 'hyperv_capable' not in out and 'hyperv' not in out['verdict']


def test_bad_timeout_is_refused(capsys):
    rc, out = run_module({'guest_timeout': 0}, capsys)
    assert rc == 1 and 'guest_timeout must be a positive number' in out['msg']


def test_unknown_probe_is_refused(capsys):
    rc, out = run_module({'probes': ['cpu', 'gpu']}, capsys)
    assert rc == 1 and 'gpu' in out['msg']
