#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: libvirt_domain_define
short_description: Define a libvirt domain from XML, with a check mode and a diff that tell the truth
version_added: 0.1.0
description:
  - Defines (or redefines) one persistent libvirt domain from O(xml) and sets its autostart flag.
  - Compares O(xml) with the domain's inactive definition (C(virsh dumpxml --inactive)) first, normalised
    so that what libvirt fills in by itself is not taken for a change - the UUID, PCI and controller
    addresses, aliases, the machine type's default controllers and input devices, the default CPU model of a
    TCG guest, memory in KiB, the versioned machine type an alias such as C(q35) stands for (read from the
    host's capabilities), the console's copy of the serial log. What O(xml) controls is compared; a device of
    a kind O(xml) writes (disk, interface, guest-agent channel, SCSI or virtio-serial controller, kernel boot)
    that O(xml) no longer has shows as removed.
  - In check mode that comparison is the answer - C(changed) and the diff - and libvirt is not changed. Outside
    check mode the domain is defined whenever it exists or not, and C(changed) is libvirt's own verdict
    (its inactive definition before and after differ); a warning says when that verdict and the comparison
    disagree.
  - community.libvirt.virt C(command=define) reports every existing domain as changed in check mode (it
    compares libvirt's definition with the given one as text); labforge.virt.kvm_guest uses this module instead.
author:
  - labforge.virt developers (@labforge)
options:
  xml:
    description:
      - The domain definition, a C(<domain>) document with a C(<name>). A C(<uuid>) it gives must be the existing
        domain's.
    type: str
    required: true
  autostart:
    description:
      - Start the domain when libvirtd starts. Left alone when not given.
    type: bool
extends_documentation_fragment:
  - labforge.virt.attributes
  - labforge.virt.libvirt
attributes:
  check_mode:
    support: full
    details:
      - Reads the domain's inactive definition and the host's capabilities, compares, and defines nothing.
  diff_mode:
    support: full
    details:
      - The diff shows the normalised inactive definition libvirt keeps (empty for a new domain) and the normalised
        O(xml); an unchanged domain shows no difference.
seealso:
  - module: community.libvirt.virt
'''

EXAMPLES = r'''
- name: Define a guest (with --check --diff, shows what a redefinition would change)
  labforge.virt.libvirt_domain_define:
    xml: "{{ lookup('ansible.builtin.template', 'domain.xml.j2') }}"
    autostart: false
'''

RETURN = r'''
name:
  description: The domain's name.
  returned: always
  type: str
  sample: tiny
created:
  description: Whether the domain did not exist before (in check mode - would be created).
  returned: always
  type: bool
definition_changed:
  description:
    - Whether the definition differs (in check mode - the comparison's verdict; otherwise libvirt's).
  returned: always
  type: bool
autostart:
  description: The autostart flag after this task (in check mode - would be).
  returned: always
  type: bool
before:
  description: The domain's inactive definition as compared (normalised); empty when it did not exist.
  returned: always
  type: str
after:
  description: O(xml) as compared (normalised).
  returned: always
  type: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.labforge.virt.plugins.module_utils._domain_diff import (
    DomainDiffError, compare, domain_name, machine_aliases, parse,
)
from ansible_collections.labforge.virt.plugins.module_utils._libvirt_connection import (
    LIBVIRT_ARGUMENT_SPEC, LIBVIRT_IMPORT_ERROR, libvirt, libvirt_connection)


def _lookup(conn, name):
    try:
        return conn.lookupByName(name)
    except libvirt.libvirtError as e:
        if e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
            return None
        raise


def _run(module, conn):
    xml = module.params['xml']
    autostart = module.params['autostart']
    name = domain_name(xml)
    domain = _lookup(conn, name)
    current = domain.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE) if domain is not None else None
    if domain is not None:
        wanted_uuid = (parse(xml).findtext('uuid') or '').strip()
        if wanted_uuid and wanted_uuid.lower() != domain.UUIDString().lower():
            module.fail_json(msg='domain %s exists with UUID %s; the definition gives UUID %s (a domain keeps its UUID)'
                             % (name, domain.UUIDString(), wanted_uuid))
    comparison = compare(current, xml, machine_aliases(conn.getCapabilities()))
    autostart_before = bool(domain.autostart()) if domain is not None else False
    autostart_after = autostart_before if autostart is None else autostart
    result = dict(
        name=name, created=domain is None, definition_changed=comparison['changed'], autostart=autostart_after,
        before=comparison['before'], after=comparison['after'],
        changed=comparison['changed'] or autostart_after != autostart_before,
    )
    if module._diff:
        result['diff'] = dict(
            before=comparison['before'], after=comparison['after'],
            before_header='%s: inactive definition in libvirt (normalised)' % name,
            after_header='%s: definition to define (normalised)' % name,
        )
    if module.check_mode:
        return result

    defined = conn.defineXML(xml)
    if domain is not None:
        libvirt_changed = defined.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE) != current
        if libvirt_changed != comparison['changed']:
            module.warn('libvirt %s the definition of %s, the comparison predicted it %s: check mode would not tell the '
                        'truth for this change' % ('changed' if libvirt_changed else 'kept',
                                                   name, 'would change' if comparison['changed'] else 'would not'))
        result['definition_changed'] = libvirt_changed
    if autostart is not None and autostart != bool(defined.autostart()):
        defined.setAutostart(1 if autostart else 0)
    result['changed'] = result['definition_changed'] or autostart_after != autostart_before
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(LIBVIRT_ARGUMENT_SPEC, xml=dict(type='str', required=True), autostart=dict(type='bool')),
        supports_check_mode=True,
    )
    with libvirt_connection(module, libvirt, LIBVIRT_IMPORT_ERROR) as conn:
        try:
            result = _run(module, conn)
        except DomainDiffError as e:
            module.fail_json(msg='xml: %s' % e)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
