# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find variables that look like a role's but that the role does not declare."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import difflib


def declared_options(argument_specs):
    """Option names of every entry point in a parsed meta/argument_specs.yml."""
    names = set()
    for entry in ((argument_specs or {}).get('argument_specs') or {}).values():
        names.update((entry or {}).get('options') or {})
    return names


def unknown_variables(variable_names, prefix, declared, ignore=()):
    """Return [(name, suggestion or None)] for prefix-named variables not declared."""
    unknown = []
    for name in sorted(variable_names):
        if not name.startswith(prefix) or name in declared or name in ignore:
            continue
        close = difflib.get_close_matches(name, sorted(declared), n=1, cutoff=0.75)
        unknown.append((name, close[0] if close else None))
    return unknown


def describe(role, unknown, spec_path):
    parts = []
    for name, suggestion in unknown:
        parts.append('%s (did you mean %s?)' % (name, suggestion) if suggestion else name)
    return ('Unknown variable%s for role %s: %s. The role declares its variables in %s; '
            'fix the name or remove it.' % ('s' if len(unknown) > 1 else '', role, ', '.join(parts), spec_path))
