# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""/proc/cpuinfo parsing, fed real captures (tests/unit/fixtures/virt_host/*/proc/cpuinfo)."""

import os

from ansible_collections.labforge.virt.plugins.module_utils._cpuinfo import cpu_facts, parse_cpuinfo

from conftest import FIXTURES

VH = os.path.join(FIXTURES, 'virt_host')


def cpuinfo(case):
    with open(os.path.join(VH, case, 'proc', 'cpuinfo')) as handle:
        return handle.read()


def test_this_machine_amd_epyc_guest_without_svm():
    facts = cpu_facts(cpuinfo('this_machine'))
    assert facts['vendor'] == 'amd'
    assert facts['model_name'] == 'AMD EPYC'
    assert facts['processors'] == 2
    assert facts['vmx'] is False and facts['svm'] is False
    assert facts['virt_extension'] is None
    assert facts['hypervisor_flag'] is True
    assert facts['second_level_paging'] is None
    assert facts['svm_features'] == {} and facts['vmx_features'] == {}
    assert facts['lm'] and facts['nx']


def test_intel_xeon_guest_with_nested_vmx_and_vmx_flags_line():
    facts = cpu_facts(cpuinfo('intel_xeon_8358_kvm_guest_nested'))
    assert facts['vendor'] == 'intel'
    assert facts['model_name'] == 'Intel(R) Xeon(R) Platinum 8358 CPU @ 2.60GHz'
    assert (facts['family'], facts['model'], facts['stepping']) == (6, 106, 6)
    assert facts['virt_extension'] == 'vmx'
    assert facts['hypervisor_flag'] is True
    assert facts['vmx_flags_line'].startswith('vnmi preemption_timer posted_intr')
    vf = facts['vmx_features']
    assert vf['ept'] and vf['vpid'] and vf['unrestricted_guest'] and vf['shadow_vmcs'] and vf['apicv']
    # this droplet's virtual CPU has no PML and no PLE: the line says so, so they are False, not unknown
    assert vf['pml'] is False
    assert facts['second_level_paging'] == 'ept'


def test_intel_bare_metal_two_processors():
    facts = cpu_facts(cpuinfo('intel_i5_9300h_baremetal'))
    assert facts['processors'] == 2
    assert facts['vmx'] and not facts['hypervisor_flag']
    assert facts['vmx_features']['pml'] is True
    assert facts['vmx_features']['ept_mode_based_exec'] is True
    assert facts['inconsistent_flags'] == []


def test_amd_bare_metal_svm_npt():
    facts = cpu_facts(cpuinfo('amd_epyc_9754_baremetal'))
    assert facts['vendor'] == 'amd'
    assert facts['virt_extension'] == 'svm'
    assert not facts['hypervisor_flag']
    assert facts['second_level_paging'] == 'npt'
    sf = facts['svm_features']
    assert sf['npt'] and sf['nrip_save'] and sf['avic'] and sf['x2avic'] and sf['svm_lock'] and sf['vgif']
    assert facts['vmx_flags_line'] is None


def test_vmware_guest_without_vmx():
    facts = cpu_facts(cpuinfo('vmware_xeon_gold_6326_guest'))
    assert facts['vendor'] == 'intel'
    assert facts['virt_extension'] is None
    assert facts['hypervisor_flag'] is True
    assert facts['vmx_features'] == {}


def test_old_kernel_space_aligned_capture():
    facts = cpu_facts(cpuinfo('intel_xeon_e5_2609_bios_locked'))
    assert facts['model_name'] == 'Intel(R) Xeon(R) CPU E5-2609 0 @ 2.40GHz'
    assert facts['microcode'] == '0x710'
    assert facts['vmx'] is True
    assert facts['vmx_flags_line'] is None
    assert facts['vmx_features']['ept'] is True            # listed among the flags on 3.x kernels
    assert facts['vmx_features']['unrestricted_guest'] is None   # not printed before 5.9: unknown


def test_flag_missing_on_some_processors_is_reported():
    text = cpuinfo('intel_i5_9300h_baremetal') + '\n' + cpuinfo('vmware_xeon_gold_6326_guest')
    facts = cpu_facts(text)
    assert facts['processors'] == 3
    assert facts['vmx'] is False
    assert 'vmx' in facts['inconsistent_flags'] and 'hypervisor' in facts['inconsistent_flags']


def test_parse_blocks_and_empty_input():
    blocks = parse_cpuinfo(cpuinfo('this_machine'))
    assert [b['processor'] for b in blocks] == ['0', '1']
    assert blocks[0]['address sizes'] == '48 bits physical, 48 bits virtual'
    empty = cpu_facts('')
    assert empty['processors'] == 0 and empty['vendor'] is None and empty['virt_extension'] is None
