# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""labforge.virt.nfs_export_problems / nfs_export_lines."""

import pytest

from ansible_collections.labforge.virt.plugins.filter.nfs import FilterModule

F = FilterModule().filters()
DEFAULTS = ["ro", "root_squash", "sync", "no_subtree_check"]


def problems(host, options=None, force=False, path="/srv/nfs/data"):
    export = {"path": path, "clients": [{"host": host, "options": options or []}]}
    if force:
        export.update(force=True, force_reason="public mirror")
    return F["nfs_export_problems"]([export], DEFAULTS)


@pytest.mark.parametrize("host", ["192.168.10.0/24", "192.168.10.7", "10.0.0.0/255.0.0.0", "2001:db8::/64",
                                  "backup.example.org", "nfs-client1", "@trusted", "::ffff:10.1.2.0/120"])
def test_named_clients_pass(host):
    assert problems(host) == []


@pytest.mark.parametrize("host", ["*", "*.example.org", "host?", "", "0.0.0.0/0", "10.0.0.0/0", "0.0.0.0/00",
                                  "0.0.0.0/0.0.0.0", "0::/0", "::/0", "::ffff:0:0/96", "10.0.0.0/7", "2000::/3"])
def test_world_exports_need_force(host):
    found = problems(host)
    assert len(found) == 1 and "refused:" in found[0] and "force: true" in found[0], found
    assert problems(host, force=True) == []


@pytest.mark.parametrize("host", ["0/0", "010.0.0.1", "10.0.0.0/33", "2001:db8::/129", "a b", "host(rw)", "1.2.3"])
def test_malformed_clients_are_refused_even_with_force(host):
    assert problems(host, force=True), host


@pytest.mark.parametrize("options,word", [
    (["no_root_squash"], "no_root_squash"),
    (["insecure"], "insecure accepts requests"),
    (["all_squash", "anonuid=0"], "anonuid=0"),
    (["all_squash", "anongid=00"], "anongid=0"),
    (["anonuid=0", "anongid=0"], "anonuid and anongid=0"),
])
def test_dangerous_options_need_force(options, word):
    found = problems("192.168.10.0/24", options)
    assert any(word in p for p in found), found
    assert problems("192.168.10.0/24", options, force=True) == []


def test_unprivileged_anonuid_passes():
    assert problems("192.168.10.0/24", ["all_squash", "anonuid=65534", "anongid=65534"]) == []


@pytest.mark.parametrize("path", ["/srv/nfs/data\n", "/srv/nfs/../etc", "/srv/./x", "srv/nfs", "/srv/nfs data", "/", "/srv/nfs/a\n192.168.0.0/16"])
def test_paths_must_match_as_a_whole(path):
    found = problems("192.168.10.0/24", path=path)
    assert any("the path must be absolute" in p for p in found), found


def test_options_must_match_as_a_whole():
    found = problems("192.168.10.0/24", ["rw\n"])
    assert any("not plain exports(5) options" in p for p in found), found


def test_force_needs_a_reason_and_paths_are_unique():
    exports = [{"path": "/srv/a", "force": True, "clients": [{"host": "*"}]},
               {"path": "/srv/a", "clients": [{"host": "10.1.0.0/16"}]}]
    found = F["nfs_export_problems"](exports, DEFAULTS)
    assert any("needs force_reason" in p for p in found) and any("listed twice" in p for p in found), found


def test_lines_merge_options_by_kind():
    exports = [{"path": "/srv/nfs/db",
                "clients": [{"host": "192.168.10.0/24", "options": ["rw"]}, {"host": "backup.example.org"}]},
               {"path": "/srv/open", "force": True, "force_reason": "mirror\nread-only",
                "clients": [{"host": "*", "options": ["all_squash"]}]}]
    assert F["nfs_export_lines"](exports, DEFAULTS) == [
        "/srv/nfs/db 192.168.10.0/24(rw,root_squash,sync,no_subtree_check) backup.example.org(ro,root_squash,sync,no_subtree_check)",
        "# FORCED: mirror read-only",
        "/srv/open *(all_squash,ro,root_squash,sync,no_subtree_check)",
    ]


# --- nfs_recovery_mode / nfs_mount_option_list (issue 18: soft NFS under databases) ------------

@pytest.mark.parametrize("options,mode", [
    ([], "hard"),                                   # nfs(5): hard is the default
    (None, "hard"),
    (["timeo=100", "retrans=3"], "hard"),            # no soft given: hard, although only `hard` was refused before
    (["soft", "timeo=100"], "soft"),
    (["softerr"], "softerr"),
    (["soft", "hard"], "hard"),                      # the last one wins
    (["hard", "soft"], "soft"),
    (["hard", "softerr", "soft"], "soft"),
    (["soft,hard"], "hard"),                         # one comma string, as mount -o takes it
    ("soft,timeo=100,hard", "hard"),
    ("rw,vers=4.2,soft,proto=tcp", "soft"),          # mountinfo super options
    (["timeo=100", "hard,soft"], "soft"),
    (["softreval"], "hard"),                         # another option, not a recovery mode
    (["soft", "softreval"], "soft"),
    ([" soft ", ""], "soft"),
    (["Soft"], "hard"),                              # the kernel's parser knows no "Soft"
])
def test_recovery_mode_is_the_kernels(options, mode):
    assert F["nfs_recovery_mode"](options) == mode


def test_mount_option_list_splits_commas():
    assert F["nfs_mount_option_list"](["soft", "rw,timeo=100", ",", ""]) == ["soft", "rw", "timeo=100"]
    assert F["nfs_mount_option_list"]("ro,hard") == ["ro", "hard"]


@pytest.mark.parametrize("options", [{"soft": True}, ["soft", 7], 3])
def test_unreadable_options_fail_the_task_with_the_filter_name(options):
    from ansible.errors import AnsibleFilterError
    with pytest.raises(AnsibleFilterError, match="labforge.virt.nfs_recovery_mode: .*"):
        F["nfs_recovery_mode"](options)
