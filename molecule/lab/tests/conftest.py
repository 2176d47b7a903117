"""Shared helpers of the lab scenario's tests: the report the side effect wrote, hosts by name."""

import json
import os

import pytest
import testinfra

KVM, DOCKER1, DOCKER2, REGISTRY = "labt-kvm1", "labt-docker1", "labt-docker2", "labt-registry"
EPHEMERAL = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]


def get_host(name):
    return testinfra.get_host("docker://" + name)


@pytest.fixture(scope="session")
def report():
    with open(os.path.join(EPHEMERAL, "labforge-report.json")) as f:
        return {row["host"]: row for row in json.load(f)}
