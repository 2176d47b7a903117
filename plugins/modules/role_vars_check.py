#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: role_vars_check
short_description: Refuse variables that carry a role's prefix but that the role does not declare
version_added: 0.1.0
description:
  - Ansible validates the variables a role declares in C(meta/argument_specs.yml), but a misspelt
    variable (C(docker_host_daemon_optons)) is silently ignored and the default used instead.
  - This action compares every variable visible to the host whose name starts with the role's
    prefix against the options of all the role's entry points, and fails with the unknown names
    and the closest declared name for each.
  - Runs on the controller; it changes nothing. Every labforge.virt role calls it first in its preflight.
options:
  role:
    description:
      - Role name. Defaults to the role the task belongs to.
    type: str
  prefix:
    description:
      - Variable name prefix that marks the role's variables. Defaults to the role name followed by C(_).
    type: str
  argument_specs:
    description:
      - Path of the role's argument specs. Defaults to C(meta/argument_specs.yml) of the role the task belongs to.
    type: path
  ignore:
    description:
      - Prefixed variable names that are not the role's own, for example a fact the role sets itself.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - labforge.virt.attributes
  - labforge.virt.attributes.info_module
attributes:
  action:
    support: full
    description: Implemented as an action plugin that runs on the controller.
author:
  - labforge.virt contributors (@labforge)
'''

EXAMPLES = r'''
- name: Refuse unknown docker_host_* variables (inside roles/docker_host/tasks/preflight.yml)
  labforge.virt.role_vars_check:

- name: Check another role's variables from a playbook
  labforge.virt.role_vars_check:
    role: docker_host
    argument_specs: "{{ playbook_dir }}/../roles/docker_host/meta/argument_specs.yml"
'''

RETURN = r'''
role:
  description: The role whose variables were checked.
  returned: always
  type: str
  sample: docker_host
unknown:
  description: Prefixed variable names the role does not declare.
  returned: always
  type: list
  elements: str
  sample: [docker_host_daemon_optons]
'''
