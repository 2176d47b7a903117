# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""labforge.virt.kvm_param_bool: kvm_host's reading of /sys/module/kvm_*/parameters/nested."""

import pytest

from ansible_collections.labforge.virt.plugins.filter.kvm import FilterModule

kvm_param_bool = FilterModule().filters()["kvm_param_bool"]


# kvm_intel's nested is a bool parameter (Y/N); kvm_amd's an int (1/0: the kernel scenario's Debian 13 VM reads 1).
@pytest.mark.parametrize("text, expected", [
    ("Y\n", True), ("1\n", True), ("y", True),
    ("N\n", False), ("0\n", False), (" n ", False),
    ("", None), ("2\n", None), ("yes", None), (None, None),
])
def test_kernel_spellings(text, expected):
    assert kvm_param_bool(text) is expected
