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


# ------------------------------------------------------ hypervisor identification
# Strings from public sources (fixtures/virt_host/hypervisor_ids/README.md), not captured here.
with open(os.path.join(VH, 'hypervisor_ids', 'ids.json')) as _handle:
    IDS = json.load(_handle)

# hypervisor, what the machine shows, expected name, expected source
HV_TABLE = [
    ('Hyper-V', 'signature', 'Hyper-V', 'cpuid 0x40000000'),
    ('Xen', 'signature', 'Xen', 'cpuid 0x40000000'),
    ('VMware', 'signature', 'VMware', 'cpuid 0x40000000'),
    ('VirtualBox', 'signature', 'VirtualBox', 'cpuid 0x40000000'),
    ('KVM', 'signature', 'KVM', 'cpuid 0x40000000'),
    ('Hyper-V', 'dmi', 'Hyper-V', 'DMI'),
    ('Xen', 'dmi', 'Xen', 'DMI'),
    ('VMware', 'dmi', 'VMware', 'DMI'),
    ('VirtualBox', 'dmi', 'VirtualBox', 'DMI'),
    ('KVM', 'dmi', 'QEMU/KVM', 'DMI'),            # DMI names QEMU, not the accelerator
    ('Hyper-V', 'both', 'Hyper-V', 'cpuid 0x40000000'),
    ('Xen', 'both', 'Xen', 'cpuid 0x40000000'),
    ('VMware', 'both', 'VMware', 'cpuid 0x40000000'),
    ('VirtualBox', 'both', 'VirtualBox', 'cpuid 0x40000000'),
    ('KVM', 'both', 'KVM', 'cpuid 0x40000000'),
    ('Xen', 'sys_hypervisor_type', 'Xen', '/sys/hypervisor/type'),   # Xen PV: no cpuid leaf, no DMI
    (None, 'none', None, None),
]
HV_IDS = ['%s-%s' % (row[0] or 'bare_metal', row[1]) for row in HV_TABLE]


def _cpuid_regs(hv):
    """eax..edx of leaf 0x40000000 carrying *hv*'s signature in ebx, ecx, edx."""
    return (0x40000001,) + struct.unpack('<3I', IDS['cpuid_signatures'][hv].encode('ascii'))


def _expect_hypervisor(facts, hv, given, name, source):
    assert facts['detected'] is (given != 'none')
    assert facts['name'] == name and facts['source'] == source
    if given == 'both':
        assert facts['dmi_guess'] == HV_TABLE[[r[:2] for r in HV_TABLE].index((hv, 'dmi'))][2]
    dummy, checks = vh.evaluate({'hypervisor': facts})
    assert check(checks, 'hypervisor')['detail'] == ('virtual machine under %s' % name if name else 'bare metal')


@pytest.mark.parametrize('hv, given, name, source', HV_TABLE, ids=HV_IDS)
def test_hypervisor_identification(hv, given, name, source):
    sig = vh._kvm.hypervisor_signature(_cpuid_regs(hv)) if given in ('signature', 'both') else None
    dmi = IDS['dmi'][hv] if given in ('dmi', 'both') else {}
    hv_type = IDS['sys_hypervisor_type'][hv] if given == 'sys_hypervisor_type' else None
    # DMI alone and /sys/hypervisor alone are tested without the cpuid hypervisor flag.
    facts = vh.hypervisor_facts(sig is not None, sig, dmi, hv_type, None)
    _expect_hypervisor(facts, hv, given, name, source)


@pytest.mark.parametrize('hv, given, name, source', HV_TABLE, ids=HV_IDS)
def test_hypervisor_identification_through_gather(tmp_path, hv, given, name, source):
    """The same strings as files under a root prefix; /dev/cpu/0/cpuid as a regular file (16 bytes per leaf)."""
    if given in ('signature', 'both'):
        (tmp_path / 'dev/cpu/0').mkdir(parents=True)
        with open(str(tmp_path / 'dev/cpu/0/cpuid'), 'wb') as handle:
            for leaf, regs in ((1, (0, 0, 1 << 31, 0)), (0x40000000, _cpuid_regs(hv)), (0x80000001, (0, 0, 0, 0))):
                handle.seek(leaf)
                handle.write(struct.pack('<4I', *regs))
    if given in ('dmi', 'both'):
        (tmp_path / 'sys/class/dmi/id').mkdir(parents=True)
        for key, value in IDS['dmi'][hv].items():
            (tmp_path / 'sys/class/dmi/id' / key).write_text(value + '\n')
    if given == 'sys_hypervisor_type':
        (tmp_path / 'sys/hypervisor').mkdir(parents=True)
        (tmp_path / 'sys/hypervisor/type').write_text(IDS['sys_hypervisor_type'][hv])
    facts = vh.gather(root=str(tmp_path), probes=['hypervisor'])['hypervisor']
    _expect_hypervisor(facts, hv, given, name, source)
    assert facts['cpuid_hypervisor_flag'] is (given in ('signature', 'both'))


# ----------------------------------------------------------- Hyper-V requirements
@pytest.mark.parametrize('case, capable, status, words', [
    ('amd_epyc_9754_baremetal', 'yes', 'PASS', ['AMD-V (svm) yes', 'SLAT (npt) yes', '-> this machine can run Hyper-V']),
    ('intel_i5_9300h_baremetal', 'yes', 'PASS', ['VT-x (vmx) yes', 'SLAT (ept) yes', 'can run Hyper-V']),
    ('intel_xeon_8358_kvm_guest_nested', 'yes', 'PASS', ['can run Hyper-V (nested, under unknown hypervisor)']),
    ('intel_xeon_e5_2609_bios_locked', 'no', 'FAIL', ['virtualization enabled in firmware no', 'cannot run Hyper-V']),
    ('this_machine', 'no', 'FAIL', ['VT-x/AMD-V (vmx/svm) no', 'missing: VT-x/AMD-V (vmx/svm), SLAT (ept/npt)']),
    ('vmware_xeon_gold_6326_guest', 'no', 'FAIL', ['cannot run Hyper-V']),
])
def test_hyperv_requirements_on_snapshots(case, capable, status, words):
    verdict, checks = vh.evaluate(snap(case))
    hyperv = verdict['hyperv']
    assert hyperv['capable'] == capable
    assert hyperv['summary'].startswith('Hyper-V requirements: 64-bit CPU (lm) yes, DEP (nx) yes, ')
    for word in words:
        assert word in hyperv['summary']
    item = check(checks, 'hyperv')
    assert item['status'] == status and item['detail'] == hyperv['summary'] and item['fix'] == hyperv['fix']
    assert [c['id'] for c in checks][-2:] == ['hyperv', 'verdict']   # the KVM verdict stays last
    assert (item['fix'] is None) is (capable == 'yes')


def test_hyperv_fix_under_vmware_names_the_vm_setting():
    verdict, dummy = vh.evaluate(snap('vmware_xeon_gold_6326_guest'))
    assert 'Expose hardware assisted virtualization' in verdict['hyperv']['fix']


def _without_flags(tmp_path, case, drop):
    """A copy of a real snapshot with *drop* removed from the flags (and vmx flags) lines."""
    root = tmp_path / case
    shutil.copytree(os.path.join(VH, case), str(root))
    cpuinfo = root / 'proc/cpuinfo'
    lines = []
    for line in cpuinfo.read_text().splitlines():
        if line.startswith('flags') or line.startswith('vmx flags'):
            key, dummy, value = line.partition(':')
            line = key + ':' + ' '.join(f for f in value.split() if f not in drop)
        lines.append(line)
    cpuinfo.write_text('\n'.join(lines) + '\n')
    return str(root)


@pytest.mark.parametrize('drop, missing, fix', [
    (['lm'], '64-bit CPU (lm)', 'needs a 64-bit CPU'),
    (['nx'], 'DEP (nx)', 'NX/XD'),
    (['ept'], 'SLAT (ept)', 'SLAT (Intel EPT / AMD NPT)'),
    (['vmx'], 'VT-x/AMD-V (vmx/svm)', 'firmware setup'),
])
def test_hyperv_each_requirement_decides(tmp_path, drop, missing, fix):
    facts = vh.gather(root=_without_flags(tmp_path, 'intel_i5_9300h_baremetal', drop), probes=SNAPSHOT_PROBES)
    verdict, checks = vh.evaluate(facts)
    assert verdict['hyperv']['capable'] == 'no'
    assert verdict['hyperv']['missing'][0] == missing
    assert '%s no' % missing in verdict['hyperv']['summary']
    assert fix in verdict['hyperv']['fix']
    assert check(checks, 'hyperv')['status'] == 'FAIL'


def test_hyperv_unknown_without_vmx_flags_line(tmp_path):
    # Pre-5.9 kernel (no "vmx flags" line) without ept among the flags: SLAT cannot be told.
    root = _without_flags(tmp_path, 'intel_xeon_e5_2609_bios_locked', ['ept'])
    verdict, checks = vh.evaluate(vh.gather(root=root, probes=['cpu']))
    assert verdict['hyperv']['capable'] == 'unknown'
    assert verdict['hyperv']['requirements']['slat'] is None
    assert 'SLAT (ept) unknown' in verdict['hyperv']['summary']
    assert check(checks, 'hyperv')['status'] == 'WARN'


def test_hyperv_needs_the_cpu_probe():
    verdict, checks = vh.evaluate(snap('intel_i5_9300h_baremetal', probes=['kvm', 'devices']))
    assert 'hyperv' not in verdict
    assert 'hyperv' not in [c['id'] for c in checks]


# --------------------------------------------------------- vhost-net, tun devices
@pytest.mark.parametrize('vhost_net, tun', [(True, True), (False, True), (True, False), (False, False)])
def test_device_checks(tmp_path, vhost_net, tun):
    # Character devices cannot be files here; a regular file is "present" to the stat the check makes.
    (tmp_path / 'dev/net').mkdir(parents=True)
    if vhost_net:
        (tmp_path / 'dev/vhost-net').write_text('')
    if tun:
        (tmp_path / 'dev/net/tun').write_text('')
    facts = vh.gather(root=str(tmp_path), probes=['devices'])
    assert facts['devices']['vhost_net']['present'] is vhost_net and facts['devices']['tun']['present'] is tun
    assert facts['devices']['tun']['is_char_device'] is False
    dummy, checks = vh.evaluate(facts)
    item = check(checks, 'vhost_net')
    assert item['description'] == 'Checking if device /dev/vhost-net exists'
    assert item['status'] == ('PASS' if vhost_net else 'WARN')   # virt-host-validate: WARN
    assert item['fix'] == (None if vhost_net else 'modprobe vhost_net (faster virtio networking)')
    item = check(checks, 'tun')
    assert item['description'] == 'Checking if device /dev/net/tun exists'
    assert item['status'] == ('PASS' if tun else 'FAIL')          # virt-host-validate: FAIL
    assert item['fix'] == (None if tun else 'modprobe tun')


def test_device_checks_live():
    devs = vh.gather(probes=['devices'])['devices']
    for key, path in (('vhost_net', '/dev/vhost-net'), ('tun', '/dev/net/tun')):
        assert devs[key]['path'] == path and devs[key]['present'] is os.path.exists(path)
        if devs[key]['present']:
            assert devs[key]['is_char_device'] is True


# ------------------------------------------------------------------ secure guest
def _secure_root(tmp_path, files):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(tmp_path)


# Parameter formats as the kernel prints them: kvm_amd sev / kvm_intel tdx are bool (Y/N),
# /sys/firmware/uv/prot_virt_host is an int (1/0).
@pytest.mark.parametrize('files, status, detail, fix', [
    ({'sys/module/kvm_amd/parameters/sev': 'Y\n'}, 'PASS', 'AMD SEV', None),
    ({'sys/module/kvm_intel/parameters/tdx': 'Y\n'}, 'PASS', 'Intel TDX', None),
    ({'sys/firmware/uv/prot_virt_host': '1\n'}, 'PASS', 's390 PV', None),
    ({'sys/module/kvm_amd/parameters/sev': 'Y\n', 'sys/module/kvm_intel/parameters/tdx': 'Y\n'},
     'PASS', 'AMD SEV, Intel TDX', None),
    ({'sys/module/kvm_amd/parameters/sev': 'N\n', 'sys/module/kvm_intel/parameters/tdx': 'N\n',
      'sys/firmware/uv/prot_virt_host': '0\n'}, 'INFO', 'no SEV/TDX/s390-PV support visible', None),
    ({}, 'INFO', 'no SEV/TDX/s390-PV support visible', None),
], ids=['sev', 'tdx', 's390-se', 'sev+tdx', 'all-off', 'none'])
def test_secure_guest_check(tmp_path, files, status, detail, fix):
    facts = vh.gather(root=_secure_root(tmp_path, files), probes=['secure_guest'])
    dummy, checks = vh.evaluate(facts)
    item = check(checks, 'secure_guest')
    assert item['description'] == 'Checking for secure guest support'
    assert (item['status'], item['detail'], item['fix']) == (status, detail, fix)


def test_secure_guest_sev_cpu_flag_with_kvm_amd_sev_off_warns(tmp_path):
    # The real EPYC 9754 snapshot (kvm_amd sev=N) with the sev cpu flag added, as the kernel shows it
    # when the firmware enables SEV.
    root = tmp_path / 'amd'
    shutil.copytree(os.path.join(VH, 'amd_epyc_9754_baremetal'), str(root))
    cpuinfo = root / 'proc/cpuinfo'
    cpuinfo.write_text(''.join(line + (' sev' if line.startswith('flags') else '') + '\n'
                               for line in cpuinfo.read_text().splitlines()))
    facts = vh.gather(root=str(root), probes=['cpu', 'secure_guest'])
    assert facts['secure_guest']['sev']['cpu_flag'] is True and facts['secure_guest']['sev']['kvm_param'] is False
    dummy, checks = vh.evaluate(facts)
    item = check(checks, 'secure_guest')
    assert (item['status'], item['detail']) == ('WARN', 'CPU has SEV, kvm_amd sev is off')
    assert item['fix'] == 'options kvm_amd sev=1 (and mem_encrypt=on on the kernel command line)'
    # The unmodified snapshot has no sev flag: nothing to warn about.
    dummy, checks = vh.evaluate(snap('amd_epyc_9754_baremetal', probes=['cpu', 'secure_guest']))
    assert check(checks, 'secure_guest')['status'] == 'INFO'
