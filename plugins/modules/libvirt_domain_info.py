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
    connection is opened read-only unless O(addresses) asks the guest agents.
author:
  - labforge.virt developers (@labforge)
options:
  addresses:
    description:
      - Also ask each running domain's qemu-guest-agent for its interfaces' IP addresses (C(virsh domifaddr
        --source agent)). A domain whose agent does not answer gets RV(domains[].agent=false) and no addresses;
        nothing waits for an agent that is still starting.
      - libvirt serves agent queries on a read-write connection only; this opens one, and still changes nothing.
    type: bool
    default: false
extends_documentation_fragment:
  - labforge.virt.attributes
  - labforge.virt.attributes.info_module
  - labforge.virt.libvirt
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

- name: Ask the guest agents for the guests' addresses
  labforge.virt.libvirt_domain_info:
    addresses: true
  register: reachable

- name: List each guest's IPv4 addresses
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.addresses | selectattr('family', 'eq', 'ipv4') | map(attribute='address') | join(', ') }}"
  loop: "{{ reachable.domains | selectattr('agent') }}"
  loop_control:
    label: "{{ item.name }}"
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
    agent:
      description: Whether the guest agent answered; null when O(addresses) is false or the domain is off.
      type: bool
      sample: true
    addresses:
      description: The addresses the agent reported, loopback left out, sorted by interface; empty without an answer.
      type: list
      elements: dict
      contains:
        interface:
          description: The interface's name in the guest.
          type: str
          sample: eth0
        hwaddr:
          description: Its MAC address.
          type: str
          sample: "52:54:00:6b:3c:58"
        family:
          description: C(ipv4) or C(ipv6).
          type: str
          sample: ipv4
        address:
          description: The address.
          type: str
          sample: 192.168.123.50
        prefix:
          description: The prefix length.
          type: int
          sample: 24
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.labforge.virt.plugins.module_utils._libvirt_connection import (
    LIBVIRT_ARGUMENT_SPEC, LIBVIRT_IMPORT_ERROR, libvirt, libvirt_connection)


FAMILIES = {0: 'ipv4', 1: 'ipv6'}  # VIR_IP_ADDR_TYPE_IPV4, VIR_IP_ADDR_TYPE_IPV6


def agent_addresses(interfaces):
    """virDomainInterfaceAddresses' answer (interface -> hwaddr, addrs) as a flat, sorted list without loopback."""
    found = []
    for name, entry in sorted((interfaces or {}).items()):
        for addr in entry.get('addrs') or []:
            address = addr.get('addr')
            if name == 'lo' or address == '::1' or (address or '').startswith('127.'):
                continue
            found.append(dict(interface=name, hwaddr=entry.get('hwaddr'), family=FAMILIES.get(addr.get('type')),
                              address=address, prefix=addr.get('prefix')))
    return found


def _agent(domain):
    """(agent answered, addresses) of a running domain."""
    try:
        return True, agent_addresses(domain.interfaceAddresses(libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, 0))
    except libvirt.libvirtError:
        # No channel, no agent connected, or one that does not answer: all mean no addresses from it.
        return False, []


def domain_records(conn, addresses=False):
    """name, uuid, active, XML (and the agent's addresses) of every domain of conn, sorted by name."""
    records = []
    for d in conn.listAllDomains(0):
        record = dict(name=d.name(), uuid=d.UUIDString(), active=bool(d.isActive()), xml=d.XMLDesc(0),
                      agent=None, addresses=[])
        if addresses and record['active']:
            record['agent'], record['addresses'] = _agent(d)
        records.append(record)
    return sorted(records, key=lambda record: record['name'])


def main():
    module = AnsibleModule(argument_spec=dict(LIBVIRT_ARGUMENT_SPEC, addresses=dict(type='bool', default=False)),
                           supports_check_mode=True)
    addresses = module.params['addresses']
    with libvirt_connection(module, libvirt, LIBVIRT_IMPORT_ERROR, read_only=not addresses) as conn:
        domains = domain_records(conn, addresses)
    module.exit_json(changed=False, domains=domains)


if __name__ == '__main__':
    main()
