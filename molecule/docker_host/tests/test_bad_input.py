"""Bad input fails in preflight with an actionable message and changes nothing; an unreachable
daemon is diagnosed by cause. bad_input.yml (through conftest.extra_checks) drives every case."""

import pytest


@pytest.fixture(scope="module")
def bad_input(extra_checks):
    return extra_checks["bad_input"]


def message(bad_input, case):
    result = bad_input["messages"][case]
    assert result != "NO FAILURE", "%s: the role accepted the bad value" % case
    return result["msg"]


@pytest.mark.parametrize("case, task, needles", [
    ("devicemapper", "Refuse removed storage drivers",
     ['storage-driver "devicemapper" is refused', "removed in Docker Engine 25", "loop devices", "overlay2"]),
    ("aufs", "Refuse removed storage drivers",
     ['storage-driver "aufs" is refused', "removed in Docker Engine 24", "O_DIRECT"]),
    ("data_root_on_overlay", "Check overlay2 can work on the data-root filesystem",
     ["overlay2 cannot use /opt/labforge-docker", "(overlay on /) is overlay", "put data-root on a volume"]),
    ("bad_type", "Check the types of the daemon.json keys the role knows",
     ['debug must be bool but is "yes"', "log-opts.max-file must be a string but is 5"]),
    ("bad_bind_sources", "Check the bind-mount sources",
     ["docker_host_bind_sources: / is outside", "docker_host_bind_sources: \"/srv/data/../../etc\" has a '..' component"]),
    ("bad_registry_port", "Check registry addresses are host:port with a port in 1-65535",
     ['"registry.lab.test:70000"', "port between 1 and 65535"]),
    ("bad_registry_scheme", "Check registry addresses are host:port with a port in 1-65535",
     ['"https://registry.lab.test:5000"', "no scheme"]),
    ("insecure_not_allowed", "Refuse insecure registries unless explicitly allowed",
     ["registry.other.test:5000", "docker_host_allow_insecure_registries: true"]),
    ("insecure_in_daemon_options", "Refuse daemon.json keys the role manages itself",
     ["docker_host_daemon_options must not set 'insecure-registries'",
      "set docker_host_insecure_registries (with docker_host_allow_insecure_registries) instead"]),
    ("userns_in_daemon_options", "Refuse daemon.json keys the role manages itself",
     ["docker_host_daemon_options must not set 'userns-remap'", "set docker_host_userns_remap instead"]),
])
def test_preflight_refuses(bad_input, case, task, needles):
    result = bad_input["messages"][case]
    assert result != "NO FAILURE"
    assert result["task"] == task
    for needle in needles:
        assert needle in result["msg"]


def test_nothing_changed(bad_input):
    before, after = bad_input["state"]["before"], bad_input["state"]["after"]
    assert before["daemon_json_sha256"] == after["daemon_json_sha256"]
    assert before["daemon_json_mtime"] == after["daemon_json_mtime"]
    assert before["files"] == after["files"]


@pytest.mark.parametrize("case, needles", [
    ("wrong_docker_host", ["Cause: wrong DOCKER_HOST", "tcp://127.0.0.1:9"]),
    ("socket_permissions", ["Cause: socket permissions", "root:docker"]),
    ("daemon_down", ["Cause: daemon down", 'says "inactive"']),
])
def test_unreachable_daemon_is_diagnosed(bad_input, case, needles):
    msg = message(bad_input, case)
    for needle in needles:
        assert needle in msg


def test_daemon_back_after_diagnosis(host):
    assert host.service("docker").is_running
    assert host.run("docker version").rc == 0
