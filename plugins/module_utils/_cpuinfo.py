# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""/proc/cpuinfo parsing for virtualization checks (private to labforge.virt).

Pure functions: they take the text of /proc/cpuinfo and return plain dicts.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# Intel VT-x helpers. Since Linux 5.9 the kernel prints them on a separate
# "vmx flags" line; older kernels list some (ept, vpid, flexpriority, vnmi,
# tpr_shadow) among the ordinary flags.
VMX_FEATURES = ('ept', 'vpid', 'unrestricted_guest', 'ept_ad', 'ept_1gb', 'flexpriority', 'vnmi',
                'tpr_shadow', 'posted_intr', 'apicv', 'shadow_vmcs', 'pml', 'preemption_timer',
                'ept_mode_based_exec', 'tsc_scaling')
# AMD-V helpers, listed among the ordinary flags.
SVM_FEATURES = ('npt', 'nrip_save', 'lbrv', 'svm_lock', 'tsc_scale', 'vmcb_clean', 'flushbyasid',
                'decodeassists', 'pausefilter', 'pfthreshold', 'avic', 'x2avic', 'v_vmsave_vmload',
                'vgif', 'vnmi')
SECURE_FLAGS = ('sme', 'sev', 'sev_es', 'sev_snp', 'tdx_host_platform', 'tdx_guest')
VENDORS = {
    'GenuineIntel': 'intel',
    'AuthenticAMD': 'amd',
    'HygonGenuine': 'hygon',
    'CentaurHauls': 'centaur',
    '  Shanghai  ': 'zhaoxin',
}


def parse_cpuinfo(text):
    """Split /proc/cpuinfo text into one dict per processor block (key -> raw value)."""
    blocks = []
    current = {}
    for line in (text or '').splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current = {}
            continue
        if ':' not in line:
            continue
        key, value = line.split(':', 1)
        key = key.strip()
        if key == 'processor' and current:
            blocks.append(current)
            current = {}
        current[key] = value.strip()
    if current:
        blocks.append(current)
    return blocks


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def cpu_facts(text):
    """Virtualization-relevant CPU facts from /proc/cpuinfo text.

    The flags reported are those common to every processor (a flag missing on
    some CPUs, as after a firmware lock on one socket, is listed in
    ``inconsistent_flags``).
    """
    blocks = [b for b in parse_cpuinfo(text) if 'flags' in b or 'vendor_id' in b]
    facts = {
        'vendor_id': None, 'vendor': None, 'model_name': None, 'family': None, 'model': None,
        'stepping': None, 'microcode': None, 'processors': len(blocks),
        'vmx': False, 'svm': False, 'virt_extension': None, 'hypervisor_flag': False,
        'lm': False, 'nx': False,
        'vmx_flags_line': None, 'vmx_features': {}, 'svm_features': {},
        'second_level_paging': None, 'secure_flags': [], 'inconsistent_flags': [],
    }
    if not blocks:
        return facts
    first = blocks[0]
    facts['vendor_id'] = first.get('vendor_id')
    facts['vendor'] = VENDORS.get(first.get('vendor_id') or '', (first.get('vendor_id') or '').lower() or None)
    facts['model_name'] = first.get('model name')
    facts['family'] = _int(first.get('cpu family'))
    facts['model'] = _int(first.get('model'))
    facts['stepping'] = _int(first.get('stepping'))
    facts['microcode'] = first.get('microcode')

    flag_sets = [set(b.get('flags', '').split()) for b in blocks]
    common = set.intersection(*flag_sets) if flag_sets else set()
    union = set.union(*flag_sets) if flag_sets else set()
    facts['inconsistent_flags'] = sorted(f for f in union - common
                                         if f in ('vmx', 'svm', 'hypervisor') or f in VMX_FEATURES or f in SVM_FEATURES)
    vmx_line_sets = [set(b['vmx flags'].split()) for b in blocks if 'vmx flags' in b]
    vmx_line = set.intersection(*vmx_line_sets) if vmx_line_sets else None

    facts['vmx'] = 'vmx' in common
    facts['svm'] = 'svm' in common
    facts['virt_extension'] = 'vmx' if facts['vmx'] else ('svm' if facts['svm'] else None)
    facts['hypervisor_flag'] = 'hypervisor' in common
    facts['lm'] = 'lm' in common
    facts['nx'] = 'nx' in common
    if vmx_line is not None:
        facts['vmx_flags_line'] = blocks[0].get('vmx flags')
    if facts['vmx'] or vmx_line:
        pool = common | (vmx_line or set())
        # Without the "vmx flags" line (kernels before 5.9) a helper missing from the flags is unknown.
        facts['vmx_features'] = dict((f, True if f in pool else (False if vmx_line is not None else None))
                                     for f in VMX_FEATURES)
        facts['second_level_paging'] = 'ept' if 'ept' in pool else None
    if facts['svm']:
        facts['svm_features'] = dict((f, f in common) for f in SVM_FEATURES)
        facts['second_level_paging'] = 'npt' if 'npt' in common else None
    facts['secure_flags'] = sorted(f for f in SECURE_FLAGS if f in common)
    return facts
