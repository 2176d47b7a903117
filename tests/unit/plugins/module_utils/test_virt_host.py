# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gather() over real snapshot trees and evaluate() into a verdict; live checks where /dev/kvm works."""

import copy
import json
import os
import shutil
import struct

import pytest

from ansible_collections.labforge.virt.plugins.module_utils import _virt_host as vh

from conftest import FIXTURES

VH = os.path.join(FIXTURES, 'virt_host')
SNAPSHOT_PROBES = [p for p in vh.PROBES if p != 'guest_exec']

from test_kvm import live  # noqa: E402  (same skip condition)


def snap(case, probes=None):
    return vh.gather(root=os.path.join(VH, case), probes=probes or SNAPSHOT_PROBES)


def recorded_dev_kvm():
    with open(os.path.join(VH, 'this_machine', 'dev_kvm_probe.json')) as handle:
        return json.load(handle)


def check(checks, cid):
    return [c for c in checks if c['id'] == cid][0]


def test_this_machine_with_recorded_dev_kvm_is_usable_not_incompatible():
    facts = snap('this_machine')
    facts['kvm']['device'] = recorded_dev_kvm()
    verdict, checks = vh.evaluate(facts)
    assert verdict['kvm_usable'] == 'yes'
    text = ' '.join([verdict['summary']] + verdict['reasons'])
    assert 'neither the vmx nor the svm flag' in text
    assert 'runs under KVM' in text
    assert 'API version 12' in text and 'KVM_CREATE_VM works' in text
    assert 'Guest code ran through KVM_RUN' in text
    assert 'kvm_pvm' in text
    assert 'not compatible' not in text.lower()
    assert verdict['fixes'] == []
    assert check(checks, 'hardware_virtualization')['status'] == 'PASS'
    assert check(checks, 'guest_exec')['status'] == 'PASS'
    assert check(checks, 'verdict')['detail'] == 'yes'


def test_this_machine_snapshot_facts():
    facts = snap('this_machine')
    assert facts['kvm']['backend'] == 'kvm_pvm'
    assert facts['kvm']['modules_source'] == '/sys/module'   # no /proc/modules: booted with "nomodule"
    assert facts['kvm']['nested'] is None
    assert facts['hypervisor']['name'] == 'KVM' and facts['hypervisor']['source'] == 'kernel log'
    assert facts['firmware']['disabled_by_bios'] is False
    assert facts['kernel']['release'] == '6.18.44-fc-v509' and facts['kernel']['ok'] is True
    cg = facts['cgroups']
    assert cg['mode'] == 'hybrid' and cg['v2_mounts'] == ['/sys/fs/cgroup/unified']
    assert all(cg['controllers'][c]['available'] for c in vh.CGROUP_CONTROLLERS)
    assert facts['iommu']['firmware_table'] is None and facts['iommu']['groups'] == 0
    assert facts['secure_guest']['sev']['kvm_param'] is None


def test_this_machine_without_a_device_is_emulated_only_with_nested_fix():
    verdict, checks = vh.evaluate(snap('this_machine'))
    assert verdict['kvm_usable'] == 'emulated-only'
    assert 'nested=1' in verdict['fixes'][0] and 'host-passthrough' in verdict['fixes'][0]
    assert check(checks, 'kvm_device_exists')['status'] == 'FAIL'


def test_without_kvm_probe_the_verdict_says_it_rests_on_flags():
    verdict, dummy = vh.evaluate(snap('this_machine', probes=['cpu', 'hypervisor']))
    assert verdict['kvm_usable'] == 'emulated-only'
    assert 'not probed' in verdict['warnings'][0]


def test_intel_bare_metal_module_loaded_device_missing():
    facts = snap('intel_i5_9300h_baremetal')
    assert facts['kvm']['backend'] == 'kvm_intel' and facts['kvm']['nested'] is True
    assert facts['hypervisor']['detected'] is False
    verdict, checks = vh.evaluate(facts)
    assert verdict['kvm_usable'] == 'no'
    assert 'mknod /dev/kvm c 10 232' in verdict['fixes'][0]
    assert check(checks, 'kvm_nested')['status'] == 'PASS'
    assert 'No hypervisor detected' in ' '.join(verdict['reasons'])


def test_intel_nested_guest_without_module_gets_modprobe_fix():
    facts = snap('intel_xeon_8358_kvm_guest_nested')
    verdict, dummy = vh.evaluate(facts)
    assert facts['hypervisor']['name'] == 'unknown hypervisor'
    assert verdict['kvm_usable'] == 'no'
    assert '`modprobe kvm_intel`' in verdict['fixes'][0]


def test_amd_bare_metal_nested_1_and_working_device():
    facts = snap('amd_epyc_9754_baremetal')
    assert facts['kvm']['backend'] == 'kvm_amd'
    assert facts['kvm']['nested_raw'] == '1' and facts['kvm']['nested'] is True
    assert facts['secure_guest']['sev']['kvm_param'] is False
    # The same host with a /dev/kvm that answers like this machine's: usable, no warnings about paging.
    facts['kvm']['device'] = recorded_dev_kvm()
    verdict, checks = vh.evaluate(facts)
    assert verdict['kvm_usable'] == 'yes'
    assert verdict['warnings'] == []
    assert 'AMD-V (svm) with NPT' in ' '.join(verdict['reasons'])
    assert check(checks, 'hardware_virtualization')['detail'] == 'AMD-V (svm)'


def test_amd_nested_off_is_a_warning(tmp_path):
    root = tmp_path / 'amd'
    shutil.copytree(os.path.join(VH, 'amd_epyc_9754_baremetal'), str(root))
    (root / 'sys/module/kvm_amd/parameters/nested').write_text('0\n')
    facts = vh.gather(root=str(root), probes=SNAPSHOT_PROBES)
    facts['kvm']['device'] = recorded_dev_kvm()
    verdict, checks = vh.evaluate(facts)
    assert verdict['kvm_usable'] == 'yes'
    assert 'options kvm_amd nested=1' in verdict['warnings'][0]
    assert check(checks, 'kvm_nested')['status'] == 'WARN'


def test_vmware_guest_is_emulated_only_and_told_how_to_expose_vt():
    facts = snap('vmware_xeon_gold_6326_guest')
    assert facts['hypervisor']['name'] == 'VMware' and facts['hypervisor']['source'] == 'DMI'
    verdict, checks = vh.evaluate(facts)
    assert verdict['kvm_usable'] == 'emulated-only'
    assert 'Expose hardware assisted virtualization' in verdict['fixes'][0]
    assert 'qemu -accel tcg' in verdict['fixes'][0]
    assert check(checks, 'hardware_virtualization')['status'] == 'FAIL'


def test_bios_locked_from_kernel_log():
    facts = snap('intel_xeon_e5_2609_bios_locked')
    fw = facts['firmware']
    assert fw['source'] == 'kernel log' and fw['disabled_by_bios'] is True
    assert fw['bios_messages'][0] == 'kvm: disabled by bios'
    verdict, checks = vh.evaluate(facts)
    assert verdict['kvm_usable'] == 'emulated-only'
    assert 'power-cycle' in verdict['fixes'][0]
    assert check(checks, 'firmware_lock')['status'] == 'FAIL'


def test_bios_locked_from_msr(tmp_path):
    root = tmp_path / 'e5'
    shutil.copytree(os.path.join(VH, 'intel_xeon_e5_2609_bios_locked'), str(root))
    value = int((root / 'rdmsr_0x3a.txt').read_text().strip(), 16)
    (root / 'dev/cpu/0').mkdir(parents=True)
    (root / 'dev/cpu/0/msr').write_bytes(b'\0' * 0x3a + struct.pack('<Q', value))
    facts = vh.gather(root=str(root), probes=SNAPSHOT_PROBES)
    assert facts['firmware']['source'] == 'msr'
    assert facts['firmware']['msr']['locked'] is True and facts['firmware']['msr']['vmx_outside_smx'] is False
    verdict, dummy = vh.evaluate(facts)
    assert verdict['kvm_usable'] == 'emulated-only'
    assert 'MSR IA32_FEATURE_CONTROL=0x1' in ' '.join(verdict['reasons'])


def test_permission_denied_is_no_with_group_fix():
    facts = snap('this_machine')
    dev = recorded_dev_kvm()
    dev.update(open_error='EACCES: Permission denied', api_version=None, api_version_ok=False, create_vm=False,
               readable=False, writable=False, capabilities={},
               guest_exec={'ran': False, 'ok': None, 'skipped': True})
    facts['kvm']['device'] = dev
    verdict, checks = vh.evaluate(facts)
    assert verdict['kvm_usable'] == 'no'
    assert 'usermod -aG kvm' in verdict['fixes'][0]
    assert check(checks, 'kvm_device_accessible')['status'] == 'FAIL'


def test_guest_code_failure_is_no():
    facts = snap('this_machine')
    dev = copy.deepcopy(recorded_dev_kvm())
    dev['guest_exec'].update(ok=False, exits=['SHUTDOWN'], io_port=None, io_byte=None, error='unexpected exits SHUTDOWN')
    facts['kvm']['device'] = dev
    verdict, dummy = vh.evaluate(facts)
    assert verdict['kvm_usable'] == 'no'
    assert 'could not run guest code' in verdict['fixes'][0]


@pytest.mark.parametrize('controllers, mode, missing', [
    ('cpuset cpu io memory hugetlb pids rdma misc', 'v2', []),
    ('cpu memory pids', 'v2', ['cpuset', 'blkio']),
])
def test_cgroup_v2(controllers, mode, missing):
    mounts = 'cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot 0 0\n'
    facts = vh.cgroup_facts('', mounts, {'/sys/fs/cgroup': controllers})
    assert facts['mode'] == mode
    assert sorted(c for c, e in facts['controllers'].items() if not e['available']) == sorted(missing)
    assert facts['controllers']['devices']['available'] is True   # eBPF in v2


def test_iommu_table_without_groups_asks_for_cmdline():
    facts = {'iommu': vh.iommu_facts('intel', ['APIC', 'DMAR', 'FACP'], [], 'BOOT_IMAGE=/vmlinuz ro quiet')}
    dummy, checks = vh.evaluate(facts)
    assert check(checks, 'iommu')['fix'] == 'add intel_iommu=on to the kernel command line'
    facts = {'iommu': vh.iommu_facts('amd', ['IVRS'], ['0', '1'], 'amd_iommu=on iommu=pt')}
    dummy, checks = vh.evaluate(facts)
    assert check(checks, 'iommu')['status'] == 'PASS'
    assert facts['iommu']['cmdline'] == {'amd_iommu': 'on', 'iommu': 'pt'}


def test_kernel_release_parsing():
    assert vh.parse_kernel_release('6.1.0-18-amd64') == [6, 1, 0]
    assert vh.parse_kernel_release('2.6.18-419.el5') == [2, 6, 18]
    assert vh.parse_kernel_release('garbage') is None


@live
def test_live_gather_on_this_machine():
    facts = vh.gather()
    verdict, checks = vh.evaluate(facts)
    assert verdict['kvm_usable'] == 'yes', verdict
    assert facts['kvm']['device']['guest_exec']['ok'] is True
    expected = ['hardware_virtualization', 'kvm_device_exists', 'kvm_device_accessible', 'kvm_api', 'guest_exec']
    assert [c['id'] for c in checks][:5] == expected


@live
def test_live_without_guest_exec_warns_it_was_not_tested():
    facts = vh.gather(probes=['cpu', 'kvm', 'hypervisor'])
    verdict, dummy = vh.evaluate(facts)
    assert verdict['kvm_usable'] == 'yes'
    assert any('not tested' in w for w in verdict['warnings'])


def test_report_lines_for_a_bios_locked_host():
    verdict, checks = vh.evaluate(snap('intel_xeon_e5_2609_bios_locked'))
    lines = vh.format_report(verdict, checks)
    assert lines[0].split() == ['CHECK', 'STATUS', 'DETAIL']
    assert any(line.startswith('firmware_lock') and ' FAIL ' in line and 'power-cycle' in line for line in lines)
    assert 'kvm_usable: emulated-only' in lines
    assert not any(line.startswith('verdict') for line in lines)
