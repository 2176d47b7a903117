"""shared_volume, backend resilio: the rendered sync.conf and the container the role runs.

The resilio/sync image cannot be pulled here, so this runs the role's own tasks (preflight,
then resilio_config.yml: directories, peer endpoints, sync.conf) for three local inventory
hosts, two read-write and one read-only, and reads back what they wrote and the container
spec the role hands to community.docker.docker_container.
"""

import hashlib
import json

import pytest

from role_playbook import run_playbook  # pylint: disable=import-error

RW_KEY = "AGWZLQ4RPJ2XKB7MVTN3DHC6YSE5FU4IO"
RO_KEY = "BQ7NH2XKPJ4LMV6RZT3CWD5YSGEFAU2IO"
HOSTS = {"dock-a": "10.20.0.11", "dock-b": "10.20.0.12", "dock-c": "10.20.0.13"}
READ_ONLY = {"dock-c"}
REBUILT = "dock-b"

PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Preflight
      ansible.builtin.include_role:
        name: labforge.virt.shared_volume
        tasks_from: preflight.yml
        public: true
    - name: Render
      ansible.builtin.include_role:
        name: labforge.virt.shared_volume
        tasks_from: resilio_config.yml
        public: true
    - name: Record the container spec
      ansible.builtin.copy:
        content: "{{ __shared_volume_resilio_container_spec | to_nice_json }}"
        dest: "{{ out_dir }}/spec.json"
        mode: "0600"
    - name: Stop before handlers (no Docker engine in unit tests)
      ansible.builtin.meta: end_play
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("resilio")
    hosts = {}
    for name, addr in HOSTS.items():
        base = tmp / name
        base.mkdir()
        if name == REBUILT:
            # What dockerd leaves when it starts the container before the file exists (rebuilt root).
            (base / "state" / "sync.conf").mkdir(parents=True)
        hosts[name] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": "{{ ansible_playbook_python }}",
            "out_dir": str(base),
            "shared_volume_address": addr,
            "shared_volume_state_dir": str(base / "state"),
            "shared_volume_data_dir": str(base / "data"),
            "shared_volume_read_only": name in READ_ONLY,
            "ansible_facts": {"selinux": {"status": "disabled"}, "os_family": "Debian"},
        }
        if name in READ_ONLY:
            hosts[name]["shared_volume_resilio_read_only_secret"] = RO_KEY
        else:
            hosts[name]["shared_volume_resilio_secret"] = RW_KEY
    inventory = json.dumps({"all": {
        "hosts": hosts,
        "vars": {"shared_volume_name": "database_live", "shared_volume_container_path": "/opt/database/live",
                 "shared_volume_backend": "resilio"},
    }})
    proc = run_playbook(tmp, PLAY, inventory)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    result = {}
    for name in HOSTS:
        base = tmp / name
        result[name] = {
            "conf_text": (base / "state" / "sync.conf").read_text(),
            "conf_path": str(base / "state" / "sync.conf"),
            "conf_is_file": (base / "state" / "sync.conf").is_file(),
            "conf_inode": (base / "state" / "sync.conf").stat().st_ino,
            "conf_mode": (base / "state" / "sync.conf").stat().st_mode & 0o777,
            "conf_owner": ((base / "state" / "sync.conf").stat().st_uid, (base / "state" / "sync.conf").stat().st_gid),
            "spec": json.loads((base / "spec.json").read_text()),
            "storage_mode": (base / "state" / "resilio").stat().st_mode & 0o777,
            "data_uid": (base / "data").stat().st_uid,
        }
    result["_output"] = out
    return result


@pytest.mark.parametrize("name", sorted(HOSTS))
def test_sync_conf_is_json_with_one_folder(rendered, name):
    conf = json.loads(rendered[name]["conf_text"])
    assert conf["device_name"] == name
    assert conf["listening_port"] == 55555
    assert conf["storage_path"] == "/mnt/sync/storage"
    assert conf["use_upnp"] is False and conf["check_for_updates"] is False
    assert "webui" not in conf  # no web UI: the folder is defined by the file only
    assert len(conf["shared_folders"]) == 1
    folder = conf["shared_folders"][0]
    assert folder["dir"] == "/opt/database/live"
    assert folder["use_relay_server"] is False
    assert folder["use_tracker"] is False
    assert folder["search_lan"] is True


@pytest.mark.parametrize("name", sorted(HOSTS))
def test_known_hosts_are_the_other_hosts(rendered, name):
    folder = json.loads(rendered[name]["conf_text"])["shared_folders"][0]
    expected = sorted("%s:55555" % addr for host, addr in HOSTS.items() if host != name)
    assert sorted(folder["known_hosts"]) == expected


@pytest.mark.parametrize("name", sorted(HOSTS))
def test_read_only_hosts_get_only_the_read_only_key(rendered, name):
    text = rendered[name]["conf_text"]
    folder = json.loads(text)["shared_folders"][0]
    if name in READ_ONLY:
        assert folder["secret"] == RO_KEY
        assert RW_KEY not in text
    else:
        assert folder["secret"] == RW_KEY


def test_keys_never_reach_the_output(rendered):
    assert RW_KEY not in rendered["_output"] and RO_KEY not in rendered["_output"]


@pytest.mark.parametrize("name", sorted(HOSTS))
def test_files_are_private(rendered, name):
    # The folder key is for rslsync's uid alone, not for the group 1000 of a host's first user.
    assert rendered[name]["conf_mode"] == 0o400
    assert rendered[name]["conf_owner"] == (1000, 0)
    assert rendered[name]["storage_mode"] == 0o700
    assert rendered[name]["data_uid"] == 1000


def test_a_directory_dockerd_left_at_sync_conf_is_replaced_by_the_file(rendered):
    assert rendered[REBUILT]["conf_is_file"]
    assert "labforge.virt.docker_host : Remove the empty directories dockerd left there" in rendered["_output"]


@pytest.mark.parametrize("name", sorted(HOSTS))
def test_container_spec(rendered, name):
    spec = rendered[name]["spec"]
    state = "%s/state" % rendered[name]["spec"]["volumes"][0].split("/state/")[0]
    assert spec["name"] == "resilio_database_live"
    assert spec["image"] == "resilio/sync"
    assert spec["user"] == "1000:1000"  # not root
    assert spec["entrypoint"] == ["rslsync"]
    assert spec["command"] == ["--nodaemon", "--config", "/mnt/sync/sync.conf"]
    assert spec["volumes"] == [
        "%s/sync.conf:/mnt/sync/sync.conf:ro" % state,
        "%s/resilio:/mnt/sync/storage:rw" % state,
        "%s/data:/opt/database/live:rw" % state[: -len("/state")],
    ]
    assert spec["published_ports"] == ["55555:55555/tcp", "55555:55555/udp"]
    assert spec["restart_policy"] == "unless-stopped"
    assert "privileged" not in spec and "network_mode" not in spec  # no --privileged, no --net=host


@pytest.mark.parametrize("name", sorted(HOSTS))
def test_a_new_sync_conf_recreates_the_container(rendered, name):
    # The container carries the digest of sync.conf as written (path, inode, SHA-256), so
    # docker_container recreates it (binding the new file) whenever the file changes, with no
    # handler a killed run could lose.
    labels = rendered[name]["spec"]["labels"]
    conf = rendered[name]["conf_path"]
    state = "%s\tfile %d %s" % (conf, rendered[name]["conf_inode"], hashlib.sha256(rendered[name]["conf_text"].encode()).hexdigest())
    assert labels["org.labforge.config-digest"] == "sha256:" + hashlib.sha256(state.encode()).hexdigest()
