# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Secret strength filter: secret_problems (documentation in secret_problems.yml)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.labforge.virt.plugins.module_utils import _secrets


def secret_problems(value, name, min_length=_secrets.MIN_LENGTH, users=None, weak=None, forbidden_chars=''):
    """Sentences saying why ``value`` is not an acceptable secret; [] when it is."""
    return _secrets.secret_problems(value, name, min_length=min_length, users=users, weak=weak,
                                    forbidden_chars=forbidden_chars)


class FilterModule(object):
    """Secret strength check shared by every role."""

    def filters(self):
        return {'secret_problems': secret_problems}
