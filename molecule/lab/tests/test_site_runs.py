"""Bad input to the estate stops site.yml with a message naming the fix, and nothing changes.

Each case runs playbooks/site.yml (the parts the value concerns, by tag) against the converged lab
with one wrong value. Before and after, every host is fingerprinted: the content of every file under
the directories the roles write, every container's start time, every guest: a refusal that came
after a change fails here. The refused host fails the run (rc != 0); the others carry on and must not
change either. One role phase runs alone by its tag (docker_host_verify). Then site.yml
--check --diff must report changed=0 on every host; a run killed between two steps of a role is
completed by the next; and last, a dead host (its container frozen) must not stop verify.yml on the
others; the report names it.
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
WATCHED = "/etc /var/lib/labforge /root/.docker"
# Syncthing's own index database changes while it runs, whatever Ansible does.
UNWATCHED = "*/syncthing/index-v*"

CASES = {
    "insecure registry without opt-in on the docker hosts": (
        # The registry's own consent is given; the docker hosts' is not.
        {"docker_registry_insecure": True, "docker_registry_allow_insecure": True},
        "docker,registry",
        "docker_host_allow_insecure_registries: true",
    ),
    # On the registry host: a refused host drops out and the others carry on, and a docker host that
    # dropped out would leave the Syncthing volume to its peer alone (shared_volume_hosts: the peers
    # still in the play), a change this case is not about.
    "NFS export to the world": (
        {"labforge_nfs_servers_hosts": REGISTRY,
         "nfs_server_exports": [{"path": "/srv/nfs/world", "clients": [{"host": "*", "options": ["rw"]}]}]},
        "nfs,shared_volume",
        "so any machine that reaches the server could mount it",
    ),
    "guest with an unknown cache mode": (
        {"kvm_guest_guests": [{"name": "lab-vm1", "vcpus": 1, "memory_mib": 128, "state": "running",
                               "source": {"type": "blank", "size": "256M"}, "seclabel": {"type": "none"},
                               "cache": "fastest"}]},
        "kvm",
        "cache mode 'fastest' does not exist",
    ),
}


def fingerprint(host):
    files = host.run("find %s -xdev -type f ! -path '%s' -print0 2>/dev/null | sort -z | xargs -0r sha256sum"
                     % (WATCHED, UNWATCHED)).stdout
    containers = host.run("docker ps -aq | xargs -r docker inspect -f '{{.Name}} {{.State.StartedAt}}'").stdout
    domains = host.run("virsh -c qemu:///system list --all --uuid 2>/dev/null").stdout
    return dict(line.split("  ", 1)[::-1] for line in files.splitlines()), containers, domains


def run_site(extra_vars, *args, playbook="site.yml", env_extra=None):
    env = dict(os.environ, LABFORGE_LAB_ROOT=PROJECT, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
               ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", **(env_extra or {}))
    playbook = os.path.join(PROJECT, "playbooks", playbook)
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
         os.path.join(EPHEMERAL, "inventory"), playbook, "-e", json.dumps(extra_vars)] + list(args),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env, timeout=900, check=False)
    return proc.returncode, proc.stdout


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_stops_the_estate_before_any_change(case):
    extra_vars, tags, expected = CASES[case]
    hosts = dict((name, get_host(name)) for name in HOSTS)
    before = dict((name, fingerprint(host)) for name, host in hosts.items())
    rc, out = run_site(extra_vars, "--tags", tags)
    assert rc != 0, out[-3000:]
    assert expected in out, out[-3000:]
    for name, host in hosts.items():
        files, containers, domains = fingerprint(host)
        changed = sorted(p for p in set(files) | set(before[name][0]) if files.get(p) != before[name][0].get(p))
        assert changed == [], "%s changed files on %s: %s" % (case, name, changed)
        assert (containers, domains) == before[name][1:], "%s restarted something on %s" % (case, name)


def assert_nothing_changed(rc, out):
    assert rc == 0, out[-3000:]
    recap = [line for line in out.splitlines() if re.match(r"^(labt-\S+|localhost)\s+: ok=", line)]
    assert len([line for line in recap if line.startswith("labt-")]) == len(HOSTS), out[-3000:]
    for line in recap:
        assert re.search(r"\bchanged=0\b", line) and re.search(r"\bfailed=0\b", line), line


def test_one_phase_of_a_role_runs_alone():
    # Per-phase tags (<role>_install, _configure, _run, _verify): docker_host's verify phase runs with
    # the preflight it needs, and nothing of its install or configure phases.
    rc, out = run_site({}, "--tags", "docker_host_verify")
    assert_nothing_changed(rc, out)
    tasks = re.findall(r"^TASK \[labforge\.virt\.docker_host : ([^\]]+)\]", out, re.M)
    assert "Ask the daemon through the docker CLI" in tasks, tasks
    assert "Write the merged daemon.json" not in tasks, tasks
    assert not [task for task in tasks if task.startswith("Install the engine")], tasks


def test_check_mode_on_the_converged_estate_changes_nothing():
    assert_nothing_changed(*run_site({}, "--check", "--diff"))


def test_verify_again_on_a_proven_estate_changes_nothing():
    # The side effect ran verify.yml once (it pushed and wrote); the proofs are idempotent.
    assert_nothing_changed(*run_site({"report_dir": EPHEMERAL}, playbook="verify.yml"))


SYNC_STATE = "/var/lib/labforge/shared_volume/lab_data"
RESCAN = re.compile(r'<folder id="lab_data"[^>]* rescanIntervalS="(\d+)"')


def rescan_interval(host, path):
    found = RESCAN.search(host.file(path).content_string)
    assert found, path
    return found.group(1)


def test_a_run_killed_between_render_and_install_is_completed_by_the_next():
    # The run is killed (SIGKILL, molecule/lab/fault/kill_after_task.py) right after the Syncthing
    # configuration was rendered with a new rescan interval, before it was installed. The next run,
    # with the same variables, must install it and restart Syncthing on it: the rendered copy has
    # not changed since, so a role that acts only on a change of it never would.
    docker_hosts = dict((name, get_host(name)) for name in (DOCKER1, DOCKER2))
    started = dict((name, host.check_output("docker inspect -f '{{.State.StartedAt}}' syncthing_lab_data"))
                   for name, host in docker_hosts.items())
    kill = {"ANSIBLE_CALLBACK_PLUGINS": os.path.join(PROJECT, "molecule", "lab", "fault"),
            "ANSIBLE_CALLBACKS_ENABLED": "kill_after_task",
            "LABFORGE_KILL_AFTER_TASK": "Render the desired Syncthing configuration"}
    changed = {"shared_volume_syncthing_rescan_interval": 1800}
    try:
        rc, out = run_site(changed, "--tags", "shared_volume", env_extra=kill)
        assert rc == -9, out[-3000:]
        left = [name for name, host in docker_hosts.items()
                if rescan_interval(host, SYNC_STATE + "/syncthing-config.xml") == "1800"]
        assert left, "the kill came before any host rendered the new configuration"
        for name in left:
            assert rescan_interval(docker_hosts[name], SYNC_STATE + "/syncthing/config.xml") == "3600", name
        rc, out = run_site(changed, "--tags", "shared_volume")
        assert rc == 0, out[-3000:]
        for name, host in docker_hosts.items():
            assert rescan_interval(host, SYNC_STATE + "/syncthing/config.xml") == "1800", name
            assert host.check_output("docker inspect -f '{{.State.StartedAt}}' syncthing_lab_data") != started[name], name
    finally:
        rc, out = run_site({}, "--tags", "shared_volume")
    assert rc == 0, out[-3000:]
    for name, host in docker_hosts.items():
        assert rescan_interval(host, SYNC_STATE + "/syncthing/config.xml") == "3600", name


def test_a_dead_host_does_not_stop_the_estate():
    # Last on purpose: the KVM host stops answering (its container is frozen) and verify.yml runs
    # again. The run fails for that host only: the proofs on the others hold, and the report names
    # the dead host instead of leaving it out.
    out_dir = os.path.join(EPHEMERAL, "dead-host")
    os.makedirs(out_dir, exist_ok=True)
    subprocess.run(["docker", "pause", KVM], check=True)
    try:
        rc, out = run_site({"report_dir": out_dir}, playbook="verify.yml")
    finally:
        subprocess.run(["docker", "unpause", KVM], check=True)
    assert rc != 0, out[-3000:]
    recap = dict(re.findall(r"^(labt-\S+)\s+:\s+(ok=.*)$", out, re.M))
    assert re.search(r"\b(unreachable|failed)=[1-9]", recap[KVM]), recap
    for name in (DOCKER1, DOCKER2, REGISTRY):
        assert re.search(r"\bunreachable=0\b", recap[name]) and re.search(r"\bfailed=0\b", recap[name]), recap
    with open(os.path.join(out_dir, "labforge-report.json")) as f:
        rows = {row["host"]: row for row in json.load(f)}
    assert rows[KVM]["status"] == "failed or unreachable in this run: not reported"
    assert {rows[name]["status"] for name in (DOCKER1, DOCKER2, REGISTRY)} == {"reported"}
    assert rows[REGISTRY]["registry"]["smoke"].startswith("pushed on %s, pulled on %s" % (DOCKER1, DOCKER2))
