# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Can this machine run KVM guests, and if not, why (private to labforge.virt).

``gather()`` reads /proc, /sys and /dev below a root prefix (``/`` on a live
system, a snapshot directory in tests) and returns one dict per probe;
``evaluate()`` turns those facts into the verdict and the check list that
mirrors ``virt-host-validate qemu``. Nothing here writes anywhere.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import re
import stat

from ansible_collections.labforge.virt.plugins.module_utils._cpuinfo import cpu_facts
from ansible_collections.labforge.virt.plugins.module_utils import _kvm

PROBES = ('cpu', 'firmware', 'kvm', 'guest_exec', 'hypervisor', 'devices', 'cgroups', 'iommu',
          'secure_guest', 'kernel')

CGROUP_CONTROLLERS = ('cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'blkio')
# cgroup v2 names for the v1 controllers virt-host-validate asks about.
# cpuacct is part of cpu, blkio became io, devices is an eBPF program (always there).
CGROUP_V2_EQUIVALENT = {'cpu': 'cpu', 'cpuacct': 'cpu', 'cpuset': 'cpuset', 'memory': 'memory',
                        'devices': None, 'blkio': 'io'}

HYPERVISOR_SIGNATURES = {
    'KVMKVMKVM': 'KVM',
    'Microsoft Hv': 'Hyper-V',
    'VMwareVMware': 'VMware',
    'XenVMMXenVMM': 'Xen',
    'TCGTCGTCGTCG': 'QEMU (TCG)',
    'VBoxVBoxVBox': 'VirtualBox',
    'ACRNACRNACRN': 'ACRN',
    'bhyve bhyve': 'bhyve',
    'lrpepyh  vr': 'Parallels',
    'prl hyperv': 'Parallels',
    'QNXQVMBSQG': 'QNX',
    'Linux KVM Hv': 'KVM (Hyper-V enlightened)',
}
DMI_VENDORS = (
    ('QEMU', 'QEMU/KVM'), ('VMware', 'VMware'), ('innotek', 'VirtualBox'), ('VirtualBox', 'VirtualBox'),
    ('Xen', 'Xen'), ('Amazon EC2', 'Amazon EC2'), ('Google', 'Google Compute Engine'),
    ('Parallels', 'Parallels'), ('OpenStack', 'OpenStack'), ('DigitalOcean', 'DigitalOcean'),
    ('Hetzner', 'Hetzner Cloud'), ('Bochs', 'Bochs'), ('Nutanix', 'Nutanix AHV'), ('oVirt', 'oVirt'),
    ('Red Hat', 'Red Hat virtualization'), ('bhyve', 'bhyve'), ('Firecracker', 'Firecracker'),
)
NESTED_HINTS = {
    'KVM': 'on the outer KVM host: `options kvm_intel nested=1` (or kvm_amd nested=1) and give this VM '
           'the host CPU model (libvirt <cpu mode="host-passthrough"/>)',
    'QEMU/KVM': 'on the outer KVM host: `options kvm_intel nested=1` (or kvm_amd nested=1) and give this VM '
                'the host CPU model (libvirt <cpu mode="host-passthrough"/>)',
    'VMware': 'in the VM settings tick "Expose hardware assisted virtualization to the guest OS" (vhv.enable = "TRUE")',
    'Hyper-V': 'on the Hyper-V host, with the VM off: Set-VMProcessor -VMName <vm> -ExposeVirtualizationExtensions $true',
    'VirtualBox': 'VBoxManage modifyvm <vm> --nested-hw-virt on (with the VM powered off)',
    'Xen': 'Xen HVM guest: set nestedhvm=1 in the guest configuration',
}

_MIN_KERNEL = (2, 6, 20)


# ----------------------------------------------------------------- helpers
def _path(root, path):
    if not root or root == '/':
        return path
    return os.path.join(root, path.lstrip('/'))


def _read(path, limit=1 << 20):
    try:
        with open(path, 'rb') as handle:
            return handle.read(limit).decode('utf-8', 'replace')
    except (IOError, OSError):
        return None


def _listdir(path):
    try:
        return sorted(os.listdir(path))
    except (IOError, OSError):
        return None


def _is_char(path):
    try:
        return stat.S_ISCHR(os.stat(path).st_mode)
    except OSError:
        return False


def _device(path):
    present = os.path.exists(path)
    return {'path': path, 'present': present, 'is_char_device': _is_char(path) if present else False,
            'readable': os.access(path, os.R_OK) if present else False,
            'writable': os.access(path, os.W_OK) if present else False}


# ----------------------------------------------------------------- parsers
def parse_mounts(text):
    """(fstype, mountpoint, options list) tuples from /proc/self/mounts text."""
    out = []
    for line in (text or '').splitlines():
        parts = line.split()
        if len(parts) >= 4:
            out.append((parts[2], parts[1].replace('\\040', ' '), parts[3].split(',')))
    return out


def parse_proc_cgroups(text):
    """{controller: enabled(bool)} from /proc/cgroups."""
    out = {}
    for line in (text or '').splitlines():
        if line.startswith('#'):
            continue
        parts = line.split()
        if len(parts) >= 4:
            out[parts[0]] = parts[3] == '1'
    return out


def cgroup_facts(proc_cgroups, mounts, v2_controllers=None):
    """Controller availability the way virt-host-validate looks at it.

    *proc_cgroups*: /proc/cgroups text; *mounts*: /proc/self/mounts text;
    *v2_controllers*: {mountpoint: cgroup.controllers text} of cgroup2 mounts.
    """
    enabled = parse_proc_cgroups(proc_cgroups)
    v1 = {}
    v2_mounts = []
    for fstype, mountpoint, options in parse_mounts(mounts):
        if fstype == 'cgroup':
            for opt in options:
                if opt in enabled or opt in CGROUP_CONTROLLERS:
                    v1[opt] = mountpoint
        elif fstype == 'cgroup2':
            v2_mounts.append(mountpoint)
    v2 = set()
    for mountpoint in v2_mounts:
        v2.update(((v2_controllers or {}).get(mountpoint) or '').split())
    if v2_mounts and not v1:
        mode = 'v2'
    elif v1 and v2_mounts:
        mode = 'hybrid'
    elif v1:
        mode = 'v1'
    else:
        mode = None
    controllers = {}
    for name in CGROUP_CONTROLLERS:
        entry = {'enabled': enabled.get(name), 'v1_mount': v1.get(name), 'v2': False}
        v2name = CGROUP_V2_EQUIVALENT[name]
        if v2_mounts and name not in v1:
            entry['v2'] = (v2name in v2) if v2name else bool(v2_mounts)
        entry['available'] = bool(entry['v1_mount']) or entry['v2']
        controllers[name] = entry
    return {'mode': mode, 'v2_mounts': v2_mounts, 'v2_controllers': sorted(v2), 'controllers': controllers}


def parse_cmdline(text):
    """Kernel command line -> {key: value or True} (first occurrence wins)."""
    out = {}
    for token in (text or '').split():
        if token == '--':
            break
        key, sep, value = token.partition('=')
        out.setdefault(key, value if sep else True)
    return out


def iommu_facts(vendor, tables, groups, cmdline):
    """IOMMU facts: ACPI *tables* (names), iommu *groups* (names), kernel *cmdline* text."""
    args = parse_cmdline(cmdline)
    tables = tables or []
    table = 'DMAR' if 'DMAR' in tables else ('IVRS' if 'IVRS' in tables else None)
    return {
        'dmar_table': 'DMAR' in tables,
        'ivrs_table': 'IVRS' in tables,
        'firmware_table': table,
        'groups': len(groups or []),
        'enabled': bool(groups),
        'cmdline': dict((k, args[k]) for k in ('intel_iommu', 'amd_iommu', 'iommu', 'iommu.passthrough') if k in args),
        'vendor': vendor,
    }


def parse_kernel_release(release):
    """'6.1.0-18-amd64' -> [6, 1, 0]."""
    match = re.match(r'(\d+)\.(\d+)(?:\.(\d+))?', release or '')
    if not match:
        return None
    return [int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)]


def hypervisor_facts(hypervisor_flag, signature, dmi, sys_hypervisor_type, log_detected, container=None):
    """Where we run: the cpuid flag and signature, DMI strings, /sys/hypervisor/type, the kernel log."""
    name = None
    source = None
    if signature:
        name = HYPERVISOR_SIGNATURES.get(signature.strip(), signature.strip())
        source = 'cpuid 0x40000000'
    dmi = dict((k, (v or '').strip() or None) for k, v in (dmi or {}).items())
    dmi_name = None
    blob = ' '.join(v for v in (dmi.get('sys_vendor'), dmi.get('product_name'), dmi.get('bios_vendor')) if v)
    for needle, label in DMI_VENDORS:
        if needle.lower() in blob.lower():
            dmi_name = label
            break
    if dmi.get('sys_vendor') == 'Microsoft Corporation' and dmi.get('product_name') == 'Virtual Machine':
        dmi_name = 'Hyper-V'
    if not name and dmi_name:
        name, source = dmi_name, 'DMI'
    hv_type = (sys_hypervisor_type or '').strip() or None
    if not name and hv_type:
        name, source = hv_type.capitalize() if hv_type == 'xen' else hv_type, '/sys/hypervisor/type'
    if not name and log_detected:
        name, source = log_detected, 'kernel log'
    detected = bool(hypervisor_flag or name)
    if detected and not name:
        name, source = 'unknown hypervisor', 'cpuid hypervisor flag'
    return {
        'detected': detected,
        'name': name,
        'source': source,
        'cpuid_hypervisor_flag': bool(hypervisor_flag),
        'cpuid_signature': signature,
        'dmi': dmi,
        'dmi_guess': dmi_name,
        'sys_hypervisor_type': hv_type,
        'kernel_log': log_detected,
        'container': container,
    }


# ------------------------------------------------------------------ gather
def _probe_cpuid(root):
    """Raw CPUID via /dev/cpu/0/cpuid (root only): VMX/SVM bits and hypervisor signature."""
    path = _path(root, '/dev/cpu/0/cpuid')
    out = {'source': path, 'readable': False}
    try:
        leaf1 = _kvm.read_cpuid(path, 1)
        out['readable'] = True
        out['vmx_bit'] = bool(leaf1[2] & (1 << 5))
        out['hypervisor_bit'] = bool(leaf1[2] & (1 << 31))
        ext = _kvm.read_cpuid(path, 0x80000001)
        out['svm_bit'] = bool(ext[2] & (1 << 2))
        out['signature'] = _kvm.hypervisor_signature(_kvm.read_cpuid(path, 0x40000000)) if out['hypervisor_bit'] else None
    except (OSError, IOError) as exc:
        out['error'] = _kvm._err(exc)
    return out


def _kernel_log(root, dmesg):
    path = _path(root, '/dev/kmsg')
    try:
        return _kvm.read_kmsg(path), path, None
    except (OSError, IOError) as exc:
        error = '%s: %s' % (path, _kvm._err(exc))
    if dmesg is not None and (not root or root == '/'):
        try:
            text = dmesg()
            if text is not None:
                return text, 'dmesg', None
        except Exception as exc:  # pylint: disable=broad-except
            error += '; dmesg: %s' % exc
    snapshot = _read(_path(root, '/var/log/dmesg'))
    if snapshot is not None:
        return snapshot, _path(root, '/var/log/dmesg'), None
    return None, None, error


def _loaded_modules(root):
    text = _read(_path(root, '/proc/modules'))
    if text is not None:
        return _kvm.parse_proc_modules(text), '/proc/modules'
    # Built-in (or /proc/modules-less) kernels: modules with parameters show in /sys/module.
    names = _listdir(_path(root, '/sys/module')) or []
    return [n for n in names if n == 'kvm' or n.startswith('kvm_') or n in ('vhost_net', 'tun', 'vfio')], '/sys/module'


def _module_params(root, module):
    base = _path(root, '/sys/module/%s/parameters' % module)
    names = _listdir(base)
    if names is None:
        return None
    out = {}
    for name in names:
        value = _read(os.path.join(base, name), 4096)
        if value is not None:
            out[name] = value.strip()
    return out


def gather(root='/', probes=PROBES, timeout=2.0, dmesg=None):
    """Run the selected probes; return {probe: facts}. Read-only."""
    probes = set(probes)
    facts = {'probes': sorted(probes), 'root': root or '/'}
    cpuinfo_text = _read(_path(root, '/proc/cpuinfo')) or ''
    cpu = cpu_facts(cpuinfo_text)
    need_cpuid = probes & set(('cpu', 'hypervisor'))
    cpuid = _probe_cpuid(root) if need_cpuid else None
    klog = None
    if probes & set(('firmware', 'hypervisor')):
        text, source, error = _kernel_log(root, dmesg)
        klog = {'source': source, 'error': error, 'parsed': _kvm.parse_kernel_log(text) if text is not None else None}

    if 'cpu' in probes:
        cpu['cpuid'] = cpuid
        facts['cpu'] = cpu

    if 'firmware' in probes:
        fw = {'msr': None, 'msr_error': None, 'kernel_log_source': klog['source'], 'kernel_log_error': klog['error'],
              'bios_messages': (klog['parsed'] or {}).get('bios_disabled', []) if klog['parsed'] else [],
              'disabled_by_bios': None, 'source': None}
        vendor = cpu.get('vendor')
        msr_path = _path(root, '/dev/cpu/0/msr')
        if vendor in ('intel', 'amd', 'hygon', 'centaur', 'zhaoxin'):
            index = _kvm.MSR_VM_CR if vendor in ('amd', 'hygon') else _kvm.MSR_IA32_FEATURE_CONTROL
            try:
                value = _kvm.read_msr(msr_path, index)
                fw['msr'] = (_kvm.decode_vm_cr if vendor in ('amd', 'hygon') else _kvm.decode_feature_control)(value)
            except (OSError, IOError) as exc:
                fw['msr_error'] = '%s: %s' % (msr_path, _kvm._err(exc))
        else:
            fw['msr_error'] = 'no MSR check for CPU vendor %s' % vendor
        if fw['msr'] is not None:
            fw['disabled_by_bios'] = fw['msr']['disabled_by_bios']
            fw['source'] = 'msr'
        elif fw['bios_messages']:
            fw['disabled_by_bios'] = True
            fw['source'] = 'kernel log'
        elif klog['parsed'] is not None:
            fw['disabled_by_bios'] = False
            fw['source'] = 'kernel log'
        facts['firmware'] = fw

    if 'kvm' in probes:
        modules, modules_source = _loaded_modules(root)
        backend = _kvm.kvm_backend(modules)
        params = _module_params(root, backend) if backend else None
        nested_raw = (params or {}).get('nested')
        kvm = {
            'modules_source': modules_source,
            'kvm_loaded': 'kvm' in modules or bool(backend),
            'backend': backend,
            'modules': sorted(m for m in modules if m == 'kvm' or m.startswith('kvm')),
            'parameters': params,
            'nested': _kvm.parse_bool_param(nested_raw),
            'nested_raw': nested_raw,
        }
        kvm['device'] = _kvm.probe_dev_kvm(_path(root, '/dev/kvm'), guest_exec='guest_exec' in probes,
                                           timeout=timeout)
        facts['kvm'] = kvm

    if 'hypervisor' in probes:
        dmi_dir = _path(root, '/sys/class/dmi/id')
        dmi = dict((k, _read(os.path.join(dmi_dir, k), 512)) for k in ('sys_vendor', 'product_name', 'bios_vendor'))
        container = None
        if os.path.exists(_path(root, '/.dockerenv')):
            container = 'docker'
        elif os.path.exists(_path(root, '/run/.containerenv')):
            container = 'podman'
        facts['hypervisor'] = hypervisor_facts(
            cpu.get('hypervisor_flag') or bool(cpuid and cpuid.get('hypervisor_bit')),
            cpuid.get('signature') if cpuid else None, dmi,
            _read(_path(root, '/sys/hypervisor/type'), 64),
            (klog['parsed'] or {}).get('hypervisor_detected') if klog and klog['parsed'] else None,
            container)

    if 'devices' in probes:
        facts['devices'] = {'vhost_net': _device(_path(root, '/dev/vhost-net')),
                            'tun': _device(_path(root, '/dev/net/tun')),
                            'vhost_vsock': _device(_path(root, '/dev/vhost-vsock'))}

    if 'cgroups' in probes:
        mounts = _read(_path(root, '/proc/self/mounts'))
        if mounts is None:
            mounts = _read(_path(root, '/proc/mounts'))
        v2 = {}
        for fstype, mountpoint, dummy in parse_mounts(mounts):
            if fstype == 'cgroup2':
                v2[mountpoint] = _read(os.path.join(_path(root, mountpoint), 'cgroup.controllers'), 4096)
        facts['cgroups'] = cgroup_facts(_read(_path(root, '/proc/cgroups')), mounts, v2)

    if 'iommu' in probes:
        facts['iommu'] = iommu_facts(cpu.get('vendor'), _listdir(_path(root, '/sys/firmware/acpi/tables')),
                                     _listdir(_path(root, '/sys/kernel/iommu_groups')),
                                     _read(_path(root, '/proc/cmdline')))

    if 'secure_guest' in probes:
        amd = _module_params(root, 'kvm_amd') or {}
        intel = _module_params(root, 'kvm_intel') or {}
        prot_virt = (_read(_path(root, '/sys/firmware/uv/prot_virt_host'), 16) or '').strip()
        facts['secure_guest'] = {
            'sev': {'cpu_flag': 'sev' in cpu.get('secure_flags', []),
                    'kvm_param': _kvm.parse_bool_param(amd.get('sev')),
                    'sev_es': _kvm.parse_bool_param(amd.get('sev_es')),
                    'sev_snp': _kvm.parse_bool_param(amd.get('sev_snp')),
                    'dev_sev': os.path.exists(_path(root, '/dev/sev'))},
            'tdx': {'kvm_param': _kvm.parse_bool_param(intel.get('tdx'))},
            's390_pv': {'prot_virt_host': prot_virt == '1' if prot_virt else None},
        }

    if 'kernel' in probes:
        release = (_read(_path(root, '/proc/sys/kernel/osrelease'), 256) or '').strip() or None
        if release is None and (not root or root == '/'):
            release = os.uname()[2]
        version = parse_kernel_release(release)
        facts['kernel'] = {'release': release, 'version': version,
                           'minimum_for_kvm': list(_MIN_KERNEL),
                           'ok': (tuple(version) >= _MIN_KERNEL) if version else None,
                           'cmdline': (_read(_path(root, '/proc/cmdline'), 8192) or '').strip() or None}
    return facts


# ----------------------------------------------------------------- Hyper-V
def hyperv_requirements(cpu, fw=None, hv=None):
    """Hyper-V's processor requirements (Microsoft's list, as `systeminfo` reports them) from CPU facts.

    64-bit (``lm``), DEP (``nx``; Linux clears a firmware XD-disable early in boot, so the flag shows
    the CPU's NX/XD, not the firmware setting), VT-x/AMD-V (``vmx``/``svm``) and SLAT (``ept``/``npt``);
    the firmware lock when the firmware probe knows it.
    Returns {capable: yes/no/unknown, summary, requirements, missing, fix}.
    """
    fw = fw or {}
    hv = hv or {}
    flag = cpu.get('virt_extension')
    if flag == 'vmx':
        slat = (cpu.get('vmx_features') or {}).get('ept')   # None: kernel before 5.9 did not say
    elif flag == 'svm':
        slat = (cpu.get('svm_features') or {}).get('npt')
    else:
        slat = None   # no VT-x/AMD-V visible, so no SLAT either
    bios = fw.get('disabled_by_bios')
    req = {'long_mode': bool(cpu.get('lm')), 'dep': bool(cpu.get('nx')), 'virt_extension': bool(flag),
           'slat': slat, 'firmware_enabled': None if bios is None else not bios}
    labels = (('long_mode', '64-bit CPU (lm)'), ('dep', 'DEP (nx)'),
              ('virt_extension', {'vmx': 'VT-x (vmx)', 'svm': 'AMD-V (svm)'}.get(flag, 'VT-x/AMD-V (vmx/svm)')),
              ('slat', {'vmx': 'SLAT (ept)', 'svm': 'SLAT (npt)'}.get(flag, 'SLAT (ept/npt)')),
              ('firmware_enabled', 'virtualization enabled in firmware'))
    words = {True: 'yes', False: 'no', None: 'unknown'}
    parts = ['%s %s' % (label, words[req[key]]) for key, label in labels
             if not (key == 'slat' and not flag) and not (key == 'firmware_enabled' and req[key] is None)]
    missing = [label for key, label in labels if req[key] is False]
    if not flag:
        missing.append(labels[3][1])
    if missing:
        capable = 'no'
        tail = 'this machine cannot run Hyper-V (missing: %s)' % ', '.join(missing)
    elif slat is None:
        capable = 'unknown'
        tail = 'cannot tell whether this machine can run Hyper-V (no "vmx flags" line: kernel before 5.9)'
    else:
        capable = 'yes'
        tail = 'this machine can run Hyper-V' + (' (nested, under %s)' % hv['name'] if hv.get('detected') else '')
    fix = None
    if not req['long_mode']:
        fix = 'Hyper-V needs a 64-bit CPU'
    elif not req['dep']:
        fix = 'Hyper-V needs a CPU with NX/XD (hardware DEP); under a hypervisor, expose NX to this VM'
    elif not flag and hv.get('detected'):
        fix = _nested_fix(hv)
    elif not flag or req['firmware_enabled'] is False:
        fix = 'enable VT-x / SVM Mode in the firmware setup, then power-cycle' + ('' if flag else ' (if the CPU has them)')
    elif slat is False:
        fix = 'Hyper-V needs a CPU with SLAT (Intel EPT / AMD NPT)'
    return {'capable': capable, 'summary': 'Hyper-V requirements: %s -> %s' % (', '.join(parts), tail),
            'requirements': req, 'missing': missing, 'fix': fix}


# --------------------------------------------------------------- evaluate
def _check(checks, cid, description, status, detail, fix=None):
    checks.append({'id': cid, 'description': description, 'status': status, 'detail': detail, 'fix': fix})


def _nested_fix(hv):
    return NESTED_HINTS.get(hv.get('name') or '', 'enable nested virtualization for this VM on the outer hypervisor')


def evaluate(facts):
    """Verdict and checks from gathered facts. Returns (verdict dict, checks list)."""
    cpu = facts.get('cpu') or {}
    fw = facts.get('firmware') or {}
    kvm = facts.get('kvm')
    hv = facts.get('hypervisor') or {}
    dev = (kvm or {}).get('device') or {}
    ge = dev.get('guest_exec') or {}
    reasons = []
    fixes = []
    warnings = []
    checks = []

    flag = cpu.get('virt_extension')
    vendor = cpu.get('vendor')
    ext_name = {'vmx': 'VT-x (vmx)', 'svm': 'AMD-V (svm)'}.get(flag)
    slat = cpu.get('second_level_paging')
    bios_off = fw.get('disabled_by_bios') is True
    under_hv = bool(hv.get('detected'))
    hv_name = hv.get('name') or 'a hypervisor'
    backend = (kvm or {}).get('backend')

    # --- plain-words facts
    if 'cpu' in facts:
        if flag:
            paging = ' with %s second-level paging' % slat.upper() if slat else ' but no EPT/NPT second-level paging'
            reasons.append('The CPU advertises %s%s.' % (ext_name, paging))
        else:
            reasons.append('The CPU shows neither the vmx nor the svm flag in /proc/cpuinfo.')
    if 'hypervisor' in facts:
        if under_hv:
            reasons.append('This machine is a virtual machine: it runs under %s (%s).' % (hv_name, hv.get('source')))
        else:
            reasons.append('No hypervisor detected: this looks like bare metal.')
        if hv.get('container'):
            reasons.append('This runs inside a %s container (%s exists).' % (
                hv['container'], '/.dockerenv' if hv['container'] == 'docker' else '/run/.containerenv'))
    if bios_off:
        reasons.append('The firmware has switched hardware virtualization off (%s).' % (
            'MSR %s=%s' % (fw['msr']['msr'], fw['msr']['value']) if fw.get('msr') else
            'kernel log: "%s"' % fw['bios_messages'][0]))
    if kvm is not None:
        if backend:
            reasons.append('The KVM backend module %s is loaded%s.' % (
                backend, '' if kvm.get('nested') is None else ' (nested=%s)' % kvm.get('nested_raw')))
        elif kvm.get('kvm_loaded'):
            reasons.append('The kvm core module is loaded but no vendor module (kvm_intel / kvm_amd).')
        else:
            reasons.append('No kvm module is loaded.')
        if not dev.get('present'):
            reasons.append('%s does not exist.' % dev.get('path', '/dev/kvm'))
        elif dev.get('open_error'):
            reasons.append('%s exists but cannot be opened: %s.' % (dev['path'], dev['open_error']))
        else:
            reasons.append('%s answers: API version %s%s.' % (
                dev['path'], dev.get('api_version'),
                ', KVM_CREATE_VM works' if dev.get('create_vm') else ', but KVM_CREATE_VM fails (%s)' % dev.get('create_vm_error')))
        if ge.get('ok'):
            reasons.append('Guest code ran through KVM_RUN (port %s got byte %s, then HLT).' % (ge.get('io_port'), ge.get('io_byte')))
        elif ge.get('ran'):
            reasons.append('Guest code did not run correctly: %s.' % ge.get('error'))

    dev_ok = bool(dev.get('present') and not dev.get('open_error') and dev.get('api_version_ok') and dev.get('create_vm'))
    ge_failed = bool(ge.get('ran') and not ge.get('ok'))
    ge_ok = bool(ge.get('ok'))

    # --- verdict
    if kvm is None:
        if flag and not bios_off:
            usable = 'yes'
            warnings.append('/dev/kvm was not probed (kvm not in probes): the verdict rests on the CPU flags only.')
        else:
            usable = 'emulated-only'
            warnings.append('/dev/kvm was not probed (kvm not in probes): add it before trusting this verdict; '
                            'KVM can work without the CPU flag under some hypervisors.')
    elif dev_ok and not ge_failed:
        usable = 'yes'
        if not ge_ok:
            warnings.append('Guest execution was not tested (guest_exec disabled): only the /dev/kvm API answered.')
        if not flag:
            if backend == 'kvm_pvm':
                why = ('/dev/kvm is served by kvm_pvm (Pagetable-based Virtual Machine), a KVM backend that runs guests '
                       'without VT-x/AMD-V, so the missing flag does not matter for KVM here')
                warnings.append('kvm_pvm runs guests without hardware virtualization: guest kernels may need PVM '
                                'support; an ordinary guest kernel can hang early in boot. Use TCG (-accel tcg) if that happens.')
            elif under_hv:
                why = '%s exposes KVM to this VM (nested) without advertising the flag in CPUID' % hv_name
            else:
                why = 'the kernel provides KVM although the flag is hidden'
            reasons.append('KVM is usable although the CPU flag is missing: %s.' % why)
        if kvm.get('nested') is False:
            warnings.append('Nested virtualization is off in %s: guests cannot run their own KVM guests '
                            '(set `options %s nested=1` in /etc/modprobe.d/kvm.conf and reload the module).' % (backend, backend))
        if flag == 'vmx' and (cpu.get('vmx_features') or {}).get('unrestricted_guest') is False:
            warnings.append('No unrestricted_guest: real-mode guest code is emulated by KVM (slower boot, older CPUs).')
        if flag and not slat:
            warnings.append('No EPT/NPT: KVM falls back to shadow page tables, memory-heavy guests will be slow.')
    elif dev_ok and ge_failed:
        usable = 'no'
        fixes.append('KVM accepted a VM but could not run guest code (%s): check `dmesg | grep -i kvm`; under a '
                     'hypervisor, %s.' % (ge.get('error'), _nested_fix(hv) if under_hv else 'update the kernel/firmware'))
    else:
        denied = bool(dev.get('present') and dev.get('open_error') and
                      ('EACCES' in dev['open_error'] or 'EPERM' in dev['open_error']))
        if denied:
            # The device exists, so a KVM backend is there; this user just may not use it.
            usable = 'no'
        elif not flag and 'cpu' in facts:
            usable = 'emulated-only'
            if under_hv:
                fixes.append('This VM is not given hardware virtualization by %s. To run KVM guests here, %s. '
                             'Until then guests can only run emulated (qemu -accel tcg).' % (hv_name, _nested_fix(hv)))
            else:
                fixes.append('Enable "Intel Virtualization Technology (VT-x)" / "SVM Mode" in the firmware setup '
                             '(the kernel hides the flag when the firmware disabled it), then power-cycle. If the CPU '
                             'has no VT-x/AMD-V, guests can only run emulated (qemu -accel tcg).')
        elif bios_off:
            usable = 'emulated-only'
            fixes.append('Enable %s in the BIOS/UEFI setup and power-cycle the machine (a warm reboot keeps the lock).'
                         % ('Intel Virtualization Technology (VT-x)' if vendor == 'intel' else 'SVM Mode (AMD-V)'))
        else:
            usable = 'no'
        module = 'kvm_amd' if vendor in ('amd', 'hygon') else 'kvm_intel'
        if not dev.get('present'):
            if hv.get('container'):
                fixes.append('Pass the device into the container: docker run --device /dev/kvm ... '
                             '(and check that the host has /dev/kvm).')
            elif not backend and usable == 'no':
                fixes.append('Load the KVM module: `modprobe %s` (persist it with a line "%s" in '
                             '/etc/modules-load.d/kvm.conf). Check `dmesg | grep -i kvm` if it fails.' % (module, module))
            elif backend:
                fixes.append('%s is loaded but /dev/kvm is missing: check devtmpfs/udev (`mknod /dev/kvm c 10 232`, '
                             'then chown root:kvm, mode 0660).' % backend)
        elif dev.get('open_error'):
            if 'EACCES' in dev['open_error'] or 'EPERM' in dev['open_error']:
                fixes.append('Give this user access to /dev/kvm: `usermod -aG kvm <user>` and log in again, '
                             'or run the task with become: true.')
            else:
                fixes.append('Opening /dev/kvm failed (%s): check `dmesg | grep -i kvm`.' % dev['open_error'])
        elif not dev.get('api_version_ok'):
            fixes.append('/dev/kvm reports API version %s, QEMU needs %d: update the kernel.'
                         % (dev.get('api_version'), _kvm.KVM_API_VERSION_EXPECTED))
        elif not dev.get('create_vm'):
            err = dev.get('create_vm_error') or ''
            if 'EBUSY' in err:
                fixes.append('KVM_CREATE_VM: the CPU is busy with another hypervisor (VirtualBox, VMware Workstation): '
                             'stop it, or unload its driver.')
            else:
                fixes.append('KVM_CREATE_VM failed (%s): check `dmesg | grep -i kvm`%s.'
                             % (err, ' and whether %s allows nested guests' % hv_name if under_hv else ''))

    if usable == 'yes':
        summary = 'KVM usable: ' + ('/dev/kvm works (API %s)' % dev.get('api_version') if kvm is not None else 'CPU flags present')
        if ge_ok:
            summary += ' and guest code ran'
        if kvm is not None and not flag and 'cpu' in facts:
            summary += ', although the CPU shows no vmx/svm flag'
        if under_hv:
            summary += '; running under %s' % hv_name
        if backend:
            summary += '; KVM backend %s' % backend
        summary += '.'
    elif usable == 'emulated-only':
        summary = 'KVM not usable, guests can only run emulated (TCG): ' + (
            'hardware virtualization is disabled in the firmware.' if bios_off else
            'no VT-x/AMD-V is given to this virtual machine by %s.' % hv_name if under_hv else
            'the CPU shows no VT-x/AMD-V.')
    else:
        summary = 'KVM not usable on this host yet: %s' % (fixes[0] if fixes else 'see reasons.')

    hyperv = hyperv_requirements(cpu, facts.get('firmware'), hv) if 'cpu' in facts else None
    _build_checks(checks, facts, flag, ext_name, dev_ok, ge_ok, usable, hyperv)
    verdict = {'kvm_usable': usable, 'summary': summary, 'reasons': reasons, 'fixes': fixes, 'warnings': warnings}
    if hyperv is not None:
        verdict['hyperv'] = hyperv
    return verdict, checks


def _build_checks(checks, facts, flag, ext_name, dev_ok, ge_ok, usable, hyperv=None):
    """One entry per virt-host-validate qemu check (same order), plus ours."""
    cpu = facts.get('cpu')
    kvm = facts.get('kvm')
    dev = (kvm or {}).get('device') or {}
    if cpu is not None:
        if flag:
            _check(checks, 'hardware_virtualization', 'Checking for hardware virtualization', 'PASS', ext_name)
        elif kvm is not None and dev_ok:
            _check(checks, 'hardware_virtualization', 'Checking for hardware virtualization', 'PASS',
                   'no vmx/svm flag, but /dev/kvm works%s' % (' and ran guest code' if ge_ok else ''))
        else:
            _check(checks, 'hardware_virtualization', 'Checking for hardware virtualization', 'FAIL',
                   'no vmx/svm flag and no working /dev/kvm', 'see verdict.fixes')
    if kvm is not None:
        _check(checks, 'kvm_device_exists', 'Checking if device /dev/kvm exists',
               'PASS' if dev.get('present') else 'FAIL', dev.get('path'),
               None if dev.get('present') else 'load kvm_intel/kvm_amd (see verdict.fixes)')
        if dev.get('present'):
            ok = not dev.get('open_error')
            _check(checks, 'kvm_device_accessible', 'Checking if device /dev/kvm is accessible',
                   'PASS' if ok else 'FAIL', dev.get('open_error') or 'read/write',
                   None if ok else 'usermod -aG kvm <user>, or become: true')
            if ok:
                _check(checks, 'kvm_api', 'KVM_GET_API_VERSION is 12 and KVM_CREATE_VM works',
                       'PASS' if dev_ok else 'FAIL', 'API %s, create_vm %s' % (dev.get('api_version'), dev.get('create_vm')))
        ge = dev.get('guest_exec') or {}
        if ge.get('ran'):
            _check(checks, 'guest_exec', 'Real-mode guest code runs through KVM_RUN', 'PASS' if ge.get('ok') else 'FAIL',
                   ', '.join(ge.get('exits') or []) + (' (%s)' % ge['error'] if ge.get('error') else ''))
        else:
            _check(checks, 'guest_exec', 'Real-mode guest code runs through KVM_RUN', 'SKIP', 'not run')
        if kvm.get('nested') is not None:
            _check(checks, 'kvm_nested', 'Nested virtualization enabled in %s' % kvm.get('backend'),
                   'PASS' if kvm['nested'] else 'WARN', 'nested=%s' % kvm.get('nested_raw'),
                   None if kvm['nested'] else 'options %s nested=1 in /etc/modprobe.d/kvm.conf' % kvm.get('backend'))
    fw = facts.get('firmware')
    if fw is not None:
        if fw.get('disabled_by_bios') is None:
            _check(checks, 'firmware_lock', 'VT-x/AMD-V not locked off by the firmware', 'SKIP',
                   'MSR and kernel log unreadable (%s)' % (fw.get('msr_error') or fw.get('kernel_log_error')))
        else:
            _check(checks, 'firmware_lock', 'VT-x/AMD-V not locked off by the firmware',
                   'FAIL' if fw['disabled_by_bios'] else 'PASS', 'source: %s' % fw.get('source'),
                   'enable virtualization in the BIOS/UEFI setup, then power-cycle' if fw['disabled_by_bios'] else None)
    devs = facts.get('devices')
    if devs is not None:
        vn = devs['vhost_net']
        _check(checks, 'vhost_net', 'Checking if device /dev/vhost-net exists', 'PASS' if vn['present'] else 'WARN',
               vn['path'], None if vn['present'] else "modprobe vhost_net (faster virtio networking)")
        tun = devs['tun']
        _check(checks, 'tun', 'Checking if device /dev/net/tun exists', 'PASS' if tun['present'] else 'FAIL',
               tun['path'], None if tun['present'] else 'modprobe tun')
    cg = facts.get('cgroups')
    if cg is not None:
        for name in CGROUP_CONTROLLERS:
            entry = cg['controllers'][name]
            where = entry['v1_mount'] or ('cgroup2' if entry['v2'] else 'not mounted')
            _check(checks, 'cgroup_%s' % name, "Checking for cgroup '%s' controller support" % name,
                   'PASS' if entry['available'] else 'WARN', where,
                   None if entry['available'] else 'enable the %s controller (cgroup_enable=%s / systemd delegation)' % (name, name))
    io = facts.get('iommu')
    if io is not None:
        if not io['firmware_table'] and not io['groups']:
            _check(checks, 'iommu', 'Checking for device assignment IOMMU support', 'WARN',
                   'no DMAR/IVRS ACPI table, no iommu groups: device assignment (VFIO) unavailable',
                   'enable VT-d / AMD-Vi (IOMMU) in the firmware setup if you need PCI passthrough')
        elif not io['groups']:
            _check(checks, 'iommu', 'Checking for device assignment IOMMU support', 'WARN',
                   '%s table present but IOMMU disabled in the kernel' % io['firmware_table'],
                   'add %s to the kernel command line' % ('amd_iommu=on' if io['vendor'] in ('amd', 'hygon') else 'intel_iommu=on'))
        else:
            _check(checks, 'iommu', 'Checking for device assignment IOMMU support', 'PASS',
                   '%d iommu groups' % io['groups'])
    sg = facts.get('secure_guest')
    if sg is not None:
        if sg['sev']['kvm_param'] or sg['tdx']['kvm_param'] or sg['s390_pv']['prot_virt_host']:
            which = [n for n, ok in (('AMD SEV', sg['sev']['kvm_param']), ('Intel TDX', sg['tdx']['kvm_param']),
                                     ('s390 PV', sg['s390_pv']['prot_virt_host'])) if ok]
            _check(checks, 'secure_guest', 'Checking for secure guest support', 'PASS', ', '.join(which))
        elif sg['sev']['cpu_flag']:
            _check(checks, 'secure_guest', 'Checking for secure guest support', 'WARN', 'CPU has SEV, kvm_amd sev is off',
                   'options kvm_amd sev=1 (and mem_encrypt=on on the kernel command line)')
        else:
            _check(checks, 'secure_guest', 'Checking for secure guest support', 'INFO',
                   'no SEV/TDX/s390-PV support visible', None)
    kern = facts.get('kernel')
    if kern is not None:
        _check(checks, 'kernel_version', 'Kernel is 2.6.20 or newer', 'PASS' if kern.get('ok') else 'FAIL',
               kern.get('release'), None if kern.get('ok') else 'upgrade the kernel')
    hv = facts.get('hypervisor')
    if hv is not None:
        _check(checks, 'hypervisor', 'Bare metal or virtual machine', 'INFO',
               'virtual machine under %s' % hv['name'] if hv['detected'] else 'bare metal')
    if hyperv is not None:
        _check(checks, 'hyperv', 'Hyper-V requirements: 64-bit CPU, DEP, VT-x/AMD-V, SLAT',
               {'yes': 'PASS', 'no': 'FAIL'}.get(hyperv['capable'], 'WARN'), hyperv['summary'], hyperv['fix'])
    checks.append({'id': 'verdict', 'description': 'KVM usable', 'status': {'yes': 'PASS', 'no': 'FAIL'}.get(usable, 'WARN'),
                   'detail': usable, 'fix': None})


def format_report(verdict, checks, width=26):
    """Plain-text table (one string per line) of the checks and the verdict, for debug output."""
    lines = ['%-*s %-6s %s' % (width, 'CHECK', 'STATUS', 'DETAIL')]
    for item in checks:
        if item['id'] == 'verdict':
            continue
        detail = item['detail'] or ''
        if item.get('fix'):
            detail += ' -> fix: %s' % item['fix']
        lines.append('%-*s %-6s %s' % (width, item['id'], item['status'], detail))
    lines.append('kvm_usable: %s' % verdict['kvm_usable'])
    lines.append(verdict['summary'])
    lines.extend('reason: %s' % r for r in verdict['reasons'])
    lines.extend('fix: %s' % f for f in verdict['fixes'])
    lines.extend('warning: %s' % w for w in verdict['warnings'])
    return lines
