# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""labforge.virt.bind_sources_digest: the digest a registry container carries of its bind sources."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.labforge.virt.plugins.filter.bind_mounts import FilterModule

digest = FilterModule().filters()["bind_sources_digest"]


def stat(path, kind="file", inode=11, checksum="a" * 64):
    if kind == "absent":
        return {"item": path, "changed": False, "stat": {"exists": False}}
    st = {"exists": True, "path": path, "inode": inode, "isdir": kind == "dir", "isreg": kind == "file"}
    if kind == "file" and checksum:
        st["checksum"] = checksum
    return {"item": path, "changed": False, "stat": st}


def loop(*results):
    return {"changed": False, "results": list(results)}


def test_same_files_same_digest_in_any_order():
    a, b = stat("/c/config.yml"), stat("/c/htpasswd", inode=12)
    value = digest(loop(a, b))
    assert value.startswith("sha256:") and len(value) == 7 + 64
    assert digest(loop(b, a)) == value == digest([a, b])


@pytest.mark.parametrize("other", [
    stat("/c/htpasswd", checksum="b" * 64),  # content changed in place
    stat("/c/htpasswd", inode=99),  # replaced by rename (even with the same bytes)
    stat("/c/htpasswd", kind="dir"),  # dockerd made a directory of the missing source
    stat("/c/htpasswd", kind="absent"),
    stat("/c/other"),
])
def test_any_change_of_a_source_changes_the_digest(other):
    assert digest(loop(stat("/c/htpasswd"))) != digest(loop(other))


def test_pending_differs_from_every_digest():
    assert digest(loop(stat("/c/htpasswd")), pending=True) == "pending"
    assert digest(loop(stat("/c/htpasswd")), pending=False).startswith("sha256:")


def test_path_from_the_invocation_when_no_item():
    res = {"stat": {"exists": False}, "invocation": {"module_args": {"path": "/c/x"}}}
    assert digest(res) == digest(loop(stat("/c/x", kind="absent")))


@pytest.mark.parametrize("bad,message", [
    (loop(stat("/c/htpasswd", checksum=None)), "get_checksum"),
    (loop({"item": "/c/x", "skipped": True, "changed": False}), "skipped or failed"),
    (loop({"stat": {"exists": False}}), "names no path"),
    (loop(), "expected the results"),
    ("/c/x", "expected the results"),
])
def test_unusable_input_fails_the_task(bad, message):
    with pytest.raises(AnsibleFilterError, match="labforge.virt.bind_sources_digest: .*" + message):
        digest(bad)
