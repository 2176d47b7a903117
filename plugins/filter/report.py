# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Estate report filters: report_row, report_rows, report_markdown (docs in the .yml files beside)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.labforge.virt.plugins.module_utils import _report


class FilterModule(object):
    def filters(self):
        return {
            'report_row': _report.report_row,
            'report_rows': _report.report_rows,
            'report_markdown': _report.report_markdown,
        }
