# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase

from ansible_collections.labforge.virt.plugins.module_utils._role_vars import (
    declared_options, describe, unknown_variables,
)

try:
    import yaml
except ImportError:  # pragma: no cover - ansible-core requires PyYAML
    yaml = None


class ActionModule(ActionBase):
    """Fail when a variable carries the role's prefix but is not in its argument specs.

    Ansible validates the variables a role declares; a misspelt one is silently ignored
    and its default used instead. This closes that gap before the role changes anything.
    """

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('role', 'prefix', 'argument_specs', 'ignore'))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        role = self._task._role
        name = self._task.args.get('role') or (role.get_name(include_role_fqcn=False) if role else None)
        if not name:
            raise AnsibleActionFail('role_vars_check runs inside a role, or needs role= and argument_specs=')
        spec_path = self._task.args.get('argument_specs') or os.path.join(role._role_path, 'meta', 'argument_specs.yml')
        prefix = self._task.args.get('prefix') or name + '_'
        ignore = self._task.args.get('ignore') or []

        try:
            with open(spec_path) as handle:
                specs = yaml.safe_load(handle)
        except (IOError, OSError, yaml.YAMLError) as exc:
            raise AnsibleActionFail('Cannot read the argument specs of role %s at %s: %s' % (name, spec_path, to_native(exc)))

        declared = declared_options(specs)
        unknown = unknown_variables(task_vars.keys(), prefix, declared, ignore)
        result.update(changed=False, role=name, unknown=[u[0] for u in unknown])
        if unknown:
            result.update(failed=True, msg=describe(name, unknown, spec_path))
        return result
