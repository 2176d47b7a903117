"""shared_volume, backend nfs: a real nfsd in one VM, a Docker host mounting it in another.

Every check reads real state: the server's export table and nfsd versions, the client's mount
table, and files written through the NFS mount by consumer containers that reach it only through
the infrastructure container (volumes_from), see docs/field-facts.md#nfs-infrastructure-container.
"""
import json
import os
import shlex
import subprocess
import sys
import uuid

import pytest
import testinfra

SERVER_NAME = "shared_volume_nfs-server"
CLIENT_NAME = "shared_volume_nfs-docker"
SERVER_ADDR = "192.168.77.10"
LIVE_EXPORT, LIVE_PATH, LIVE_CONTAINER = "/srv/nfs/database_live", "/opt/database/live", "nfs_client_opt_database_live"
REF_EXPORT, REF_PATH, REF_CONTAINER = "/srv/nfs/reference", "/opt/reference", "nfs_client_opt_reference"
VOL_NAME, VOL_PATH, VOL_CONTAINER = "reference_vol", "/srv/reference", "nfs_client_srv_reference"
IMAGE = f"labforge/tiny:{os.environ['LABFORGE_SUITE']}"  # set by .config/molecule/config.yml
APP_UID = 1000
NOBODY_UID = 65534


def _host(name):
    return testinfra.get_host("ansible://" + name, ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])


@pytest.fixture(scope="module")
def server():
    return _host(SERVER_NAME)


@pytest.fixture(scope="module")
def client():
    return _host(CLIENT_NAME)


def _consumer(client, script, volumes_from, user=None):
    """Run `sh -c script` in a throwaway container that sees the volume only through volumes_from."""
    return client.run("docker run --rm --network none %s--volumes-from %s %s sh -c %s"
                      % ("--user %d " % user if user is not None else "", volumes_from, IMAGE, shlex.quote(script)))


def _mount(client, path):
    out = client.check_output("findmnt -J -n -o SOURCE,FSTYPE,OPTIONS --mountpoint %s" % path)
    return json.loads(out)["filesystems"][0]


def test_server_exports_only_to_the_named_clients(server):
    exports = server.check_output("exportfs -v")
    flat = " ".join(exports.split())
    assert "%s 192.168.77.11(" % LIVE_EXPORT in flat
    assert "%s 192.168.77.0/24(" % REF_EXPORT in flat
    live = flat.split("%s 192.168.77.11(" % LIVE_EXPORT)[1].split(")")[0].split(",")
    ref = flat.split("%s 192.168.77.0/24(" % REF_EXPORT)[1].split(")")[0].split(",")
    assert "rw" in live and "root_squash" in live and "sync" in live
    assert "ro" in ref and "root_squash" in ref
    assert "*" not in exports


def test_server_is_nfsv4_only(server):
    assert server.service("nfs-server").is_running
    versions = server.file("/proc/fs/nfsd/versions").content_string.split()
    assert "-3" in versions and "+4.2" in versions
    assert server.check_output("systemctl is-enabled rpcbind.socket || true") == "masked"


def _debian_12(host):
    return host.system_info.codename == "bookworm"


def test_selinux_enforcing_with_the_nfs_booleans(server, client):
    # Both VMs enforce Debian's refpolicy, which ships these booleans off: the roles turned them on.
    # Debian 13's container module has its own (container_use_nfs: containers and dockerd's NFS mounts).
    client_booleans = ("virt_use_nfs",) + (() if _debian_12(client) else ("container_use_nfs",))
    for host, booleans in ((server, ("nfs_export_all_ro", "nfs_export_all_rw")), (client, client_booleans)):
        assert host.check_output("getenforce") == "Enforcing"
        for name in booleans:
            assert host.check_output("getsebool %s" % name) == "%s --> on" % name


def test_docker_labels_containers_where_the_policy_can(client):
    # Debian 12's refpolicy has no container_t: docker_host leaves selinux-enabled off (with a warning)
    # instead of a daemon.json that makes every `docker run` fail. Debian 13's has: containers are
    # labelled, and every NFS test below runs with confined containers.
    daemon = json.loads(client.file("/etc/docker/daemon.json").content_string)
    options = client.check_output("docker info --format '{{json .SecurityOptions}}'")
    if _debian_12(client):
        assert "selinux-enabled" not in daemon and "selinux" not in options
    else:
        assert daemon["selinux-enabled"] is True and "name=selinux" in options


def test_selinux_labelling_asked_for_on_such_a_policy_is_refused_before_any_change(client):
    if not _debian_12(client):
        pytest.skip("Debian 13's policy defines container_t: docker_host_selinux: enabled is accepted")
    before = client.file("/etc/docker/daemon.json").sha256sum
    run = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", os.environ["MOLECULE_INVENTORY_FILE"],
         "--limit", CLIENT_NAME, "labforge.virt.docker_hosts", "-e", "docker_host_selinux=enabled"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=900, check=False)
    assert run.returncode != 0, run.stdout[-2000:]
    assert "Check SELinux labelling of containers is possible when asked for" in run.stdout
    assert 'docker_host_selinux is "enabled"' in run.stdout and "does not define container_t" in run.stdout
    assert "changed=0" in run.stdout.split("PLAY RECAP")[-1]
    assert client.file("/etc/docker/daemon.json").sha256sum == before


def test_live_export_is_owned_by_the_app_uid(server):
    assert server.file(LIVE_EXPORT).uid == APP_UID
    assert server.file(LIVE_EXPORT).mode == 0o775


def test_client_mounts_nfs4_with_bounded_timeouts(client):
    live = _mount(client, LIVE_PATH)
    assert live["source"] == "%s:%s" % (SERVER_ADDR, LIVE_EXPORT)
    assert live["fstype"] == "nfs4"
    options = live["options"].split(",")
    assert "rw" in options and "soft" in options and "timeo=100" in options and "vers=4.2" in options
    ref = _mount(client, REF_PATH)
    assert ref["fstype"] == "nfs4" and "ro" in ref["options"].split(",")
    fstab = client.file("/etc/fstab").content_string
    assert "%s:%s %s nfs " % (SERVER_ADDR, LIVE_EXPORT, LIVE_PATH) in fstab
    assert "nofail" in fstab


def test_infrastructure_containers_are_created_not_running(client):
    for name, path, rw in ((LIVE_CONTAINER, LIVE_PATH, True), (REF_CONTAINER, REF_PATH, False)):
        info = json.loads(client.check_output("docker inspect %s" % name))[0]
        assert not info["State"]["Running"]
        assert info["Config"]["Labels"]["org.labforge.shared_volume.backend"] == "nfs"
        mounts = {m["Destination"]: m for m in info["Mounts"]}
        assert mounts[path]["Source"] == path and mounts[path]["RW"] is rw


def test_docker_volume_mode_mounts_the_export_in_consumers(server, client):
    # docker_volume mode: no host mount; Docker mounts the export when a consumer starts.
    volume = json.loads(client.check_output("docker volume inspect %s" % VOL_NAME))[0]
    assert volume["Driver"] == "local"
    assert volume["Options"]["type"] == "nfs" and volume["Options"]["device"] == ":" + REF_EXPORT
    assert "addr=%s" % SERVER_ADDR in volume["Options"]["o"].split(",")
    assert client.run("findmnt --mountpoint %s" % VOL_PATH).rc != 0
    token = uuid.uuid4().hex
    server.check_output("echo %s > %s/vol-%s.txt" % (token, REF_EXPORT, token[:8]))
    read = _consumer(client, "grep -w nfs4 /proc/mounts | grep -c ' %s ' && cat %s/vol-%s.txt" % (VOL_PATH, VOL_PATH, token[:8]),
                     VOL_CONTAINER)
    assert read.rc == 0, read.stderr
    assert read.stdout.split() == ["1", token]
    wrote = _consumer(client, "echo x > %s/x" % VOL_PATH, VOL_CONTAINER)
    assert wrote.rc != 0 and "Read-only file system" in wrote.stderr


def test_file_written_on_the_server_is_read_in_a_consumer(server, client):
    token = uuid.uuid4().hex
    name = "from-server-%s.txt" % token[:8]
    server.check_output("echo %s > %s/%s && chown %d:%d %s/%s" % (token, LIVE_EXPORT, name, APP_UID, APP_UID, LIVE_EXPORT, name))
    read = _consumer(client, "cat %s/%s" % (LIVE_PATH, name), LIVE_CONTAINER + ":ro", user=APP_UID)
    assert read.rc == 0, read.stderr
    assert read.stdout.strip() == token


def test_consumer_write_lands_on_the_server(server, client):
    token = uuid.uuid4().hex
    name = "from-client-%s.txt" % token[:8]
    wrote = _consumer(client, "echo %s > %s/%s" % (token, LIVE_PATH, name), LIVE_CONTAINER, user=APP_UID)
    assert wrote.rc == 0, wrote.stderr
    on_server = server.file("%s/%s" % (LIVE_EXPORT, name))
    assert on_server.content_string.strip() == token
    assert on_server.uid == APP_UID


def test_root_in_a_container_is_squashed(client):
    # root_squash maps uid 0 to nobody, who may not write the app's 0775 directory.
    wrote = _consumer(client, "echo x > %s/as-root" % LIVE_PATH, LIVE_CONTAINER, user=0)
    assert wrote.rc != 0
    assert "Permission denied" in wrote.stderr


def test_read_only_volume_refuses_a_write(client):
    wrote = _consumer(client, "echo x > %s/x" % REF_PATH, REF_CONTAINER)
    assert wrote.rc != 0
    assert "Read-only file system" in wrote.stderr


def test_read_only_export_refuses_a_read_write_mount(server, client):
    # The server enforces `ro` itself: even a client mounting it read-write cannot write.
    server.check_output("echo ref > %s/r.txt" % REF_EXPORT)
    mnt = "/mnt/ro-probe-%s" % uuid.uuid4().hex[:8]
    client.check_output("mkdir -p %s && mount -t nfs4 -o rw,soft,timeo=50 %s:%s %s" % (mnt, SERVER_ADDR, REF_EXPORT, mnt))
    try:
        assert client.file(mnt + "/r.txt").content_string.strip() == "ref"
        wrote = client.run("touch %s/x" % mnt)
        assert wrote.rc != 0
        assert "Read-only file system" in wrote.stderr
    finally:
        client.run("umount %s && rmdir %s" % (mnt, mnt))


def test_unlisted_host_is_refused(server):
    # The server itself (192.168.77.10) is not a client of the live export. NFSv4 hides an export
    # from a client it is not exported to: the server answers "No such file or directory".
    mnt = "/mnt/denied-%s" % uuid.uuid4().hex[:8]
    tried = server.run("mkdir -p %s && mount -t nfs4 -o soft,timeo=50,retry=0 %s:%s %s" % (mnt, SERVER_ADDR, LIVE_EXPORT, mnt))
    server.run("umount %s; rmdir %s" % (mnt, mnt))
    assert tried.rc != 0
    assert "reason given by server: no such file or directory" in tried.stderr.lower(), tried.stderr


def _playbook_on(limit, playbook, extra_vars):
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", os.environ["MOLECULE_INVENTORY_FILE"],
         "--limit", limit, playbook, "-e", json.dumps(extra_vars)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=1200, check=False)


def _boolean(host, name):
    return host.check_output("getsebool %s" % name).split("-->")[1].strip()


SCENARIO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _playbook_json(playbook, extra_vars=None, extra_args=()):
    """ansible-playbook on the docker host with the json callback: (returncode, parsed result, raw output)."""
    argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", os.environ["MOLECULE_INVENTORY_FILE"],
            "--limit", CLIENT_NAME, os.path.join(SCENARIO, playbook)] + list(extra_args)
    if extra_vars is not None:
        argv += ["-e", json.dumps(extra_vars)]
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_CALLBACKS_ENABLED="ansible.posix.json")
    run = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=1800,
                         check=False, env=env)
    start = run.stdout.find("{\n")
    assert start >= 0, (run.stdout + run.stderr)[-3000:]
    result = json.JSONDecoder().raw_decode(run.stdout[start:])[0]
    return run.returncode, result, run.stdout + run.stderr


def _task_results(result, name):
    """The docker host's results of every task called `name` (any role's), in run order."""
    return [task["hosts"][CLIENT_NAME] for play in result["plays"] for task in play["tasks"]
            if task["task"]["name"].split(" : ")[-1] == name and CLIENT_NAME in task["hosts"]]


def _volume(client, name):
    return json.loads(client.check_output("docker volume inspect %s" % name))[0]


def _container_id(client, name):
    return client.check_output("docker inspect --format '{{.Id}}' %s" % name)


def _export_listing(server, export):
    """Every file under an export with its checksum, as the server sees it."""
    return server.check_output("cd %s && find . -type f -print0 | sort -z | xargs -0 -r sha256sum" % export)


# Issue 17: Docker cannot change a volume's options in place; the role recreates the volume (and the
# infrastructure container holding it) when they change, and only then.
def test_changed_nfs_options_recreate_the_docker_volume_and_only_then(server, client):
    token = uuid.uuid4().hex
    server.check_output("echo %s > %s/options-%s.txt" % (token, REF_EXPORT, token[:8]))
    before, container_before = _volume(client, VOL_NAME), _container_id(client, VOL_CONTAINER)
    listing_before = _export_listing(server, REF_EXPORT)
    changed_options = {"shared_volume_nfs_mount_options": [
        "soft", "timeo=50", "retrans=3", "actimeo=7", "retry=1", "_netdev", "nofail", "x-systemd.mount-timeout=30s"]}
    try:
        rc, changed, output = _playbook_json("volume_options.yml", changed_options)
        assert rc == 0, output[-3000:]
        assert changed["stats"][CLIENT_NAME]["changed"] > 0
        after, container_after = _volume(client, VOL_NAME), _container_id(client, VOL_CONTAINER)
        o = after["Options"]["o"].split(",")
        assert "actimeo=7" in o and "timeo=50" in o and "timeo=100" not in o
        assert {k: v for k, v in after["Options"].items() if k != "o"} == {k: v for k, v in before["Options"].items() if k != "o"}
        assert after["CreatedAt"] != before["CreatedAt"]
        assert container_after != container_before
        # A consumer mounts the recreated volume with the new options and reads the data unchanged.
        read = _consumer(client, "grep ' %s nfs4 ' /proc/mounts && cat %s/options-%s.txt" % (VOL_PATH, VOL_PATH, token[:8]),
                         VOL_CONTAINER)
        assert read.rc == 0, read.stderr
        mounted = read.stdout.splitlines()[0].split()[3].split(",")
        assert "timeo=50" in mounted and "acregmin=7" in mounted and "acdirmax=7" in mounted, mounted
        assert read.stdout.splitlines()[-1] == token
        assert _export_listing(server, REF_EXPORT) == listing_before

        rc, again, output = _playbook_json("volume_options.yml", changed_options)
        assert rc == 0, output[-3000:]
        assert again["stats"][CLIENT_NAME]["changed"] == 0
        assert _volume(client, VOL_NAME)["CreatedAt"] == after["CreatedAt"]
        assert _container_id(client, VOL_CONTAINER) == container_after
    finally:
        rc, restored, output = _playbook_json("volume_options.yml")
        assert rc == 0, output[-3000:]
        assert _volume(client, VOL_NAME)["Options"] == before["Options"]
        server.run("rm -f %s/options-%s.txt" % (REF_EXPORT, token[:8]))


DB_MOUNT = "/srv/db-nfs"
DB_CONTAINER = "db2-nfs-probe"
SOFT_NFS_TASK = "Refuse data on a soft NFS mount"


def _db_host_state(server, client):
    """What a db2 run could leave behind: containers, images, host paths, files on the export."""
    return {
        "containers": client.check_output("docker ps -a --format '{{.Names}} {{.ID}}' | sort"),
        "images": client.check_output("docker images -a --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}' | sort"),
        "mount": client.check_output("find %s -xdev | sort" % DB_MOUNT),
        "etc": client.check_output("find /etc/labforge -maxdepth 2 2>/dev/null | sort; true"),
        "export": server.check_output("find %s | sort" % LIVE_EXPORT),
    }


def _db2_on_nfs(tmp_path, extra_args=()):
    """Run the db2 role with its data directory under DB_MOUNT (a generated password, in a 0600 file)."""
    password = "Nfs-%s-q7" % uuid.uuid4().hex[:14]
    secrets = tmp_path / "db2-vars.json"
    secrets.touch(mode=0o600)
    secrets.write_text(json.dumps({
        "db2_license_accept": True, "db2_password": password, "db2_container_name": DB_CONTAINER,
        "db2_data_dir": DB_MOUNT + "/db2/data"}))
    rc, result, output = _playbook_json("db2_data_dir.yml", extra_args=["-e", "@%s" % secrets] + list(extra_args))
    assert password not in output  # no_log: the secret stays out of the output
    return rc, result, output


@pytest.fixture
def nfs_mount(client):
    def mount(options):
        client.check_output("mkdir -p %s && mount -t nfs4 -o %s %s:%s %s" % (DB_MOUNT, options, SERVER_ADDR, LIVE_EXPORT, DB_MOUNT))
        assert _mount(client, DB_MOUNT)["fstype"] == "nfs4"
    yield mount
    client.run("umount %s; rmdir %s" % (DB_MOUNT, DB_MOUNT))


# Issue 18: database data on a soft NFS mount is refused, through the role, before anything changes.
def test_db2_data_on_a_soft_nfs_mount_is_refused_before_any_change(server, client, nfs_mount, tmp_path):
    nfs_mount("soft,timeo=50,retrans=2")
    before = _db_host_state(server, client)
    rc, result, output = _db2_on_nfs(tmp_path)
    assert rc != 0, output[-3000:]
    refused = _task_results(result, SOFT_NFS_TASK)
    assert len(refused) == 1 and refused[0].get("failed") is True, output[-3000:]
    assert "%s/db2/data is on a soft NFS mount (nfs4 %s:%s at %s)" % (DB_MOUNT, SERVER_ADDR, LIVE_EXPORT, DB_MOUNT) \
        in refused[0]["msg"]
    assert "db2_data_allow_soft_nfs: true" in refused[0]["msg"]
    stats = result["stats"][CLIENT_NAME]
    assert stats["failures"] == 1 and stats["changed"] == 0
    assert not _task_results(result, "Check that the data filesystem accepts O_DIRECT")
    assert _db_host_state(server, client) == before
    assert client.run("docker inspect %s" % DB_CONTAINER).rc != 0


def test_db2_data_on_a_hard_nfs_mount_passes_the_soft_mount_check(server, client, nfs_mount, tmp_path):
    # Check mode, configure steps only: the soft-mount check and the O_DIRECT probe run for real, the
    # rest only reports what it would change.
    nfs_mount("hard,timeo=50,retrans=2")
    before = _db_host_state(server, client)
    rc, result, output = _db2_on_nfs(tmp_path, ["--check", "--tags", "db2_configure"])
    passed = _task_results(result, SOFT_NFS_TASK)
    assert len(passed) == 1 and not passed[0].get("failed"), output[-3000:]
    assert "(NFS, hard)" in passed[0]["msg"]
    reached = _task_results(result, "Check that the data filesystem accepts O_DIRECT")
    assert len(reached) == 1, output[-3000:]
    assert _db_host_state(server, client) == before


# Last in the file: it takes the live export away for a while and gives it back.
def test_a_boolean_the_role_granted_is_withdrawn_with_the_last_rw_export(server):
    reference_only = {"nfs_server_exports": [{"path": REF_EXPORT, "clients": [{"host": "192.168.77.0/24"}]}]}
    withdrawn = _playbook_on(SERVER_NAME, "labforge.virt.nfs_servers", reference_only)
    assert withdrawn.returncode == 0, withdrawn.stdout[-3000:]
    assert _boolean(server, "nfs_export_all_rw") == "off"
    assert _boolean(server, "nfs_export_all_ro") == "on"
    ledger = json.loads(server.file("/var/lib/labforge/selinux-booleans.json").content_string)["booleans"]
    assert ledger == {"nfs_export_all_ro": {"before": False, "owners": ["nfs_server"]}}

    restored = _playbook_on(SERVER_NAME, "labforge.virt.nfs_servers", {})
    assert restored.returncode == 0, restored.stdout[-3000:]
    assert _boolean(server, "nfs_export_all_rw") == "on"
    assert "192.168.77.11(" in server.check_output("exportfs -v")
