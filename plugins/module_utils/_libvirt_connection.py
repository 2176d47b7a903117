# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One libvirt connection per module run, with the same failures in every module.

Private to labforge.virt. Modules import the binding from here (``libvirt``, None when the import
failed, with ``LIBVIRT_IMPORT_ERROR``) and pass it to libvirt_connection(), so that a module's own
tests can replace it in the module.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import traceback
from contextlib import contextmanager

from ansible.module_utils.basic import missing_required_lib

try:
    import libvirt
except ImportError:
    LIBVIRT_IMPORT_ERROR = traceback.format_exc()
    libvirt = None
else:
    LIBVIRT_IMPORT_ERROR = None

__all__ = ['LIBVIRT_ARGUMENT_SPEC', 'LIBVIRT_IMPORT_ERROR', 'libvirt', 'libvirt_connection']

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
