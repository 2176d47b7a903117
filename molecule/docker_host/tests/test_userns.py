"""userns-remap applied for real (userns.yml, run by the conftest's `userns` fixture): the
container's root is the remap user's first subordinate id on the host, and so is the owner of
what it writes into a volume; withdrawn, the engine runs without the remap again."""

import re


def remap_start(subuid):
    match = re.search(r"^dockremap:(\d+):65536$", subuid, re.M)
    assert match, subuid
    return int(match.group(1))


def test_container_root_maps_to_the_remap_range(userns):
    start = remap_start(userns["subuid"])
    # /proc/self/uid_map inside the container: "0 <first host id> <count>".
    assert userns["uid_map"].split() == ["0", str(start), "65536"]
    assert userns["root_dir"].endswith("/%d.%d" % (start, start))


def test_volume_written_by_container_root_is_owned_by_the_remap_user(userns):
    start = remap_start(userns["subuid"])
    assert (userns["file_uid"], userns["file_gid"]) == (start, start)


def test_remap_withdrawn(userns):
    assert "userns-remap" not in userns["daemon_json_after"]
    assert userns["root_dir_after"] == "/var/lib/docker"
