"""shared_volume, backend syncthing: one folder shared by two Docker hosts.

Per-host tests (`host` fixture) check what the role left on each host; the cross-host tests
write through a consumer container (volumes_from) on one host and wait, bounded, for the file
in a consumer container on the other.
"""

import json
import shlex
import time
import uuid
import xml.etree.ElementTree as ET

import pytest
import testinfra

HOSTS = ("shared_volume_syncthing-a", "shared_volume_syncthing-b")
CONTAINER = "syncthing_lab_data"
PATH = "/srv/lab/data"
DATA_DIR = "/srv/shared_volume/lab_data"
CONFIG = "/var/lib/labforge/shared_volume/lab_data/syncthing/config.xml"
IMAGE = "labforge/syncthing:bookworm"  # also serves as the consumer image (it has a shell)
WAIT_S = 60


def _inspect(host, name):
    return json.loads(host.check_output("docker inspect %s" % name))[0]


def test_container_runs_unprivileged_with_the_volume(host):
    info = _inspect(host, CONTAINER)
    assert info["State"]["Running"]
    assert info["Config"]["User"] == "1000:1000"
    assert info["HostConfig"]["Privileged"] is False
    assert info["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    mounts = {m["Destination"]: m for m in info["Mounts"]}
    assert mounts[PATH]["Source"] == DATA_DIR and mounts[PATH]["RW"]
    assert [b["HostPort"] for b in info["HostConfig"]["PortBindings"]["22000/tcp"]] == ["22000"]
    assert host.check_output("docker exec %s id -u" % CONTAINER) == "1000"


def test_config_has_no_discovery_nor_relays_and_both_devices(host):
    root = ET.fromstring(host.file(CONFIG).content_string)
    options = root.find("options")
    assert options.findtext("globalAnnounceEnabled") == "false"
    assert options.findtext("relaysEnabled") == "false"
    assert options.findtext("localAnnounceEnabled") == "false"
    folders = root.findall("folder")
    assert [f.get("id") for f in folders] == ["lab_data"]
    assert folders[0].get("path") == PATH and folders[0].get("type") == "sendreceive"
    folder_devices = {d.get("id") for d in folders[0].findall("device")}
    devices = {d.get("id"): d for d in root.findall("device")}
    assert len(folder_devices) == 2 and folder_devices == set(devices)
    me = host.backend.get_hostname()
    peers = [d for d in devices.values() if d.get("name") != me]
    assert len(peers) == 1
    assert peers[0].findtext("address").startswith("tcp://") and peers[0].findtext("address").endswith(":22000")


def test_peer_is_connected(host):
    out = host.check_output(
        "docker exec %s syncthing cli --home=/var/syncthing/config show connections" % CONTAINER)
    connected = [k for k, v in json.loads(out)["connections"].items() if v["connected"]]
    assert len(connected) == 1


def _consumer(host, args, volumes_from=CONTAINER):
    return host.run("docker run --rm --network none --volumes-from %s %s sh -c %s"
                    % (volumes_from, IMAGE, shlex.quote(args)))


@pytest.mark.parametrize("src,dst", [(HOSTS[0], HOSTS[1]), (HOSTS[1], HOSTS[0])], ids=["a-to-b", "b-to-a"])
def test_file_written_on_one_host_appears_on_the_other(src, dst):
    writer = testinfra.get_host("docker://" + src)
    reader = testinfra.get_host("docker://" + dst)
    token = uuid.uuid4().hex
    name = "%s/from-%s-%s.txt" % (PATH, src[-1], token[:8])
    assert not reader.file(DATA_DIR + name[len(PATH):]).exists
    wrote = _consumer(writer, "echo %s > %s" % (token, name))
    assert wrote.rc == 0, wrote.stderr
    start = time.monotonic()
    read = _consumer(reader, "i=0; while [ $i -lt %d ]; do [ -f %s ] && exec cat %s; i=$((i+1)); sleep 1; done; exit 1"
                     % (WAIT_S, name, name), volumes_from=CONTAINER + ":ro")
    elapsed = time.monotonic() - start
    assert read.rc == 0, "%s did not reach %s within %d s" % (name, dst, WAIT_S)
    assert read.stdout.strip() == token
    print("%s -> %s in %.1f s" % (src, dst, elapsed))


def test_read_only_consumer_cannot_write(host):
    out = _consumer(host, "touch %s/ro-consumer" % PATH, volumes_from=CONTAINER + ":ro")
    assert out.rc != 0
    assert "Read-only file system" in out.stderr
