"""Bad input to the estate stops site.yml with a message naming the fix, and nothing changes.

Each case runs the whole playbooks/site.yml against the converged lab with one wrong value.
Before it, a marker file is touched on every host; after it, no file under the directories the
roles write may be newer than the marker, and every container must still run since the same
start, so a refusal that came after a change would fail here.
"""

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import DOCKER1, DOCKER2, EPHEMERAL, KVM, REGISTRY, get_host

HOSTS = (KVM, DOCKER1, DOCKER2, REGISTRY)
PROJECT = os.environ["MOLECULE_PROJECT_DIRECTORY"]
MARKER = "/run/labforge-bad-input-marker"
WATCHED = "/etc /var/lib/labforge /var/lib/libvirt /srv /root/.docker"

CASES = {
    "insecure registry without opt-in on the docker hosts": (
        {"docker_registry_insecure": True},
        "docker_host_allow_insecure_registries",
    ),
    "NFS export to the world": (
        {"labforge_nfs_servers_hosts": DOCKER1,
         "nfs_server_exports": [{"path": "/srv/nfs/world", "clients": [{"host": "*", "options": ["rw"]}]}]},
        "nfs_server_exports",
    ),
    "guest with an unknown cache mode": (
        {"kvm_guest_guests": [{"name": "lab-vm1", "vcpus": 1, "memory_mib": 128, "state": "running",
                               "source": {"type": "blank", "size": "256M"}, "seclabel": {"type": "none"},
                               "cache": "fastest"}]},
        "fastest",
    ),
}


def fingerprint(host):
    containers = host.run("docker ps -aq | xargs -r docker inspect -f '{{.Name}} {{.State.StartedAt}}'").stdout
    domains = host.run("virsh -c qemu:///system list --all --uuid 2>/dev/null").stdout
    return containers, domains


def run_site(extra_vars, *args):
    env = dict(os.environ, LABFORGE_LAB_ROOT=PROJECT, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
               ANSIBLE_NOCOLOR="1")
    playbook = os.path.join(PROJECT, "playbooks", "site.yml")
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
         os.path.join(EPHEMERAL, "inventory"), playbook, "-e", json.dumps(extra_vars)] + list(args),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env, timeout=900, check=False)
    return proc.returncode, proc.stdout


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_stops_the_estate_before_any_change(case):
    extra_vars, expected = CASES[case]
    hosts = dict((name, get_host(name)) for name in HOSTS)
    before = {}
    for name, host in hosts.items():
        host.check_output("touch %s && sleep 1", MARKER)
        before[name] = fingerprint(host)
    rc, out = run_site(extra_vars)
    assert rc != 0, out[-3000:]
    assert expected in out, out[-3000:]
    for name, host in hosts.items():
        newer = host.run("find %s -xdev -newer %s -type f 2>/dev/null" % (WATCHED, MARKER)).stdout.split()
        assert newer == [], "%s changed on %s: %s" % (case, name, newer)
        assert fingerprint(host) == before[name], "%s restarted something on %s" % (case, name)


def test_check_mode_on_the_converged_estate_changes_nothing():
    rc, out = run_site({}, "--check", "--diff")
    assert rc == 0, out[-3000:]
    recap = [line for line in out.splitlines() if re.match(r"^labt-\S+\s+: ok=", line)]
    assert len(recap) == len(HOSTS), out[-3000:]
    for line in recap:
        assert re.search(r"\bchanged=0\b", line) and re.search(r"\bfailed=0\b", line), line
