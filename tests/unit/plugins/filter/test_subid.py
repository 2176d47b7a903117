# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""labforge.virt.subid_range: docker_host's range for the userns-remap user."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.labforge.virt.plugins.filter.subid import FilterModule

subid_range = FilterModule().filters()["subid_range"]

# /etc/subuid of the docker_host scenario's Debian 13 instance after `useradd -m labuser`.
USERADD = "labuser:100000:65536\n"


def test_empty_file_starts_at_first():
    assert subid_range("", "dockremap") == {"owner": "dockremap", "first": 100000, "count": 65536, "present": False}


def test_new_range_starts_after_useradds():
    assert subid_range(USERADD, "dockremap")["first"] == 165536


def test_new_range_starts_after_the_highest_end_not_the_last_line():
    text = "alice:300000:65536\nbob:100000:65536\n"
    assert subid_range(text, "dockremap")["first"] == 365536


def test_first_above_every_range_wins():
    assert subid_range(USERADD, "dockremap", 1000000, 1000)["first"] == 1000000


def test_existing_range_is_returned_as_it_is():
    text = USERADD + "dockremap:165536:65536\n"
    assert subid_range(text, "dockremap") == {"owner": "dockremap", "first": 165536, "count": 65536, "present": True}


def test_owner_is_matched_whole():
    # "dockremap2" is not "dockremap" (a prefix match would take it for one).
    result = subid_range(USERADD + "dockremap2:165536:65536\n", "dockremap")
    assert result["present"] is False and result["first"] == 231072


@pytest.mark.parametrize("noise", ["# dockremap:1:2", "", "   ", "broken line", "x:1", "y:a:b"])
def test_comments_blanks_and_malformed_lines_are_skipped(noise):
    assert subid_range(USERADD + noise + "\n", "dockremap")["first"] == 165536


def test_numeric_owner_lines_count():
    assert subid_range("1000:100000:65536\n", "dockremap")["first"] == 165536


@pytest.mark.parametrize("first,count", [(0, 65536), (100000, 0), (-5, 10)])
def test_bad_bounds_fail_naming_the_filter(first, count):
    with pytest.raises(AnsibleFilterError, match="labforge.virt.subid_range: first and count"):
        subid_range(USERADD, "dockremap", first, count)
