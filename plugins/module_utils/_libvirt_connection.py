# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One libvirt connection per module run, with the same failures in every module.

Private to labforge.virt. The caller imports the binding itself and passes it (None when the
import failed), so that a module's own tests can replace it.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from contextlib import contextmanager

from ansible.module_utils.basic import missing_required_lib

LIBVIRT_ARGUMENT_SPEC = dict(uri=dict(type='str', default='qemu:///system'))


@contextmanager
def libvirt_connection(module, binding, import_error, read_only=False):
    """Yield a connection to module.params['uri']; libvirt's errors become fail_json, the connection is closed."""
    if binding is None:
        module.fail_json(msg=missing_required_lib('libvirt (python3-libvirt)'), exception=import_error)
    uri = module.params['uri']
    try:
        conn = binding.openReadOnly(uri) if read_only else binding.open(uri)
    except binding.libvirtError as e:
        module.fail_json(msg='cannot connect to libvirt at %s: %s' % (uri, e.get_error_message()))
    try:
        yield conn
    except binding.libvirtError as e:
        module.fail_json(msg='libvirt: %s' % e.get_error_message())
    finally:
        conn.close()
