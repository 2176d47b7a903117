#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: libvirt_domain_info
short_description: Every domain libvirt knows, with its definition, in one call
version_added: 0.2.0
description:
  - Lists every domain (running or not) of one libvirt connection with its name, UUID, whether it runs, and its
    XML as C(virsh dumpxml) prints it (the live definition of a running domain).
  - One module run for all domains, where community.libvirt.virt C(command=get_xml) takes one run per domain; the
    connection is opened read-only.
author:
  - labforge.virt developers (@labforge)
options:
  uri:
    description:
      - The libvirt connection URI.
    type: str
    default: qemu:///system
extends_documentation_fragment:
  - labforge.virt.attributes
  - labforge.virt.attributes.info_module
requirements:
  - libvirt Python bindings (python3-libvirt)
seealso:
  - module: community.libvirt.virt
  - module: labforge.virt.libvirt_domain_define
'''

EXAMPLES = r'''
- name: Read every domain's definition
  labforge.virt.libvirt_domain_info:
  register: known

- name: Name the running domains
  ansible.builtin.debug:
    msg: "{{ known.domains | selectattr('active') | map(attribute='name') | list }}"
'''

RETURN = r'''
domains:
  description: The domains, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The domain's name.
      type: str
      sample: web1
    uuid:
      description: The domain's UUID.
      type: str
      sample: 3b0e54f8-a559-52bd-85ca-e753c8c3ef5f
    active:
      description: Whether the domain runs (or is paused).
      type: bool
      sample: false
    xml:
      description: The domain's XML (flags 0, as C(virsh dumpxml) without options).
      type: str
      sample: "<domain type='qemu'>...</domain>"
'''

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    import libvirt
except ImportError:
    LIBVIRT_IMPORT_ERROR = traceback.format_exc()
    libvirt = None
else:
    LIBVIRT_IMPORT_ERROR = None


def domain_records(conn):
    """name, uuid, active and XML of every domain of conn, sorted by name."""
    records = [dict(name=d.name(), uuid=d.UUIDString(), active=bool(d.isActive()), xml=d.XMLDesc(0))
               for d in conn.listAllDomains(0)]
    return sorted(records, key=lambda record: record['name'])


def main():
    module = AnsibleModule(
        argument_spec=dict(uri=dict(type='str', default='qemu:///system')),
        supports_check_mode=True,
    )
    if libvirt is None:
        module.fail_json(msg=missing_required_lib('libvirt (python3-libvirt)'), exception=LIBVIRT_IMPORT_ERROR)
    try:
        conn = libvirt.openReadOnly(module.params['uri'])
    except libvirt.libvirtError as e:
        module.fail_json(msg='cannot connect to libvirt at %s: %s' % (module.params['uri'], e.get_error_message()))
    try:
        domains = domain_records(conn)
    except libvirt.libvirtError as e:
        module.fail_json(msg='libvirt: %s' % e.get_error_message())
    finally:
        conn.close()
    module.exit_json(changed=False, domains=domains)


if __name__ == '__main__':
    main()
