# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""libvirt XML read as XML: libvirt_domains, libvirt_domain_devices, libvirt_security_models (docs in the .yml beside)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.labforge.virt.plugins.module_utils import _libvirt_xml
from ansible_collections.labforge.virt.plugins.plugin_utils._filter_errors import fails_task_on


@fails_task_on(_libvirt_xml.LibvirtXMLError)
def libvirt_domains(texts):
    return _libvirt_xml.domains(texts)


@fails_task_on(_libvirt_xml.LibvirtXMLError)
def libvirt_domain_devices(text):
    return _libvirt_xml.domain_devices(text)


@fails_task_on(_libvirt_xml.LibvirtXMLError)
def libvirt_security_models(text):
    return _libvirt_xml.security_models(text)


class FilterModule(object):
    """Reading libvirt's XML."""

    def filters(self):
        return {
            'libvirt_domains': libvirt_domains,
            'libvirt_domain_devices': libvirt_domain_devices,
            'libvirt_security_models': libvirt_security_models,
        }
