"""The lab estate after site.yml (twice) and verify.yml: every role left its mark, the proofs hold.

These run on the hosts themselves; the report file is read from the controller, and what it
claims is checked against the hosts where it can be.
"""

import json
import os
import uuid

import pytest

from conftest import DOCKER1, DOCKER2, EPHEMERAL, KVM, REGISTRY, get_host

SYNC_CONTAINER = "syncthing_lab_data"
SUITE = os.environ["LABFORGE_SUITE"]  # set by .config/molecule/config.yml
SYNC_IMAGE = f"labforge/syncthing:{SUITE}"


def test_report_has_every_host_reported(report):
    assert sorted(report) == sorted([KVM, DOCKER1, DOCKER2, REGISTRY])
    assert {row["status"] for row in report.values()} == {"reported"}
    with open(os.path.join(EPHEMERAL, "labforge-report.md")) as f:
        markdown = f.read()
    for host in report:
        assert "| %s |" % host in markdown


def test_report_kvm_host_verdict_and_guest(report):
    row = report[KVM]
    assert row["groups"] == ["kvm_hosts"]
    assert row["kvm"]["why"]
    assert [g["domain"] for g in row["guests"]] == ["lab-vm1"]
    state = get_host(KVM).check_output("virsh -c qemu:///system domstate lab-vm1")
    assert state == "running"


@pytest.mark.parametrize("name", [DOCKER1, DOCKER2, REGISTRY])
def test_report_docker_engine_matches_the_host(report, name):
    info = json.loads(get_host(name).check_output("docker info --format '{{json .}}'"))
    assert report[name]["docker"] == {
        "version": info["ServerVersion"], "storage_driver": info["Driver"], "live_restore": info["LiveRestoreEnabled"]}


def test_report_registry_push_pull_same_digest(report):
    smoke = report[REGISTRY]["registry"]["smoke"]
    assert smoke.startswith("pushed on %s, pulled on %s, same digest sha256:" % (DOCKER1, DOCKER2))


def test_report_shared_volume_proof(report):
    for name in (DOCKER1, DOCKER2):
        volume = report[name]["shared_volume"]
        assert volume["backend"] == "syncthing" and volume["containers"] == [SYNC_CONTAINER]
        assert volume["proof"] == "written on %s, read on %s" % (DOCKER1, DOCKER2)


@pytest.mark.parametrize("name,container,kind", [(DOCKER1, "db2", "db2"), (DOCKER2, "oracle-xe", "oracle")])
def test_report_databases_run_on_the_stand_in(report, name, container, kind):
    (db,) = report[name]["databases"]
    assert db["name"] == container and db["state"] == "running"
    assert db["stand_in"] is True and db["image"] == f"labforge/db-double:{SUITE}"
    info = json.loads(get_host(name).check_output("docker inspect %s" % container))[0]
    assert info["State"]["Running"] and not info["HostConfig"]["Privileged"]
    assert info["Config"]["Labels"]["org.labforge.test-double"] == "true"


PULL = "%s:5000" % REGISTRY
PUSH = "%s:5001" % REGISTRY  # only users with access: push (lab-ci, held by DOCKER1)


@pytest.mark.parametrize("name", [DOCKER1, DOCKER2])
def test_docker_hosts_trust_the_registry_ca_and_hold_only_their_credentials(name):
    host = get_host(name)
    for address in (PULL, PUSH):
        ca = host.file("/etc/docker/certs.d/%s/ca.crt" % address)
        assert ca.exists and ca.mode == 0o644
        assert "-----BEGIN CERTIFICATE-----" in ca.content_string
    auths = json.loads(host.file("/root/.docker/config.json").content_string)["auths"]
    assert PULL in auths
    # only the host in registry_pushers holds a push credential; refusals are proven in docker_registry
    assert (PUSH in auths) == (name == DOCKER1)


def _digest(host, ref):
    return host.check_output("docker image inspect --format '{{index .RepoDigests 0}}' %s", ref).split("@")[1]


def test_registry_serves_an_image_pushed_on_one_host_to_the_other():
    pusher, puller = get_host(DOCKER1), get_host(DOCKER2)
    name = "labforge/lab-test:%s" % uuid.uuid4().hex[:8]
    pushed_ref, pulled_ref = "%s/%s" % (PUSH, name), "%s/%s" % (PULL, name)
    pusher.check_output("docker tag %s %s && docker push %s", SYNC_IMAGE, pushed_ref, pushed_ref)
    try:
        puller.check_output("docker pull %s", pulled_ref)
        assert _digest(puller, pulled_ref) == _digest(pusher, pushed_ref)
    finally:
        pusher.run("docker rmi %s", pushed_ref)
        puller.run("docker rmi %s", pulled_ref)


@pytest.mark.parametrize("name", [KVM, DOCKER1, DOCKER2, REGISTRY])
def test_local_fact_names_the_groups(name):
    fact = json.loads(get_host(name).file("/etc/ansible/facts.d/labforge_virt.fact").content_string)
    assert fact["inventory_hostname"] == name and fact["groups"]


@pytest.mark.parametrize("name", [KVM, DOCKER1, DOCKER2, REGISTRY])
def test_package_lists_were_refreshed_and_stamped(name):
    host = get_host(name)
    assert host.file("/var/lib/apt/periodic/update-success-stamp").exists
    lists = host.check_output("find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -size +0")
    assert lists.strip()
