# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""KVM probes: kernel modules, module parameters, firmware MSRs, kernel log, /dev/kvm.

Private to labforge.virt. Parsers take file text and return plain dicts so unit
tests feed them real snapshots; the ``probe_*`` functions touch the running
system (read-only: a transient VM is created in memory and destroyed again).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ctypes
import errno
import fcntl
import mmap
import os
import re
import signal
import struct
import time

# ---------------------------------------------------------------- constants
# <linux/kvm.h>, x86-64 ABI.  _IO(0xAE, n) == 0xAE00 | n;
# _IOW/_IOR add direction << 30 and the argument size << 16.
KVM_API_VERSION_EXPECTED = 12
KVM_GET_API_VERSION = 0xAE00
KVM_CREATE_VM = 0xAE01
KVM_CHECK_EXTENSION = 0xAE03
KVM_GET_VCPU_MMAP_SIZE = 0xAE04
KVM_CREATE_VCPU = 0xAE41
KVM_SET_USER_MEMORY_REGION = 0x4020AE46   # _IOW(KVMIO, 0x46, 32 bytes)
KVM_SET_TSS_ADDR = 0xAE47
KVM_RUN = 0xAE80
KVM_GET_REGS = 0x8090AE81                 # _IOR(KVMIO, 0x81, 144 bytes)
KVM_SET_REGS = 0x4090AE82                 # _IOW(KVMIO, 0x82, 144 bytes)
KVM_GET_SREGS = 0x8138AE83                # _IOR(KVMIO, 0x83, 312 bytes)
KVM_SET_SREGS = 0x4138AE84                # _IOW(KVMIO, 0x84, 312 bytes)

KVM_SREGS_SIZE = 312
KVM_REGS_SIZE = 144

# Capabilities reported by KVM_CHECK_EXTENSION (name -> number).
KVM_CAPS = {
    'irqchip': 0,
    'hlt': 1,
    'user_memory': 3,
    'set_tss_addr': 4,
    'ext_cpuid': 7,
    'nr_vcpus': 9,
    'nr_memslots': 10,
    'sync_mmu': 16,
    'irqfd': 32,
    'ioeventfd': 36,
    'xsave': 55,
    'tsc_control': 60,
    'max_vcpus': 66,
    'x86_smm': 117,
    'max_vcpu_id': 128,
    'immediate_exit': 136,
    'nested_state': 157,
}

KVM_EXIT_REASONS = {
    0: 'UNKNOWN', 1: 'EXCEPTION', 2: 'IO', 3: 'HYPERCALL', 4: 'DEBUG', 5: 'HLT',
    6: 'MMIO', 7: 'IRQ_WINDOW_OPEN', 8: 'SHUTDOWN', 9: 'FAIL_ENTRY', 10: 'INTR',
    11: 'SET_TPR', 12: 'TPR_ACCESS', 17: 'INTERNAL_ERROR',
}
KVM_EXIT_IO = 2
KVM_EXIT_HLT = 5
KVM_EXIT_IO_OUT = 1

# Real-mode guest code run by probe_guest_exec: mov al, 0x42; out 0x10, al; hlt
GUEST_CODE = b'\xb0\x42\xe6\x10\xf4'
GUEST_PORT = 0x10
GUEST_BYTE = 0x42
GUEST_LOAD_ADDR = 0x1000
GUEST_MEM_SIZE = 0x10000
# Three pages for the real-mode TSS of VT-x without unrestricted_guest; outside
# guest memory and below 2 GiB (fcntl.ioctl passes a C int).
GUEST_TSS_ADDR = 0x7ffbd000

# Modules providing the KVM vendor backend; the first one found wins.
KVM_BACKENDS = ('kvm_intel', 'kvm_amd', 'kvm_pvm', 'kvm_hv', 'kvm_pr', 'kvm_s390')

# MSRs (x86)
MSR_IA32_FEATURE_CONTROL = 0x3a
MSR_VM_CR = 0xc0010114


# ------------------------------------------------------------------ parsers
def parse_proc_modules(text):
    """Names of loaded modules from /proc/modules text (first column)."""
    names = []
    for line in (text or '').splitlines():
        parts = line.split()
        if parts:
            names.append(parts[0])
    return names


def kvm_backend(module_names):
    """The KVM vendor module among *module_names*, or None."""
    names = set(n.replace('-', '_') for n in module_names)
    for name in KVM_BACKENDS:
        if name in names:
            return name
    return None


def parse_bool_param(value):
    """Module parameter text (Y/N/1/0/y/n) -> True/False, None when unknown."""
    if value is None:
        return None
    value = value.strip()
    if value in ('Y', 'y', '1'):
        return True
    if value in ('N', 'n', '0'):
        return False
    return None


def decode_feature_control(value):
    """Decode IA32_FEATURE_CONTROL (MSR 0x3a).

    bit 0 lock, bit 1 VMX inside SMX (TXT), bit 2 VMX outside SMX.  Once the
    lock bit is set the register cannot change until reset: locked with bit 2
    clear means the firmware switched VT-x off.
    """
    locked = bool(value & 0x1)
    inside = bool(value & 0x2)
    outside = bool(value & 0x4)
    return {
        'msr': 'IA32_FEATURE_CONTROL',
        'value': '0x%x' % value,
        'locked': locked,
        'vmx_inside_smx': inside,
        'vmx_outside_smx': outside,
        'disabled_by_bios': locked and not outside,
    }


def decode_vm_cr(value):
    """Decode AMD VM_CR (MSR 0xc0010114): bit 3 LOCK, bit 4 SVMDIS."""
    locked = bool(value & 0x8)
    svmdis = bool(value & 0x10)
    return {
        'msr': 'VM_CR',
        'value': '0x%x' % value,
        'locked': locked,
        'svm_disabled': svmdis,
        'disabled_by_bios': svmdis,
    }


_BIOS_RE = re.compile(
    r'(disabled by bios|disabled \(by bios\)|not enabled \(by bios\)|locked by bios|'
    r'disabled \(locked by bios\)|vmx \(outside txt\) disabled|svm disabled)', re.I)
_VIRT_CTX_RE = re.compile(r'\b(kvm|vmx|svm|vt-x|x86/cpu|amd-v)', re.I)
_HV_RE = re.compile(r'Hypervisor detected: (.+)$')
_KMSG_PREFIX_RE = re.compile(r'^(?:<\d+>|\d+,\d+,\d+,[^;]*;|\[\s*\d+\.\d+\]\s*)')


def parse_kernel_log(text):
    """Pick virtualization facts out of kernel log text (dmesg or /dev/kmsg format).

    Returns ``bios_disabled`` (the lines saying firmware disabled VT-x/AMD-V),
    ``hypervisor_detected`` (from "Hypervisor detected: X") and ``kvm_lines``.
    """
    bios = []
    kvm_lines = []
    hypervisor = None
    for raw in (text or '').splitlines():
        line = _KMSG_PREFIX_RE.sub('', raw.strip()).strip()
        if not line or raw.startswith(' '):
            continue
        match = _HV_RE.search(line)
        if match:
            hypervisor = match.group(1).strip()
        if _BIOS_RE.search(line) and _VIRT_CTX_RE.search(line):
            bios.append(line)
        if re.match(r'(kvm[_-]?\w*|kvm):', line, re.I):
            kvm_lines.append(line)
    return {
        'bios_disabled': bios,
        'hypervisor_detected': hypervisor,
        'kvm_lines': kvm_lines[:20],
    }


# ------------------------------------------------------------------ probes
def read_msr(path, index):
    """Read one 64-bit MSR through the msr driver (/dev/cpu/N/msr). Raises OSError."""
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.pread(fd, 8, index)
    finally:
        os.close(fd)
    if len(data) != 8:
        raise OSError(errno.EIO, 'short MSR read')
    return struct.unpack('<Q', data)[0]


def read_cpuid(path, leaf, subleaf=0):
    """(eax, ebx, ecx, edx) of a CPUID leaf through /dev/cpu/N/cpuid. Raises OSError."""
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.pread(fd, 16, (subleaf << 32) | leaf)
    finally:
        os.close(fd)
    if len(data) != 16:
        raise OSError(errno.EIO, 'short CPUID read')
    return struct.unpack('<4I', data)


def hypervisor_signature(regs):
    """CPUID 0x40000000 registers -> vendor signature text (ebx, ecx, edx)."""
    raw = struct.pack('<3I', regs[1], regs[2], regs[3])
    text = raw.split(b'\0')[0].decode('ascii', 'replace').strip()
    return text or None


def read_kmsg(path='/dev/kmsg', max_records=20000):
    """The kernel ring buffer through /dev/kmsg (non-blocking). Raises OSError."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    out = []
    try:
        for dummy in range(max_records):
            try:
                rec = os.read(fd, 8192)
            except OSError as exc:
                if exc.errno == errno.EAGAIN:
                    break
                if exc.errno == errno.EPIPE:  # record overwritten while reading
                    continue
                raise
            if not rec:
                break
            out.append(rec.decode('utf-8', 'replace').split('\n', 1)[0])
    finally:
        os.close(fd)
    return '\n'.join(out)


def _err(exc):
    code = errno.errorcode.get(exc.errno, str(exc.errno)) if getattr(exc, 'errno', None) else ''
    return '%s: %s' % (code, exc.strerror or exc) if code else str(exc)


class _GuestTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _GuestTimeout()


def probe_dev_kvm(path='/dev/kvm', caps=None, guest_exec=True, timeout=2.0):
    """Open /dev/kvm and ask it: API version, VM creation, capabilities, guest run.

    Returns a dict; every failure is reported in it, nothing raises.
    """
    result = {
        'path': path,
        'present': os.path.exists(path),
        'is_char_device': False,
        'readable': False,
        'writable': False,
        'open_error': None,
        'api_version': None,
        'api_version_ok': False,
        'create_vm': False,
        'create_vm_error': None,
        'capabilities': {},
        'guest_exec': {'ran': False, 'ok': None, 'skipped': not guest_exec},
    }
    if not result['present']:
        result['guest_exec']['skipped'] = True
        return result
    try:
        import stat
        result['is_char_device'] = stat.S_ISCHR(os.stat(path).st_mode)
    except OSError:
        pass
    result['readable'] = os.access(path, os.R_OK)
    result['writable'] = os.access(path, os.W_OK)
    try:
        kvm = os.open(path, os.O_RDWR | getattr(os, 'O_CLOEXEC', 0))
    except OSError as exc:
        result['open_error'] = _err(exc)
        result['guest_exec']['skipped'] = True
        return result
    try:
        try:
            result['api_version'] = fcntl.ioctl(kvm, KVM_GET_API_VERSION, 0)
        except (OSError, IOError) as exc:
            result['open_error'] = 'KVM_GET_API_VERSION: ' + _err(exc)
            result['guest_exec']['skipped'] = True
            return result
        result['api_version_ok'] = result['api_version'] == KVM_API_VERSION_EXPECTED
        for name in (caps if caps is not None else sorted(KVM_CAPS)):
            try:
                result['capabilities'][name] = fcntl.ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAPS[name])
            except (OSError, IOError):
                result['capabilities'][name] = None
        try:
            vm = fcntl.ioctl(kvm, KVM_CREATE_VM, 0)
        except (OSError, IOError) as exc:
            result['create_vm_error'] = _err(exc)
            result['guest_exec']['skipped'] = True
            return result
        result['create_vm'] = True
        try:
            if guest_exec and result['api_version_ok']:
                result['guest_exec'] = probe_guest_exec(kvm, vm, timeout)
        finally:
            os.close(vm)
    finally:
        os.close(kvm)
    return result


def probe_guest_exec(kvm, vm, timeout=2.0, code=GUEST_CODE):
    """Run GUEST_CODE in real mode in *vm* and check it did what it says.

    Expected: a KVM_EXIT_IO (out, port 0x10, one byte 0x42), then KVM_EXIT_HLT.
    *code* replaces the guest program (tests use a jmp-to-self loop to prove the timeout).
    KVM_RUN is bounded by a SIGALRM interval timer (*timeout* seconds).
    """
    res = {'ran': False, 'ok': False, 'skipped': False, 'exits': [], 'io_port': None,
           'io_byte': None, 'error': None, 'elapsed_ms': None}
    start = time.time()
    mem = mmap.mmap(-1, GUEST_MEM_SIZE, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS,
                    mmap.PROT_READ | mmap.PROT_WRITE)
    vcpu = None
    run = None
    step = 'setup'
    try:
        mem[GUEST_LOAD_ADDR:GUEST_LOAD_ADDR + len(code)] = code
        anchor = ctypes.c_char.from_buffer(mem)
        addr = ctypes.addressof(anchor)
        del anchor
        step = 'KVM_SET_USER_MEMORY_REGION'
        fcntl.ioctl(vm, KVM_SET_USER_MEMORY_REGION,
                    struct.pack('<IIQQQ', 0, 0, 0, GUEST_MEM_SIZE, addr))
        step = 'KVM_SET_TSS_ADDR'
        try:   # needed by VT-x without unrestricted_guest to emulate real mode
            fcntl.ioctl(vm, KVM_SET_TSS_ADDR, GUEST_TSS_ADDR)
        except (OSError, IOError):
            pass
        step = 'KVM_CREATE_VCPU'
        vcpu = fcntl.ioctl(vm, KVM_CREATE_VCPU, 0)
        step = 'KVM_GET_VCPU_MMAP_SIZE'
        size = fcntl.ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0)
        step = 'mmap(kvm_run)'
        run = mmap.mmap(vcpu, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        step = 'KVM_GET_SREGS'
        sregs = bytearray(KVM_SREGS_SIZE)
        fcntl.ioctl(vcpu, KVM_GET_SREGS, sregs, True)
        struct.pack_into('<Q', sregs, 0, 0)     # cs.base
        struct.pack_into('<H', sregs, 12, 0)    # cs.selector
        step = 'KVM_SET_SREGS'
        fcntl.ioctl(vcpu, KVM_SET_SREGS, bytes(sregs))
        regs = bytearray(KVM_REGS_SIZE)
        struct.pack_into('<Q', regs, 16 * 8, GUEST_LOAD_ADDR)   # rip
        struct.pack_into('<Q', regs, 17 * 8, 0x2)               # rflags
        step = 'KVM_SET_REGS'
        fcntl.ioctl(vcpu, KVM_SET_REGS, bytes(regs))
        step = 'KVM_RUN'
        res['ran'] = True
        for dummy in range(4):
            _run_bounded(vcpu, timeout)
            reason = struct.unpack_from('<I', run, 8)[0]
            res['exits'].append(KVM_EXIT_REASONS.get(reason, str(reason)))
            if reason == KVM_EXIT_IO:
                direction, io_size, port, count, offset = struct.unpack_from('<BBHIQ', run, 32)
                if direction == KVM_EXIT_IO_OUT and io_size == 1 and count >= 1:
                    res['io_port'] = port
                    res['io_byte'] = run[offset] if isinstance(run[offset], int) else ord(run[offset])
                continue
            break
        res['ok'] = (res['io_port'] == GUEST_PORT and res['io_byte'] == GUEST_BYTE and
                     res['exits'][-1] == 'HLT')
        if not res['ok']:
            res['error'] = 'unexpected exits %s' % ', '.join(res['exits'])
    except _GuestTimeout:
        res['error'] = 'KVM_RUN did not return within %.1f s' % timeout
    except (OSError, IOError, ValueError) as exc:
        res['error'] = '%s: %s' % (step, _err(exc) if isinstance(exc, (OSError, IOError)) else exc)
    finally:
        if run is not None:
            run.close()
        if vcpu is not None:
            os.close(vcpu)
        mem.close()
    res['io_port'] = '0x%x' % res['io_port'] if res['io_port'] is not None else None
    res['io_byte'] = '0x%02x' % res['io_byte'] if res['io_byte'] is not None else None
    res['elapsed_ms'] = round((time.time() - start) * 1000.0, 2)
    return res


def _run_bounded(vcpu, timeout):
    """KVM_RUN with an interval timer; SIGALRM interrupts the ioctl (EINTR)."""
    try:
        old = signal.signal(signal.SIGALRM, _on_alarm)
    except ValueError:   # not the main thread: no timer possible, run unbounded
        fcntl.ioctl(vcpu, KVM_RUN, 0)
        return
    try:
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            fcntl.ioctl(vcpu, KVM_RUN, 0)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, old)
