"""docker_host: the engine runs inside a dind instance with a merged, safe daemon.json."""

import json
import os

import pytest

SUITE = os.environ["LABFORGE_SUITE"]  # set by .config/molecule/config.yml


@pytest.fixture(scope="module")
def daemon_json(host):
    return json.loads(host.file("/etc/docker/daemon.json").content_string)


@pytest.fixture(scope="module")
def docker_info(host):
    out = host.check_output("docker info --format '{{json .}}'")
    return json.loads(out)


def test_daemon_active_and_enabled(host):
    svc = host.service("docker")
    assert svc.is_running
    assert svc.is_enabled


def test_python_libraries_for_community_docker(host):
    assert host.run("python3 -c 'import docker, requests'").rc == 0


def test_daemon_json_merged_foreign_keys_kept(host, daemon_json):
    f = host.file("/etc/docker/daemon.json")
    assert f.user == "root" and f.mode == 0o644
    # Written by prepare.yml, not owned by the role: kept.
    assert daemon_json["debug"] is True
    assert daemon_json["default-address-pools"] == [{"base": "10.213.0.0/16", "size": 24}]
    # prepare.yml set live-restore false; the role owns that key.
    assert daemon_json["live-restore"] is True
    assert daemon_json["icc"] is False
    assert daemon_json["no-new-privileges"] is True
    assert daemon_json["storage-driver"] == "overlay2"
    assert daemon_json["log-driver"] == "json-file"
    # Role defaults plus docker_host_daemon_options merged recursively; values are strings.
    assert daemon_json["log-opts"] == {"max-size": "10m", "max-file": "3", "compress": "true"}
    assert daemon_json["insecure-registries"] == ["registry.lab.test:5000"]
    assert "selinux-enabled" not in daemon_json  # no SELinux in this kernel


def test_docker_info_reports_configuration(docker_info):
    assert docker_info["Driver"] == "overlay2"
    assert docker_info["LiveRestoreEnabled"] is True
    assert docker_info["Debug"] is True  # the foreign key took effect in the daemon
    status = dict(docker_info["DriverStatus"])
    assert status.get("Supports d_type") == "true"
    assert docker_info["LoggingDriver"] == "json-file"
    index = docker_info["RegistryConfig"]["IndexConfigs"]
    assert index["registry.lab.test:5000"]["Secure"] is False


def test_registry_ca_trusted(host):
    ca = host.file("/etc/docker/certs.d/registry.lab.test:5000/ca.crt")
    assert ca.is_file and ca.user == "root" and ca.mode == 0o644
    assert ca.content_string.startswith("-----BEGIN CERTIFICATE-----")


def test_withdrawn_registry_trust_is_removed(host):
    # prepare.yml trusted retired.lab.test:5000; the scenario lists it with state: absent.
    assert not host.file("/etc/docker/certs.d/retired.lab.test:5000").exists
    assert host.file("/etc/docker/certs.d").is_directory


def test_container_from_preloaded_image_runs(host):
    assert host.file(f"/var/cache/labforge/images/labforge-tiny-{SUITE}.tar").is_file
    out = host.check_output(f"docker run --rm --name docker_host-verify labforge/tiny:{SUITE} echo preloaded-image-runs")
    assert out.strip() == "preloaded-image-runs"


def test_containers_get_no_new_privileges(host):
    # Engine 20.10 (bookworm) does not list it in SecurityOptions: look at a container's own status.
    out = host.check_output(f"docker run --rm labforge/tiny:{SUITE} cat /proc/self/status")
    assert "NoNewPrivs:\t1" in out


def test_icc_off_on_default_bridge(host):
    out = host.check_output("docker network inspect bridge --format '{{json .Options}}'")
    assert json.loads(out)["com.docker.network.bridge.enable_icc"] == "false"


def test_docker_user_reaches_daemon(host):
    assert "docker" in host.user("labuser").groups
    cmd = host.run("runuser -u labuser -- docker version --format '{{.Server.Version}}'")
    assert cmd.rc == 0, cmd.stderr
    # The engine the suite's docker.io carries (bookworm: 20.10, trixie: 26.1).
    package = host.package("docker.io").version  # e.g. 26.1.5+dfsg1-9+deb13u1+b1
    assert cmd.stdout.strip() == package.split(":")[-1].rsplit("-", 1)[0]


def test_swap_limit_verdict_is_the_engines_own(host, docker_info):
    # engine_host_info's swap accounting, probed on this host, against what dockerd on the same kernel
    # concluded ("WARNING: No swap limit support" when SwapLimit is false): real probe output on both sides.
    probe = host.ansible("labforge.virt.engine_host_info", check=False)["swap"]
    assert probe["swap_limit"] is docker_info["SwapLimit"], (probe, docker_info["SwapLimit"])
    assert probe["cgroup_version"] == int(docker_info["CgroupVersion"]), (probe, docker_info["CgroupVersion"])
    assert probe["evidence"], probe
