# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""labforge.virt.htpasswd_stale: which users the registry's htpasswd files must lose."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.labforge.virt.plugins.filter.htpasswd import FilterModule

stale = FilterModule().filters()["htpasswd_stale"]


def read(path, users, lines, rc=0):
    return {"item": {"path": path, "users": [{"name": u, "password": "x" * 12} for u in users]},
            "rc": rc, "stdout_lines": lines}


def test_users_no_longer_listed_per_file():
    reads = {"results": [
        read("/r/htpasswd", ["ci", "hosts"], ["ci", "hosts", "old"]),
        read("/r/htpasswd-push", ["ci"], ["ci", "hosts"]),
    ]}
    assert stale(reads) == [{"path": "/r/htpasswd", "name": "old"}, {"path": "/r/htpasswd-push", "name": "hosts"}]


def test_a_push_user_demoted_to_pull_leaves_the_push_file():
    assert stale([read("/r/htpasswd-push", [], ["ci"])]) == [{"path": "/r/htpasswd-push", "name": "ci"}]


def test_missing_file_and_blank_lines_hold_nobody():
    assert stale([read("/r/htpasswd-push", [], [], rc=1), read("/r/htpasswd", ["ci"], ["", "ci", " "])]) == []


def test_an_item_without_users_is_an_error():
    with pytest.raises(AnsibleFilterError, match="path and users"):
        stale([{"item": {"path": "/r/htpasswd"}, "stdout_lines": ["ci"]}])
