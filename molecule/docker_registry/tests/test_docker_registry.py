"""labforge.virt.docker_registry on real hosts: a registry host and two docker hosts (Docker inside).

The tests talk across hosts (push on A, pull on B, look at the storage on the registry), so they
open the three hosts themselves and run once, not once per host. Two endpoints on one storage:
the read-only pull endpoint (port 5000, every user, the docker hosts' login) and the push endpoint
(port 5001, users with access push; host-a alone logs in there).
"""

import json
import os
import secrets
import subprocess
import sys
import time

import pytest
import testinfra

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
SCENARIO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUITE = os.environ["LABFORGE_SUITE"]  # set by .config/molecule/config.yml
CONTAINER = "registry"
PUSH_CONTAINER = "registry-push"
VOLUME = "registry-data"
CONFIG_DIR = "/etc/labforge/registry"
MANIFEST_TYPES = ",".join([
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
])


def _host(name):
    return testinfra.get_host("ansible://" + name, ansible_inventory=INVENTORY)


REG = _host("docker_registry-registry")
HOST_A = _host("docker_registry-host-a")
HOST_B = _host("docker_registry-host-b")


def ok(host, cmd, *args):
    """Run a command that must succeed and return its stdout."""
    res = host.run(cmd, *args)
    assert res.rc == 0, "%s\nrc=%s\nstdout=%s\nstderr=%s" % (res.command, res.rc, res.stdout, res.stderr)
    return res.stdout


def _registry_ip():
    src = ok(REG, "ip -4 route get 1.1.1.1").split()
    return src[src.index("src") + 1]


@pytest.fixture(scope="module")
def address():
    """The pull endpoint (read-only)."""
    return _registry_ip() + ":5000"


@pytest.fixture(scope="module")
def push_address():
    return _registry_ip() + ":5001"


@pytest.fixture(scope="module")
def users():
    return REG.ansible.get_variables()["docker_registry_users"]


def _user(users, access):
    return [u for u in users if u.get("access", "pull") == access][0]


@pytest.fixture(scope="module")
def auth(users):
    """A pull user's credentials (what the docker hosts hold)."""
    user = _user(users, "pull")
    return "%s:%s" % (user["name"], user["password"])


@pytest.fixture(scope="module")
def push_auth(users):
    user = _user(users, "push")
    return "%s:%s" % (user["name"], user["password"])


def pulled_as(ref, address):
    """The same image reference on another endpoint of the registry."""
    return address + "/" + ref.split("/", 1)[1]


def ca_file(address):
    return "/etc/docker/certs.d/%s/ca.crt" % address


def curl(host, address, path, *extra):
    """HTTP status code of a request to the registry from a docker host, TLS checked against its CA."""
    cmd = "curl -sS -o /dev/null -w '%%{http_code}' --cacert %s" % ca_file(address)
    for arg in extra:
        cmd += " " + arg
    return ok(host, cmd + " https://%s%s" % (address, path)).strip()


def build_image(host, tag, platform="linux/amd64"):
    """A one-layer image with unique content for PLATFORM, built locally on host (no base image,
    no RUN: nothing to emulate for another architecture)."""
    ctx = ok(host, "mktemp -d").strip()
    ok(host, "printf 'FROM scratch\\nCOPY f /f\\n' > %s/Dockerfile && printf '%%s\\n' %s > %s/f" % (ctx, secrets.token_hex(16), ctx))
    ok(host, "DOCKER_BUILDKIT=0 docker build -q --platform %s -t %s %s" % (platform, tag, ctx))
    ok(host, "rm -rf %s" % ctx)


def repo_digest(host, ref):
    repo = ref.rsplit(":", 1)[0]
    digests = json.loads(ok(host, "docker image inspect -f '{{json .RepoDigests}}' %s" % ref))
    mine = [d for d in digests if d.startswith(repo + "@")]
    assert len(mine) == 1, digests
    return mine[0].split("@", 1)[1]


def push_new_image(address, repo):
    """Build on host-a and push through the endpoint at address (host-a holds the push credential)."""
    ref = "%s/%s:%s" % (address, repo, secrets.token_hex(4))
    build_image(HOST_A, ref)
    ok(HOST_A, "docker push %s" % ref)
    return ref, repo_digest(HOST_A, ref)


def api(host, address, auth, method, path, headers=()):
    """Status, response headers and body of an authenticated registry API call."""
    cmd = "curl -sS -D /dev/stderr -X %s -u %s --cacert %s" % (method, auth, ca_file(address))
    for h in headers:
        cmd += " -H '%s'" % h
    res = host.run(cmd + " -w '\\n%%{http_code}' https://%s%s" % (address, path))
    assert res.rc == 0, res.stderr
    body, status = res.stdout.rsplit("\n", 1)
    hdrs = {}
    for line in res.stderr.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
    return int(status), hdrs, body


def storage_dir():
    return ok(REG, "docker volume inspect -f '{{.Mountpoint}}' %s" % VOLUME).strip() + "/docker/registry/v2"


def blob_path(digest):
    hexd = digest.split(":", 1)[1]
    return "%s/blobs/sha256/%s/%s/data" % (storage_dir(), hexd[:2], hexd)


def playbook(name, *args):
    """Run a playbook of this scenario against the molecule inventory; the finished process."""
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", INVENTORY,
         os.path.join(SCENARIO_DIR, name)] + list(args),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1"), timeout=900, check=False,
    )


def login_status(address, user, password):
    return curl(HOST_A, address, "/v2/", "-u", "'%s:%s'" % (user, password))


def wait_registry(*addresses, timeout=60):
    end = time.time() + timeout
    for address in addresses:
        while HOST_A.run("curl -s -o /dev/null -w '%%{http_code}' --cacert %s https://%s/v2/" % (ca_file(address), address)).stdout != "401":
            if time.time() > end:
                pytest.fail("registry %s did not answer again within %ss" % (address, timeout))
            time.sleep(1)


# --- what the role leaves on the registry host -------------------------------------------------


@pytest.mark.parametrize("container", [CONTAINER, PUSH_CONTAINER])
def test_registry_container_runs_unprivileged_with_restart_policy(container):
    info = json.loads(ok(REG, "docker inspect %s" % container))[0]
    assert info["State"]["Running"]
    assert info["Config"]["Image"] == f"labforge/registry:{SUITE}"
    assert info["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    assert info["HostConfig"]["ReadonlyRootfs"] is True
    assert "no-new-privileges" in info["HostConfig"]["SecurityOpt"]
    mounts = {m["Destination"]: m for m in info["Mounts"]}
    assert mounts["/var/lib/registry"]["Type"] == "volume" and mounts["/var/lib/registry"]["Name"] == VOLUME
    assert mounts["/etc/docker/registry/config.yml"]["RW"] is False
    # the digest of its bind-mounted files, which recreates it when they change (tasks/service.yml)
    assert info["Config"]["Labels"]["org.labforge.config-digest"].startswith("sha256:")
    # the registry process itself is not root
    assert ok(REG, "docker exec %s id -u" % container).strip() == "5000"


@pytest.mark.parametrize("container", [CONTAINER, PUSH_CONTAINER])
def test_registry_container_becomes_healthy(container):
    end = time.time() + 90
    status = None
    while time.time() < end:
        status = ok(REG, "docker inspect -f '{{.State.Health.Status}}' %s" % container).strip()
        if status == "healthy":
            break
        time.sleep(2)
    assert status == "healthy"


@pytest.mark.parametrize("name", ["config.yml", "config-push.yml"])
def test_config_enables_tls_auth_delete(name):
    cfg = REG.file(CONFIG_DIR + "/" + name)
    assert cfg.user == "root" and cfg.gid == 5000 and cfg.mode == 0o640
    text = cfg.content_string
    for needle in ("certificate: /etc/docker/registry/tls/server.crt", "path: /etc/docker/registry/htpasswd",
                   "enabled: true", "rootdirectory: /var/lib/registry", "secret: molecule-http-secret"):
        assert needle in text
    # the pull endpoint is read-only, the push endpoint is not
    assert ("readonly:" in text) == (name == "config.yml")


@pytest.mark.parametrize("name", ["htpasswd", "htpasswd-push"])
def test_htpasswd_holds_bcrypt_hashes_only(users, name):
    htpasswd = REG.file(CONFIG_DIR + "/" + name)
    assert htpasswd.mode == 0o640 and htpasswd.gid == 5000
    entries = dict(line.split(":", 1) for line in htpasswd.content_string.split())
    listed = [u for u in users if name == "htpasswd" or u.get("access") == "push"]
    assert sorted(entries) == sorted(u["name"] for u in listed)
    for user in listed:
        assert entries[user["name"]][:4] in ("$2b$", "$2y$", "$2a$")
        assert user["password"] not in htpasswd.content_string


def test_ca_key_stays_private():
    key = REG.file(CONFIG_DIR + "/private/ca.key")
    assert key.user == "root" and key.mode == 0o600
    assert not REG.file(CONFIG_DIR + "/tls/ca.key").exists
    server_key = REG.file(CONFIG_DIR + "/tls/server.key")
    assert server_key.mode == 0o640 and server_key.gid == 5000


def test_gc_timer_scheduled():
    assert REG.service("registry-gc.timer").is_enabled
    assert ok(REG, "systemctl is-active registry-gc.timer").strip() == "active"
    assert "OnCalendar=*-*-* 04:00:00" in REG.file("/etc/systemd/system/registry-gc.timer").content_string


# --- trust and TLS -----------------------------------------------------------------------------


@pytest.mark.parametrize("client", [HOST_A, HOST_B], ids=["host-a", "host-b"])
def test_docker_hosts_trust_the_registry_ca(client, address, push_address):
    ca_pem = REG.file(CONFIG_DIR + "/tls/ca.crt").content_string
    for endpoint in (address, push_address):
        installed = client.file(ca_file(endpoint))
        assert installed.is_file
        assert installed.content_string.strip() == ca_pem.strip()


def test_tls_handshake_verifies_with_the_ca(address):
    out = HOST_A.run("openssl s_client -connect %s -CAfile %s -verify_return_error -verify_ip %s </dev/null"
                     % (address, ca_file(address), address.rsplit(":", 1)[0]))
    assert out.rc == 0, out.stderr
    assert "Verify return code: 0 (ok)" in out.stdout
    # the same endpoint without the CA must not verify: the handshake really is checked
    no_ca = HOST_A.run("curl -sS -o /dev/null https://%s/v2/" % address)
    assert no_ca.rc == 60, no_ca.stderr


# --- authentication ----------------------------------------------------------------------------


def test_anonymous_and_wrong_password_refused(address, users):
    assert curl(HOST_A, address, "/v2/") == "401"
    assert curl(HOST_A, address, "/v2/", "-u", "%s:not-the-password" % users[0]["name"]) == "401"
    assert curl(HOST_A, address, "/v2/", "-u", "'%s:%s'" % (users[0]["name"], users[0]["password"])) == "200"


def test_anonymous_push_refused(push_address):
    ref = "%s/anonymous/push:%s" % (push_address, secrets.token_hex(4))
    build_image(HOST_A, ref)
    empty = ok(HOST_A, "mktemp -d").strip()
    res = HOST_A.run("DOCKER_CONFIG=%s docker push %s" % (empty, ref))
    assert res.rc != 0
    assert "no basic auth credentials" in res.stderr + res.stdout
    ok(HOST_A, "rm -rf %s && docker image rm %s" % (empty, ref))


# --- what a docker host's credential can do ----------------------------------------------------


def stored_logins(host):
    """The registries a docker host's engine holds credentials for (root's config.json)."""
    return sorted(json.loads(ok(host, "cat /root/.docker/config.json")).get("auths", {}))


def test_only_the_push_host_holds_a_push_credential(address, push_address):
    assert stored_logins(HOST_A) == sorted([address, push_address])
    assert stored_logins(HOST_B) == [address]


def test_the_pull_credential_of_a_docker_host_cannot_push_or_delete(address, push_address, auth, push_auth):
    # host-b pushes with what the role left it: refused by the read-only endpoint, nothing stored
    ref = "%s/verify/denied:%s" % (address, secrets.token_hex(4))
    build_image(HOST_B, ref)
    res = HOST_B.run("docker push %s" % ref)
    assert res.rc != 0, res.stdout
    repo, tag = ref.split("/", 1)[1].rsplit(":", 1)
    assert api(HOST_B, address, auth, "GET", "/v2/%s/manifests/%s" % (repo, tag), ["Accept: " + MANIFEST_TYPES])[0] == 404
    ok(HOST_B, "docker image rm %s" % ref)
    # the same user is not let in at the push endpoint
    assert curl(HOST_B, push_address, "/v2/", "-u", "'%s'" % auth) == "401"
    # and the read-only endpoint refuses a delete whoever asks, a push user too
    for who in (auth, push_auth):
        assert api(HOST_B, address, who, "DELETE", "/v2/verify/nothing/manifests/sha256:" + "0" * 64)[0] == 405


def test_the_push_endpoint_lets_push_users_in_only(push_address, users):
    for user in users:
        expected = "200" if user.get("access") == "push" else "401"
        assert curl(HOST_A, push_address, "/v2/", "-u", "'%s:%s'" % (user["name"], user["password"])) == expected, user["name"]


def test_a_host_no_longer_allowed_to_push_is_logged_out(address, push_address):
    # host-a loses docker_registry_push_user (an extra variable that empties it on every host)
    run = playbook("../../playbooks/registries.yml", "-e", "docker_registry_push_user=")
    try:
        assert run.returncode == 0, run.stdout
        assert stored_logins(HOST_A) == [address]
    finally:
        restored = playbook("../../playbooks/registries.yml")
        assert restored.returncode == 0, restored.stdout
    assert stored_logins(HOST_A) == sorted([address, push_address])


def test_the_push_endpoint_goes_with_the_last_push_user(address, push_address, users, tmp_path):
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps({"docker_registry_users": [u for u in users if u.get("access") != "push"]}))
    try:
        run = playbook("role.yml", "-e", "@%s" % extra)
        assert run.returncode == 0, run.stdout
        assert REG.run("docker inspect %s" % PUSH_CONTAINER).rc != 0, "the push container outlived the last push user"
        push_htpasswd = REG.file(CONFIG_DIR + "/htpasswd-push")
        assert not push_htpasswd.exists or push_htpasswd.content_string.split() == []
    finally:
        restored = playbook("role.yml")
        assert restored.returncode == 0, restored.stdout
        wait_registry(address, push_address)


# --- push, pull, delete, garbage collection, recreation -----------------------------------------


def test_push_on_a_pull_on_b_same_digest(address, push_address, auth):
    pushed_ref, pushed = push_new_image(push_address, "verify/app")
    ref = pulled_as(pushed_ref, address)
    HOST_B.run("docker image rm %s" % ref)
    ok(HOST_B, "docker pull %s" % ref)
    assert repo_digest(HOST_B, ref) == pushed
    # and the registry serves the manifest under that digest
    repo, tag = ref.split("/", 1)[1].rsplit(":", 1)
    status, hdrs, _body = api(HOST_B, address, auth, "GET", "/v2/%s/manifests/%s" % (repo, tag), ["Accept: " + MANIFEST_TYPES])
    assert status == 200 and hdrs["docker-content-digest"] == pushed


def test_deleted_tag_blobs_freed_by_gc(address, push_address, push_auth):
    kept_ref, _kept_digest = push_new_image(push_address, "verify/gc-kept")
    gone_ref, gone_digest = push_new_image(push_address, "verify/gc-gone")

    def layers(ref):
        repo, tag = ref.split("/", 1)[1].rsplit(":", 1)
        status, _headers, body = api(HOST_A, push_address, push_auth, "GET", "/v2/%s/manifests/%s" % (repo, tag), ["Accept: " + MANIFEST_TYPES])
        assert status == 200, body
        manifest = json.loads(body)
        return [layer["digest"] for layer in manifest["layers"]] + [manifest["config"]["digest"]]

    kept_blobs, gone_blobs = layers(kept_ref), layers(gone_ref)
    for digest in kept_blobs + gone_blobs:
        assert REG.file(blob_path(digest)).exists, digest

    status, _headers, body = api(HOST_A, push_address, push_auth, "DELETE", "/v2/verify/gc-gone/manifests/%s" % gone_digest)
    assert status == 202, body
    # deleting frees nothing by itself
    for digest in gone_blobs:
        assert REG.file(blob_path(digest)).exists, digest

    ok(REG, "systemctl start registry-gc.service")
    for container in (CONTAINER, PUSH_CONTAINER):
        assert ok(REG, "docker inspect -f '{{.State.Running}}' %s" % container).strip() == "true"
    wait_registry(address, push_address)

    for digest in gone_blobs:
        assert not REG.file(blob_path(digest)).exists, digest
    for digest in kept_blobs:
        assert REG.file(blob_path(digest)).exists, digest
    HOST_B.run("docker image rm %s" % pulled_as(kept_ref, address))
    ok(HOST_B, "docker pull %s" % pulled_as(kept_ref, address))
    assert HOST_B.run("docker pull %s" % pulled_as(gone_ref, address)).rc != 0


def test_gc_keeps_the_platform_images_of_a_multi_arch_index(address, push_address):
    # An index of two platforms whose children carry no tag, as buildx pushes them. With
    # --delete-untagged, distribution 2.8 deletes both children (distribution issue 3178) and the
    # tag no longer pulls; the role's collector must keep them.
    repo = "%s/verify/multi" % push_address
    children = {}
    for arch in ("amd64", "arm64"):
        build_image(HOST_A, "%s:%s" % (repo, arch), platform="linux/" + arch)
        ok(HOST_A, "docker push %s:%s" % (repo, arch))
        children[arch] = repo_digest(HOST_A, "%s:%s" % (repo, arch))
    index = "%s:both" % repo
    ok(HOST_A, "docker manifest create --amend %s %s@%s %s@%s" % (index, repo, children["amd64"], repo, children["arm64"]))
    for arch in ("amd64", "arm64"):
        ok(HOST_A, "docker manifest annotate --os linux --arch %s %s %s@%s" % (arch, index, repo, children[arch]))
    ok(HOST_A, "docker manifest push --purge %s" % index)
    tags = storage_dir() + "/repositories/verify/multi/_manifests/tags"
    ok(REG, "rm -rf %s/amd64 %s/arm64" % (tags, tags))

    ok(REG, "systemctl start registry-gc.service")
    wait_registry(address, push_address)

    for arch in ("amd64", "arm64"):
        HOST_B.run("docker image rm %s" % pulled_as(index, address))
        pulled = HOST_B.run("docker pull --platform linux/%s %s" % (arch, pulled_as(index, address)))
        assert pulled.rc == 0, "linux/%s of the index is gone after GC: %s" % (arch, pulled.stderr)
        assert REG.file(blob_path(children[arch])).exists, arch


def test_data_kept_when_container_recreated(address, push_address):
    pushed_ref, pushed = push_new_image(push_address, "verify/persist")
    ref = pulled_as(pushed_ref, address)
    before = ok(REG, "docker inspect -f '{{.Id}}' %s" % CONTAINER).strip()
    env = dict(os.environ, ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", INVENTORY,
         os.path.join(SCENARIO_DIR, "recreate.yml")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env, timeout=600, check=False,
    )
    assert proc.returncode == 0, proc.stdout
    after = ok(REG, "docker inspect -f '{{.Id}}' %s" % CONTAINER).strip()
    assert after != before
    wait_registry(address)
    HOST_B.run("docker image rm %s" % ref)
    ok(HOST_B, "docker pull %s" % ref)
    assert repo_digest(HOST_B, ref) == pushed


def _served_not_after(address):
    """The notAfter of the certificate the registry serves, read on a docker host: seconds from now."""
    end = ok(HOST_A, "openssl s_client -connect %s -CAfile %s </dev/null 2>/dev/null | openssl x509 -noout -enddate"
             % (address, ca_file(address))).strip().split("=", 1)[1]
    return int(ok(HOST_A, "date -d %s +%%s" % json.dumps(end)).strip()) - int(time.time())


def test_a_certificate_close_to_its_end_is_renewed(address, push_address):
    pushed_ref, pushed = push_new_image(push_address, "verify/renewed")
    ref = pulled_as(pushed_ref, address)
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", INVENTORY,
         os.path.join(SCENARIO_DIR, "renew.yml")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1"), timeout=600, check=False,
    )
    assert proc.returncode == 0, proc.stdout
    # Signed twice: for 10 days in the first play, anew in the scheduled run.
    signed = [task.split("TASK [")[0] for task in proc.stdout.split("TASK [labforge.virt.docker_registry : Sign the server certificate")[1:]]
    assert len(signed) == 2 and all("changed: [docker_registry-registry]" in task for task in signed), proc.stdout
    wait_registry(address, push_address)
    for endpoint in (address, push_address):
        days_left = _served_not_after(endpoint) // 86400
        assert 800 <= days_left <= 825, "%s serves a certificate that ends in %d days" % (endpoint, days_left)
    HOST_B.run("docker image rm %s" % ref)
    ok(HOST_B, "docker pull %s" % ref)
    assert repo_digest(HOST_B, ref) == pushed


# --- faults: a run stopped before its handlers, a rebuilt root filesystem -----------------------


def delete_status(address, auth):
    """Status of a DELETE (at the push endpoint) of a manifest nobody pushed: 404 with deletes on, 405 off."""
    status, _headers, body = api(HOST_A, address, auth, "DELETE", "/v2/verify/nothing/manifests/sha256:" + "0" * 64)
    assert status in (404, 405), body
    return status


def test_changes_left_by_an_interrupted_run_take_effect_on_the_next(address, push_address, users, push_auth, tmp_path):
    kept = [u for u in users if u.get("access") == "push"]
    removed = [u for u in users if u not in kept][0]
    assert kept and login_status(address, removed["name"], removed["password"]) == "200"
    assert delete_status(push_address, push_auth) == 404
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps({"docker_registry_users": kept, "docker_registry_delete_enabled": False}))
    try:
        # The fault: htpasswd and config.yml written, the run failed before its handlers.
        interrupted = playbook("interrupted.yml", "-e", "@%s" % extra)
        assert interrupted.returncode != 0 and "interrupted before the handlers" in interrupted.stdout, interrupted.stdout
        assert removed["name"] + ":" not in REG.file(CONFIG_DIR + "/htpasswd").content_string
        assert "enabled: false" in REG.file(CONFIG_DIR + "/config-push.yml").content_string
        # config-push.yml was replaced by rename: the running registry still holds the old one
        assert delete_status(push_address, push_auth) == 404

        # The next run, same variables: nothing left to write, the container must follow its files anyway.
        rerun = playbook("role.yml", "-e", "@%s" % extra)
        assert rerun.returncode == 0, rerun.stdout
        wait_registry(address, push_address)
        assert delete_status(push_address, push_auth) == 405
        assert login_status(address, removed["name"], removed["password"]) == "401"
        assert login_status(address, kept[0]["name"], kept[0]["password"]) == "200"
    finally:
        restored = playbook("role.yml")
        assert restored.returncode == 0, restored.stdout
        wait_registry(address, push_address)
    assert delete_status(push_address, push_auth) == 404


def test_the_role_recovers_a_rebuilt_root_filesystem(address, push_address, users):
    # rebuilt_root.yml removes the files, lets dockerd make directories of them (and asserts it
    # did), then runs the role.
    run = playbook("rebuilt_root.yml")
    assert run.returncode == 0, run.stdout
    for name in ("config.yml", "htpasswd", "tls/server.crt", "tls/server.key"):
        assert REG.file("%s/%s" % (CONFIG_DIR, name)).is_file, name
    wait_registry(address, push_address)
    out = HOST_A.run("openssl s_client -connect %s -CAfile %s -verify_return_error </dev/null" % (address, ca_file(address)))
    assert out.rc == 0 and "Verify return code: 0 (ok)" in out.stdout, out.stderr
    assert curl(HOST_A, address, "/v2/") == "401"
    for user in users:
        assert login_status(address, user["name"], user["password"]) == "200", user["name"]
