# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KVM probes: parsers on real captures, MSR decoding, and the live /dev/kvm where there is one."""

import fcntl
import os
import struct

import pytest

from ansible_collections.labforge.virt.plugins.module_utils import _kvm

from conftest import FIXTURES, kvm_works

VH = os.path.join(FIXTURES, 'virt_host')


def read(*parts):
    with open(os.path.join(VH, *parts)) as handle:
        return handle.read()


live = pytest.mark.skipif(not kvm_works(), reason='no usable /dev/kvm on this machine')


def test_proc_modules_without_vendor_module():
    names = _kvm.parse_proc_modules(read('intel_xeon_e5_2609_bios_locked', 'proc', 'modules'))
    assert names == ['kvm', 'irqbypass']
    assert _kvm.kvm_backend(names) is None


@pytest.mark.parametrize('names, backend', [
    (['kvm_amd', 'kvm', 'irqbypass'], 'kvm_amd'),
    (['kvm-intel', 'kvm'], 'kvm_intel'),
    (['kvm_pvm', 'kvm'], 'kvm_pvm'),
    (['ext4'], None),
])
def test_backend(names, backend):
    assert _kvm.kvm_backend(names) == backend


@pytest.mark.parametrize('raw, value', [('Y\n', True), ('N', False), ('1', True), ('0', False), ('maybe', None), (None, None)])
def test_bool_parameter(raw, value):
    assert _kvm.parse_bool_param(raw) is value


def test_feature_control_locked_off_by_bios():
    value = int(read('intel_xeon_e5_2609_bios_locked', 'rdmsr_0x3a.txt').strip(), 16)
    decoded = _kvm.decode_feature_control(value)
    assert decoded == {'msr': 'IA32_FEATURE_CONTROL', 'value': '0x1', 'locked': True, 'vmx_inside_smx': False,
                       'vmx_outside_smx': False, 'disabled_by_bios': True}


def test_feature_control_enabled_and_unlocked():
    assert _kvm.decode_feature_control(0x5)['disabled_by_bios'] is False
    # Unlocked: the kernel (or kvm_intel) sets and locks it itself, so it is not a BIOS lock.
    assert _kvm.decode_feature_control(0x0)['disabled_by_bios'] is False


def test_vm_cr_svm_disabled():
    decoded = _kvm.decode_vm_cr(0x18)
    assert decoded['locked'] and decoded['svm_disabled'] and decoded['disabled_by_bios']
    assert _kvm.decode_vm_cr(0x0)['disabled_by_bios'] is False


def test_kernel_log_bios_lock_old_kernel():
    parsed = _kvm.parse_kernel_log(read('intel_xeon_e5_2609_bios_locked', 'var', 'log', 'dmesg'))
    assert parsed['bios_disabled'] == ['kvm: disabled by bios', 'kvm: disabled by bios']
    assert parsed['hypervisor_detected'] is None


def test_kernel_log_this_machine():
    parsed = _kvm.parse_kernel_log(read('this_machine', 'var', 'log', 'dmesg'))
    assert parsed['bios_disabled'] == []   # "amd_pstate: CPPC ... disabled by the BIOS" is no VT lock
    assert parsed['hypervisor_detected'] == 'KVM'
    assert any(line.startswith('kvm-pvm: loaded') for line in parsed['kvm_lines'])


def test_kernel_log_kmsg_records_and_modern_messages():
    text = ('3,512,1804512,-;x86/cpu: VMX (outside TXT) disabled by BIOS\n'
            '3,600,2604511,-;kvm_intel: VMX not enabled (by BIOS) in MSR_IA32_FEAT_CTL on CPU 0\n'
            '6,1,0,-;Linux version 6.1.0-18-amd64\n')
    parsed = _kvm.parse_kernel_log(text)
    assert parsed['bios_disabled'] == ['x86/cpu: VMX (outside TXT) disabled by BIOS',
                                       'kvm_intel: VMX not enabled (by BIOS) in MSR_IA32_FEAT_CTL on CPU 0']


def test_hypervisor_signature():
    regs = (0x40000001,) + struct.unpack('<3I', b'KVMKVMKVM\0\0\0')
    assert _kvm.hypervisor_signature(regs) == 'KVMKVMKVM'
    assert _kvm.hypervisor_signature((0, 0, 0, 0)) is None


def test_read_msr_from_a_file_laid_out_like_the_msr_device(tmp_path):
    path = tmp_path / 'msr'
    path.write_bytes(b'\0' * 0x3a + struct.pack('<Q', 0x5))
    assert _kvm.read_msr(str(path), 0x3a) == 0x5
    with pytest.raises(OSError):
        _kvm.read_msr(str(path), 0x100)   # short read past the end


def test_missing_device():
    res = _kvm.probe_dev_kvm('/nonexistent/kvm')
    assert res['present'] is False and res['guest_exec']['skipped'] is True
    assert res['api_version'] is None


def test_not_a_kvm_device(tmp_path):
    path = tmp_path / 'kvm'
    path.write_text('')
    res = _kvm.probe_dev_kvm(str(path))
    assert res['present'] and not res['is_char_device']
    assert res['open_error'].startswith('KVM_GET_API_VERSION: ENOTTY')
    assert res['create_vm'] is False


@live
def test_live_dev_kvm_runs_guest_code():
    res = _kvm.probe_dev_kvm()
    assert res['api_version'] == 12 and res['api_version_ok']
    assert res['create_vm'] is True
    assert res['capabilities']['user_memory'] == 1
    ge = res['guest_exec']
    assert ge['ok'] is True, ge
    assert ge['exits'] == ['IO', 'HLT']
    assert (ge['io_port'], ge['io_byte']) == ('0x10', '0x42')


@live
def test_live_guest_that_never_halts_is_stopped_by_the_timeout():
    kvm = os.open('/dev/kvm', os.O_RDWR)
    vm = fcntl.ioctl(kvm, _kvm.KVM_CREATE_VM, 0)
    try:
        res = _kvm.probe_guest_exec(kvm, vm, timeout=0.2, code=b'\xeb\xfe')   # jmp $
    finally:
        os.close(vm)
        os.close(kvm)
    assert res['ok'] is False
    assert res['error'] == 'KVM_RUN did not return within 0.2 s'
    assert res['elapsed_ms'] < 2000


@live
def test_live_guest_exec_can_be_skipped():
    res = _kvm.probe_dev_kvm(guest_exec=False)
    assert res['create_vm'] is True
    assert res['guest_exec'] == {'ran': False, 'ok': None, 'skipped': True}
