# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""libvirt XML read as XML: libvirt_domains, libvirt_security_models (docs in the .yml beside)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.labforge.virt.plugins.module_utils import _libvirt_xml


def libvirt_domains(texts):
    try:
        return _libvirt_xml.domains(texts)
    except _libvirt_xml.LibvirtXMLError as e:
        raise AnsibleFilterError('labforge.virt.libvirt_domains: %s' % e)


def libvirt_security_models(text):
    try:
        return _libvirt_xml.security_models(text)
    except _libvirt_xml.LibvirtXMLError as e:
        raise AnsibleFilterError('labforge.virt.libvirt_security_models: %s' % e)


class FilterModule(object):
    """Reading libvirt's XML."""

    def filters(self):
        return {'libvirt_domains': libvirt_domains, 'libvirt_security_models': libvirt_security_models}
