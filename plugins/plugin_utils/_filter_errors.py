# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One way for the collection's filters to fail (private to labforge.virt)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import functools

from ansible.errors import AnsibleFilterError


def fails_task_on(*errors):
    """Decorate a filter so that ``errors`` fail the task as "labforge.virt.<filter>: <message>".

    The module_utils raise their own errors (they also serve modules, where AnsibleFilterError
    means nothing); the filter names itself so the task output says which one refused.
    """
    def decorate(function):
        @functools.wraps(function)
        def filter_(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except errors as e:
                raise AnsibleFilterError('labforge.virt.%s: %s' % (function.__name__, e))
        return filter_
    return decorate
