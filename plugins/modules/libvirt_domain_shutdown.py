#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: libvirt_domain_shutdown
short_description: Shut a libvirt domain down through its guest agent, or ACPI where no agent answers, and wait
version_added: 0.2.0
description:
  - Asks the guest to shut itself down through qemu-guest-agent (C(guest-shutdown)) when an agent answers on its
    C(org.qemu.guest_agent.0) channel, and presses the ACPI power button only when none does; then waits until
    the domain is off.
  - The agent shuts down guests that ignore ACPI (no acpid, a minimal or a busy guest); community.libvirt.virt
    C(state=shutdown) leaves the method to libvirt and returns without waiting, so a guest that ignored the
    request was reported changed on every run.
  - A domain that is already off is left alone. One that is still running after O(timeout) seconds fails the task
    with the method that was tried; it is never destroyed.
author:
  - labforge.virt developers (@labforge)
options:
  name:
    description:
      - The domain's name.
    type: str
    required: true
  timeout:
    description:
      - Seconds to wait for the domain to be off. C(0) sends the request and returns at once.
    type: int
    default: 120
extends_documentation_fragment:
  - labforge.virt.attributes
  - labforge.virt.libvirt
attributes:
  check_mode:
    support: full
    details:
      - Reports whether the domain runs (would be shut down) and sends nothing.
  diff_mode:
    support: none
seealso:
  - module: community.libvirt.virt
  - module: labforge.virt.libvirt_domain_info
'''

EXAMPLES = r'''
- name: Shut web1 down, through its agent where it answers
  labforge.virt.libvirt_domain_shutdown:
    name: web1
    timeout: 300
  register: stopped

- name: Say how
  ansible.builtin.debug:
    msg: "web1 was shut down by {{ stopped.method }}"
  when: stopped is changed
'''

RETURN = r'''
name:
  description: The domain's name.
  returned: always
  type: str
  sample: web1
method:
  description:
    - How the domain was asked to shut down - C(agent) or C(acpi); null when it was already off or in check mode.
  returned: always
  type: str
  sample: agent
agent_error:
  description: Why the agent was not used (libvirt's message), when ACPI was; null otherwise.
  returned: always
  type: str
  sample: "Guest agent is not responding: QEMU guest agent is not connected"
seconds:
  description: Seconds from the request until the domain was off (0 when it was not waited for).
  returned: always
  type: float
  sample: 1.5
'''

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.labforge.virt.plugins.module_utils._libvirt_connection import (
    LIBVIRT_ARGUMENT_SPEC, LIBVIRT_IMPORT_ERROR, libvirt, libvirt_connection)

POLL_SECONDS = 0.5


def request_shutdown(domain):
    """Ask through the agent, or press the ACPI button where the agent fails: (method, agent's error or None)."""
    try:
        domain.shutdownFlags(libvirt.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT)
        return 'agent', None
    except libvirt.libvirtError as e:
        agent_error = e.get_error_message()
    domain.shutdownFlags(libvirt.VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN)
    return 'acpi', agent_error


def wait_until_off(domain, timeout, clock=time.monotonic, sleep=time.sleep):
    """Seconds until the domain is off, or None when it still runs after timeout seconds."""
    start = clock()
    while domain.isActive():
        if clock() - start >= timeout:
            return None
        sleep(POLL_SECONDS)
    return round(clock() - start, 1)


def _run(module, conn):
    name, timeout = module.params['name'], module.params['timeout']
    result = dict(changed=False, name=name, method=None, agent_error=None, seconds=0.0)
    domain = conn.lookupByName(name)
    if not domain.isActive():
        return result
    result['changed'] = True
    if module.check_mode:
        return result
    result['method'], result['agent_error'] = request_shutdown(domain)
    if timeout > 0:
        seconds = wait_until_off(domain, timeout)
        if seconds is None:
            how = ('its guest agent' if result['method'] == 'agent'
                   else 'the ACPI power button (no guest agent answered: %s)' % result['agent_error'])
            module.fail_json(msg='%s still runs %d s after a shutdown request through %s; it was not destroyed'
                             % (name, timeout, how), **result)
        result['seconds'] = seconds
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(LIBVIRT_ARGUMENT_SPEC, name=dict(type='str', required=True),
                           timeout=dict(type='int', default=120)),
        supports_check_mode=True,
    )
    if module.params['timeout'] < 0:
        module.fail_json(msg='timeout must be 0 or more seconds, got %d' % module.params['timeout'])
    with libvirt_connection(module, libvirt, LIBVIRT_IMPORT_ERROR) as conn:
        result = _run(module, conn)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
