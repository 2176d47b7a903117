"""shared_volume, backend syncthing, as the lab runs it: one folder shared by the two docker hosts.

Per-host checks look at what the role left on each host; the cross-host check writes through a
consumer container (volumes_from) on one host and waits, bounded, for the file on the other.
"""

import json
import os
import shlex
import time
import uuid
import xml.etree.ElementTree as ET

import pytest

from conftest import DOCKER1, DOCKER2, get_host

HOSTS = (DOCKER1, DOCKER2)
CONTAINER = "syncthing_lab_data"
PATH = "/srv/lab/data"
DATA_DIR = "/srv/shared_volume/lab_data"
CONFIG = "/var/lib/labforge/shared_volume/lab_data/syncthing/config.xml"
IMAGE = f"labforge/syncthing:{os.environ['LABFORGE_SUITE']}"  # also serves as the consumer image (it has a shell)
WAIT_S = 90


def _consumer(host, script, volumes_from=CONTAINER):
    return host.run("docker run --rm --network none --volumes-from %s %s sh -c %s"
                    % (volumes_from, IMAGE, shlex.quote(script)))


@pytest.mark.parametrize("name", HOSTS)
def test_container_runs_unprivileged_with_the_volume(name):
    host = get_host(name)
    info = json.loads(host.check_output("docker inspect %s" % CONTAINER))[0]
    assert info["State"]["Running"]
    assert info["Config"]["User"] == "1000:1000"
    assert info["HostConfig"]["Privileged"] is False
    assert info["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    mounts = {m["Destination"]: m for m in info["Mounts"]}
    assert mounts[PATH]["Source"] == DATA_DIR and mounts[PATH]["RW"]
    assert [b["HostPort"] for b in info["HostConfig"]["PortBindings"]["22000/tcp"]] == ["22000"]
    assert host.check_output("docker exec %s id -u" % CONTAINER) == "1000"


@pytest.mark.parametrize("name", HOSTS)
def test_config_has_no_discovery_nor_relays_and_both_devices(name):
    root = ET.fromstring(get_host(name).file(CONFIG).content_string)
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
    peers = [d for d in devices.values() if d.get("name") != name]
    assert len(peers) == 1
    assert peers[0].findtext("address").startswith("tcp://") and peers[0].findtext("address").endswith(":22000")


@pytest.mark.parametrize("name", HOSTS)
def test_peer_is_connected(name):
    out = get_host(name).check_output(
        "docker exec %s syncthing cli --home=/var/syncthing/config show connections" % CONTAINER)
    connected = [k for k, v in json.loads(out)["connections"].items() if v["connected"]]
    assert len(connected) == 1


@pytest.mark.parametrize("src,dst", [HOSTS, HOSTS[::-1]], ids=["docker1-to-docker2", "docker2-to-docker1"])
def test_file_written_on_one_host_appears_on_the_other(src, dst):
    writer, reader = get_host(src), get_host(dst)
    token = uuid.uuid4().hex
    name = "%s/lab-test-%s" % (PATH, token[:8])
    assert not reader.file(DATA_DIR + name[len(PATH):]).exists
    wrote = _consumer(writer, "echo %s > %s" % (token, name))
    assert wrote.rc == 0, wrote.stderr
    start = time.monotonic()
    read = _consumer(reader, "i=0; while [ $i -lt %d ]; do [ -f %s ] && exec cat %s; i=$((i+1)); sleep 1; done; exit 1"
                     % (WAIT_S, name, name), volumes_from=CONTAINER + ":ro")
    assert read.rc == 0, "%s did not reach %s within %d s" % (name, dst, WAIT_S)
    assert read.stdout.strip() == token
    print("%s -> %s in %.1f s" % (src, dst, time.monotonic() - start))
    _consumer(writer, "rm -f %s" % name)


@pytest.mark.parametrize("name", HOSTS)
def test_read_only_consumer_cannot_write(name):
    out = _consumer(get_host(name), "touch %s/ro-consumer" % PATH, volumes_from=CONTAINER + ":ro")
    assert out.rc != 0
    assert "Read-only file system" in out.stderr
