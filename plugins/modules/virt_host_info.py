#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: virt_host_info
short_description: Tell whether a machine can run KVM guests, and why not
version_added: 0.1.0
description:
  - Probes the CPU (C(vmx)/C(svm) and the EPT/NPT helper features), the firmware lock
    (MSR C(IA32_FEATURE_CONTROL) / C(VM_CR) through C(/dev/cpu/N/msr) when readable, otherwise the
    kernel's "disabled by BIOS" messages), the kvm modules and their C(nested) parameter, and the
    C(/dev/kvm) device itself (C(KVM_GET_API_VERSION), C(KVM_CREATE_VM), C(KVM_CHECK_EXTENSION)).
  - Runs a few bytes of real-mode guest code through C(KVM_RUN) (C(mov al, 0x42; out 0x10, al; hlt)) with a
    bounded wait, so a working KVM is proven rather than inferred from CPU flags.
  - Reports where the machine runs (bare metal or which hypervisor, from the cpuid C(hypervisor) flag and
    signature, DMI and C(/sys/hypervisor)) and everything C(virt-host-validate qemu) checks (vhost-net, tun,
    cgroup controllers, IOMMU, secure guest support), plus the kernel version.
  - Also tells whether the CPU meets Hyper-V's requirements (64-bit, DEP, VT-x/AMD-V, SLAT), see RV(hyperv_capable).
  - Returns a verdict, O(require_kvm) aside never fails on a finding; each fact is reported separately.
  - Read-only. The guest execution creates a transient VM in memory and destroys it.
author:
  - labforge.virt developers (@labforge)
options:
  probes:
    description:
      - Which probes to run. V(guest_exec) needs V(kvm).
      - Without V(kvm) the verdict rests on the CPU flags only and says so.
    type: list
    elements: str
    choices: [cpu, firmware, kvm, guest_exec, hypervisor, devices, cgroups, iommu, secure_guest, kernel]
    default: [cpu, firmware, kvm, guest_exec, hypervisor, devices, cgroups, iommu, secure_guest, kernel]
  guest_exec:
    description:
      - Run real-mode guest code through C(KVM_RUN). V(false) removes V(guest_exec) from O(probes).
    type: bool
    default: true
  guest_timeout:
    description:
      - Seconds one C(KVM_RUN) may take before the guest is declared hung.
    type: float
    default: 2.0
  require_kvm:
    description:
      - Fail, with the reasons and the fixes, unless RV(kvm_usable) is V(yes).
    type: bool
    default: false
  root:
    description:
      - Path prefix under which C(/proc), C(/sys) and C(/dev) are read, for example a snapshot of another
        machine's files. Device probes against a snapshot report the devices as missing.
    type: path
    default: /
extends_documentation_fragment:
  - labforge.virt.attributes
  - labforge.virt.attributes.info_module
notes:
  - Reading MSRs needs root and the C(msr) module; without it the firmware lock comes from the kernel log
    (C(/dev/kmsg), then C(dmesg)).
  - C(/dev/kvm) is usually C(root:kvm 0660); run with C(become) or as a member of the C(kvm) group.
  - A CPU without the C(vmx)/C(svm) flag can still have a working KVM, for example a VM whose hypervisor
    provides KVM without advertising the flag, or the C(kvm_pvm) backend. The verdict follows what
    C(/dev/kvm) actually does.
seealso:
  - name: virt-host-validate
    description: libvirt's text-mode host check this module mirrors.
    link: https://libvirt.org/manpages/virt-host-validate.html
  - name: KVM API
    description: The ioctls used by the kvm probe.
    link: https://docs.kernel.org/virt/kvm/api.html
  - name: Hyper-V system requirements
    description: Microsoft's list the RV(hyperv_capable) verdict follows.
    link: https://learn.microsoft.com/en-us/virtualization/hyper-v-on-windows/reference/hyper-v-requirements
'''

EXAMPLES = r'''
- name: Can this host run KVM guests?
  labforge.virt.virt_host_info:
  register: virt

- name: Say why
  ansible.builtin.debug:
    msg: "{{ virt.verdict.summary }}"

- name: Print every check as a table
  ansible.builtin.debug:
    msg: "{{ virt.report }}"

- name: Stop here unless KVM works
  labforge.virt.virt_host_info:
    require_kvm: true
  become: true

- name: Only the CPU and the device, without running guest code
  labforge.virt.virt_host_info:
    probes: [cpu, kvm]
    guest_exec: false
'''

RETURN = r'''
kvm_usable:
  description:
    - V(yes) when /dev/kvm works (and ran guest code if asked); V(emulated-only) when the hardware, firmware or
      outer hypervisor gives no virtualization, so guests can only run under emulation (QEMU TCG);
      V(no) when KVM should be possible but something on this host blocks it (module, device, permissions).
  returned: always
  type: str
  sample: "yes"
verdict:
  description: The verdict with its reasons and one fix per failing item, in plain words.
  returned: always
  type: dict
  contains:
    kvm_usable:
      description: Same as RV(kvm_usable).
      type: str
      returned: always
    summary:
      description: One sentence.
      type: str
      returned: always
      sample: "KVM usable: /dev/kvm works (API 12) and guest code ran, although the CPU shows no vmx/svm flag."
    reasons:
      description: The facts the verdict rests on.
      type: list
      elements: str
      returned: always
    fixes:
      description: What to do for each failing item.
      type: list
      elements: str
      returned: always
    warnings:
      description: Things that work but limit guests (no nested, no EPT/NPT, untested guest execution).
      type: list
      elements: str
      returned: always
    hyperv:
      description:
        - Hyper-V's processor requirements, judged from the C(cpu) facts the way Windows' C(systeminfo) lists them.
        - The C(hyperv) check of RV(checks) carries the same summary, fix and PASS/FAIL (WARN when unknown).
      type: dict
      returned: when cpu is probed
      contains:
        capable:
          description:
            - Same as RV(hyperv_capable). V(unknown) when the kernel does not say whether VT-x has EPT
              (no C(vmx flags) line before Linux 5.9).
          type: str
          returned: always
        summary:
          description: One line, also the C(detail) of the V(hyperv) check.
          type: str
          returned: always
          sample: >-
            Hyper-V requirements: 64-bit CPU (lm) yes, DEP (nx) yes, VT-x (vmx) yes, SLAT (ept) yes
            -> this machine can run Hyper-V
        requirements:
          description:
            - C(long_mode) (64-bit, the C(lm) flag), C(dep) (the C(nx) flag), C(virt_extension) (C(vmx)/C(svm)),
              C(slat) (C(ept) on Intel, C(npt) on AMD) and C(firmware_enabled) (from the firmware probe), each true,
              false or null when unknown.
            - Linux re-enables a firmware-disabled XD early in boot, so C(dep) says the CPU has NX/XD, not whether
              the firmware setup, which Windows would mind, has it on.
          type: dict
          returned: always
        missing:
          description: The unmet requirements.
          type: list
          elements: str
          returned: always
        fix:
          description: What to do about the first unmet requirement, null when none.
          type: str
          returned: always
hyperv_capable:
  description:
    - Whether this machine meets Hyper-V's processor requirements (64-bit CPU, DEP, VT-x/AMD-V, SLAT),
      V(yes), V(no) or V(unknown). RV(verdict.hyperv) has the details.
    - Independent of RV(kvm_usable).
  returned: when cpu is probed
  type: str
  sample: "yes"
checks:
  description: One entry per virt-host-validate qemu check (same order) plus this module's own checks.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description:
        - Stable identifier, such as V(hardware_virtualization), V(vhost_net), V(tun), V(secure_guest), V(cgroup_memory).
        - V(hyperv) (when cpu is probed) reports Hyper-V's requirements; the last entry, V(verdict), is the KVM verdict.
      type: str
      returned: always
    description:
      description: The check, worded like virt-host-validate where it has one.
      type: str
      returned: always
    status:
      description: V(PASS), V(WARN), V(FAIL), V(INFO) or V(SKIP).
      type: str
      returned: always
    detail:
      description: What was found.
      type: str
      returned: always
    fix:
      description: What to do, when something is missing.
      type: str
      returned: always
report:
  description: The checks and the verdict as plain-text lines, ready for C(ansible.builtin.debug).
  returned: always
  type: list
  elements: str
  sample:
    - "CHECK                      STATUS DETAIL"
    - "hardware_virtualization    PASS   no vmx/svm flag, but /dev/kvm works and ran guest code"
    - "kvm_usable: yes"
cpu:
  description: CPU facts from /proc/cpuinfo (and raw CPUID through /dev/cpu/0/cpuid when readable).
  returned: when cpu is probed
  type: dict
  contains:
    vendor:
      description: V(intel), V(amd), ...
      type: str
      returned: always
    model_name:
      description: The C(model name) line.
      type: str
      returned: always
    vmx:
      description: The C(vmx) flag is present on every CPU.
      type: bool
      returned: always
    svm:
      description: The C(svm) flag is present on every CPU.
      type: bool
      returned: always
    virt_extension:
      description: V(vmx), V(svm) or null.
      type: str
      returned: always
    hypervisor_flag:
      description: The cpuid C(hypervisor) flag (we are a guest).
      type: bool
      returned: always
    vmx_flags_line:
      description: The kernel's C(vmx flags) line (Linux 5.9+), raw.
      type: str
      returned: always
    vmx_features:
      description:
        - EPT, VPID, unrestricted_guest and other VT-x helpers, each true or false.
        - Null for a helper the kernel does not print (kernels before 5.9 have no C(vmx flags) line).
      type: dict
      returned: always
    svm_features:
      description: NPT, nrip_save, AVIC and other AMD-V helpers, each true or false.
      type: dict
      returned: always
    second_level_paging:
      description: V(ept), V(npt) or null.
      type: str
      returned: always
    cpuid:
      description: Raw CPUID bits read through /dev/cpu/0/cpuid, or the error.
      type: dict
      returned: always
  sample: {"vendor": "amd", "model_name": "AMD EPYC", "vmx": false, "svm": false, "hypervisor_flag": true}
firmware:
  description: Whether the firmware locked VT-x/AMD-V off.
  returned: when firmware is probed
  type: dict
  contains:
    disabled_by_bios:
      description: True, false, or null when neither the MSR nor the kernel log could be read.
      type: bool
      returned: always
    source:
      description: V(msr) or V(kernel log).
      type: str
      returned: always
    msr:
      description: The decoded MSR (C(IA32_FEATURE_CONTROL) 0x3a on Intel, C(VM_CR) on AMD), when readable.
      type: dict
      returned: always
    bios_messages:
      description: Kernel log lines saying virtualization was disabled by the BIOS.
      type: list
      elements: str
      returned: always
kvm:
  description: The kvm modules and the /dev/kvm device.
  returned: when kvm is probed
  type: dict
  contains:
    backend:
      description: V(kvm_intel), V(kvm_amd), V(kvm_pvm), ... or null.
      type: str
      returned: always
    nested:
      description: The backend's C(nested) parameter (Y/1 true, N/0 false), null when it has none.
      type: bool
      returned: always
    parameters:
      description: All parameters of the backend module.
      type: dict
      returned: always
    device:
      description: >-
        /dev/kvm: present, readable/writable, open_error, api_version (12 expected), create_vm,
        capabilities (KVM_CHECK_EXTENSION results), guest_exec (ran, ok, exits, io_port, io_byte, error, elapsed_ms).
      type: dict
      returned: always
hypervisor:
  description: Where we run.
  returned: when hypervisor is probed
  type: dict
  contains:
    detected:
      description: True when this machine is a virtual machine.
      type: bool
      returned: always
    name:
      description: The hypervisor, from the cpuid signature, DMI, /sys/hypervisor/type or the kernel log.
      type: str
      returned: always
    source:
      description: Which of those named it.
      type: str
      returned: always
    container:
      description: V(docker) or V(podman) when this runs in a container, else null.
      type: str
      returned: always
devices:
  description: /dev/vhost-net, /dev/net/tun, /dev/vhost-vsock (present, is_char_device, readable, writable).
  returned: when devices is probed
  type: dict
cgroups:
  description: cgroup mode (v1, v2, hybrid) and, for cpu, cpuacct, cpuset, memory, devices and blkio, whether available.
  returned: when cgroups is probed
  type: dict
iommu:
  description: DMAR/IVRS ACPI tables, number of /sys/kernel/iommu_groups, IOMMU options on the kernel command line.
  returned: when iommu is probed
  type: dict
secure_guest:
  description: AMD SEV (cpu flag, kvm_amd sev/sev_es/sev_snp), Intel TDX (kvm_intel tdx), s390 protected virtualization.
  returned: when secure_guest is probed
  type: dict
kernel:
  description: Kernel release, parsed version, whether it is new enough for KVM, and the command line.
  returned: when kernel is probed
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labforge.virt.plugins.module_utils._virt_host import PROBES, evaluate, format_report, gather


def main():
    module = AnsibleModule(
        argument_spec=dict(
            probes=dict(type='list', elements='str', choices=list(PROBES), default=list(PROBES)),
            guest_exec=dict(type='bool', default=True),
            guest_timeout=dict(type='float', default=2.0),
            require_kvm=dict(type='bool', default=False),
            root=dict(type='path', default='/'),
        ),
        supports_check_mode=True,
    )
    probes = list(module.params['probes'])
    if not module.params['guest_exec'] and 'guest_exec' in probes:
        probes.remove('guest_exec')
    if module.params['guest_timeout'] <= 0:
        module.fail_json(msg='guest_timeout must be a positive number of seconds, got %s' % module.params['guest_timeout'])

    def dmesg():
        binary = module.get_bin_path('dmesg')
        if not binary:
            return None
        rc, out, dummy = module.run_command([binary], check_rc=False)
        return out if rc == 0 else None

    facts = gather(root=module.params['root'], probes=probes, timeout=module.params['guest_timeout'],
                   dmesg=dmesg)
    verdict, checks = evaluate(facts)
    result = dict(changed=False, kvm_usable=verdict['kvm_usable'], verdict=verdict, checks=checks,
                  report=format_report(verdict, checks))
    if 'hyperv' in verdict:
        result['hyperv_capable'] = verdict['hyperv']['capable']
    for key in PROBES:
        if key in facts and key != 'guest_exec':
            result[key] = facts[key]

    if module.params['require_kvm'] and verdict['kvm_usable'] != 'yes':
        msg = 'KVM is not usable here (%s): %s' % (verdict['kvm_usable'], ' '.join(verdict['reasons']))
        if verdict['fixes']:
            msg += ' Fix: ' + ' '.join(verdict['fixes'])
        module.fail_json(msg=msg, **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
