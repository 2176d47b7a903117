"""Containers confined like guests: docker_host with selinux-enabled on an enforcing Debian 13 VM.

dockerd labels each container container_t with a category pair of its own (as libvirt gives each
guest svirt_t with one); a volume relabelled for one container (`:Z`) carries that pair, so the
other container is denied by the policy's MCS constraints (the AVC is read from the audit log);
a shared volume (`:z`) carries no category and is writable from both. prepare disabled the
container policy module (with the four that depend on it): the role enabled it again. The estate
report (playbooks/report.yml) shows each container's label.
"""
import json
import os
import re
import subprocess
import sys
import uuid

import pytest

IMAGE_TAG = "labforge/tiny"
BIND_SOURCES = "/srv/labforge-selinux"  # docker_host_bind_sources in molecule.yml


@pytest.fixture(autouse=True)
def _debian_13_or_later(host):
    if host.system_info.codename == "bookworm":
        pytest.skip("Debian 12's policy has no container_t: docker_host leaves selinux-enabled off there")


@pytest.fixture(scope="module")
def image(host):
    return "%s:%s" % (IMAGE_TAG, host.check_output(
        "docker image ls --format '{{.Tag}}' %s | head -n1" % IMAGE_TAG).strip())


@pytest.fixture(scope="module")
def pair(host, image):
    """Two long-running containers: a private file (:Z in A, mounted as is in B), a shared dir (:z)."""
    tag = uuid.uuid4().hex[:8]
    # Below docker_host_bind_sources: created here, it inherits container_file_t from its parent.
    # dockerd_t may relabel that type but not var_t (the relabel is denied and `docker run` fails).
    base = "%s/%s" % (BIND_SOURCES, tag)
    private, shared = base + "/private.log", base + "/shared"
    host.check_output("mkdir -p %s && touch %s" % (shared, private))
    names = ("sel-a-" + tag, "sel-b-" + tag)
    host.check_output("docker run -d --name %s -v %s:/private.log:Z -v %s:/shared:z %s sleep 3600"
                      % (names[0], private, shared, image))
    # B mounts the same file without relabelling it: it keeps A's pair. (A file, not a directory:
    # refpolicy does not audit the directory search a cross-category path lookup is denied first.)
    host.check_output("docker run -d --name %s -v %s:/private.log -v %s:/shared:z %s sleep 3600"
                      % (names[1], private, shared, image))
    yield names, private, shared
    host.run("docker rm -f %s %s" % names)
    host.run("rm -rf %s" % base)


def _process_label(host, name):
    return json.loads(host.check_output("docker inspect %s" % name))[0]["ProcessLabel"]


def _level(label):
    return ":".join(label.split(":")[3:])


def _file_label(host, path):
    return host.check_output("getfattr --absolute-names --only-values -n security.selinux %s" % path).rstrip("\x00")


def _modules(host):
    """semodule --list-modules=full -> {name: enabled}."""
    return {line.split()[1]: not line.rstrip().endswith("disabled")
            for line in host.check_output("semodule --list-modules=full").splitlines() if line.strip()}


def test_role_enabled_the_container_modules_prepare_disabled(host):
    modules = _modules(host)
    assert modules["container"] is True and modules["docker"] is True
    # Only what Docker needs: the modules prepare disabled with them stay as the administrator left them.
    assert [m for m in ("crio", "kubernetes", "podman") if modules[m]] == []


def test_bind_sources_carry_a_persistent_container_file_context(host):
    assert ":container_file_t:" in host.check_output("matchpathcon %s/x" % BIND_SOURCES)
    assert _file_label(host, BIND_SOURCES).split(":")[2] == "container_file_t"


def test_daemon_runs_with_selinux_enabled(host):
    daemon = json.loads(host.file("/etc/docker/daemon.json").content_string)
    assert daemon["selinux-enabled"] is True
    options = host.check_output("docker info --format '{{json .SecurityOptions}}'")
    assert "name=selinux" in options


def test_containers_run_as_container_t_with_distinct_pairs(host, pair):
    names, _private, _shared = pair
    labels = [_process_label(host, n) for n in names]
    for name, label in zip(names, labels):
        assert label.split(":")[2] == "container_t", "%s runs as %s" % (name, label)
        assert re.match(r"^s0:c\d+,c\d+$", _level(label)), label
        # The kernel's view: PID 1 of the container carries the same context.
        pid = host.check_output("docker inspect -f '{{.State.Pid}}' %s" % name)
        assert host.file("/proc/%s/attr/current" % pid).content_string.rstrip("\x00\n") == label
    assert _level(labels[0]) != _level(labels[1]), labels


def test_private_volume_carries_its_containers_pair(host, pair):
    names, private, _shared = pair
    label = _file_label(host, private)
    assert label.split(":")[2] == "container_file_t", label
    assert _level(label) == _level(_process_label(host, names[0])), label


def test_owner_writes_the_private_volume(host, pair):
    names, private, _shared = pair
    host.check_output("docker exec %s sh -c 'echo from-a >> /private.log'" % names[0])
    assert host.file(private).content_string == "from-a\n"


def test_other_container_is_denied_with_an_avc(host, pair, await_audit):
    names, private, _shared = pair
    # Root in B with every DAC override: only the category pair stands in the way.
    write = host.run("docker exec %s sh -c 'echo from-b >> /private.log'" % names[1])
    assert write.rc != 0, "container B wrote into A's :Z volume"
    assert "permission denied" in (write.stdout + write.stderr).lower()
    assert "from-b" not in host.file(private).content_string
    level_a = _level(_file_label(host, private))
    level_b = _level(_process_label(host, names[1]))
    await_audit("avc:  denied", ":container_t:%s " % level_b, ":container_file_t:%s " % level_a)
    avcs = host.check_output("grep -F 'avc:  denied' /var/log/audit/audit.log | grep -F container_t || true")
    assert any(":container_t:%s " % level_b in line and ":container_file_t:%s " % level_a in line
               for line in avcs.splitlines()), avcs[-3000:]


def test_shared_volume_is_writable_from_both(host, pair):
    names, _private, shared = pair
    label = _file_label(host, shared)
    assert label.split(":")[2] == "container_file_t" and _level(label) == "s0", label
    for name in names:
        host.check_output("docker exec %s sh -c 'echo %s > /shared/%s.txt'" % (name, name, name))
        assert host.file("%s/%s.txt" % (shared, name)).content_string == name + "\n"


def test_report_shows_each_containers_label(host, pair, tmp_path):
    names, _private, _shared = pair
    root = os.environ["MOLECULE_PROJECT_DIRECTORY"]
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", os.environ["MOLECULE_INVENTORY_FILE"],
         os.path.join(root, "playbooks", "report.yml"), "-e", "report_dir=%s" % tmp_path,
         "-e", "labforge_report_hosts=docker_hosts"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1"), timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:]
    (row,) = json.loads((tmp_path / "labforge-report.json").read_text())
    reported = {c["name"]: c["label"] for c in row["containers"]}
    for name in names:
        assert reported[name] == _process_label(host, name)
        assert ":container_t:" in reported[name]
    assert "%s %s" % (names[0], reported[names[0]]) in (tmp_path / "labforge-report.md").read_text()
