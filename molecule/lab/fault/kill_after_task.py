# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test harness: kill ansible-playbook (SIGKILL) right after a named task, as a killed run stops.

Enabled with ANSIBLE_CALLBACK_PLUGINS=<this directory>, ANSIBLE_CALLBACKS_ENABLED=kill_after_task and
LABFORGE_KILL_AFTER_TASK=<task name>: the first result of that task ends the run on the spot, with no
later task and no handler.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import signal

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: kill_after_task
    type: aggregate
    short_description: Kill the run right after a named task (test harness)
    description: The first ok or changed result of the task named in LABFORGE_KILL_AFTER_TASK kills ansible-playbook.
    requirements: [enabled in callbacks_enabled]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'kill_after_task'
    CALLBACK_NEEDS_ENABLED = True

    def v2_runner_on_ok(self, result):
        task = result.task_name or result._task.get_name()
        if task.endswith(os.environ.get('LABFORGE_KILL_AFTER_TASK', '\0')):
            os.kill(os.getpid(), signal.SIGKILL)
