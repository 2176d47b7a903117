"""kvm_host + kvm_guest on a Debian container (LABFORGE_SUITE; guests under TCG, see molecule.yml)."""

import difflib
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import testinfra
import yaml

VIRSH = "virsh -c qemu:///system "


def virsh(host, args):
    out = host.run(VIRSH + args)
    assert out.rc == 0, out.stderr
    return out.stdout


def domxml(host, name, inactive=True):
    return ET.fromstring(virsh(host, "dumpxml %s%s" % ("--inactive " if inactive else "", name)))


def img_info(host, path):
    return json.loads(host.check_output("qemu-img info --force-share --output=json %s", path))


@pytest.mark.parametrize("service", ["libvirtd", "virtlogd"])
def test_services_active(host, service):
    svc = host.service(service)
    assert svc.is_running
    assert svc.is_enabled


def test_virsh_list_works(host):
    out = virsh(host, "list")
    assert re.search(r"Id\s+Name\s+State", out)


def test_conf_keys(host):
    qemu = host.file("/etc/libvirt/qemu.conf").content_string
    assert re.search(r'^log_timestamp = 1$', qemu, re.M)
    assert re.search(r'^vnc_listen = "127\.0\.0\.1"$', qemu, re.M)
    assert re.search(r'^max_clients = 100$', host.file("/etc/libvirt/libvirtd.conf").content_string, re.M)


def test_pool(host):
    info = virsh(host, "pool-info default")
    assert re.search(r"State:\s+running", info)
    assert re.search(r"Autostart:\s+yes", info)
    path = ET.fromstring(virsh(host, "pool-dumpxml default")).findtext("./target/path")
    assert path == "/var/lib/libvirt/images"


def test_network(host):
    info = virsh(host, "net-info labforge")
    assert re.search(r"Active:\s+yes", info)
    assert re.search(r"Bridge:\s+virbr1", info)
    net = ET.fromstring(virsh(host, "net-dumpxml labforge"))
    assert net.find("./forward").get("mode") == "nat"
    assert "inet 192.168.123.1/24" in host.check_output("ip -4 addr show virbr1")


def test_kernel_guest_booted(host):
    assert "running" in virsh(host, "domstate tiny")
    dom = domxml(host, "tiny", inactive=False)
    assert dom.get("type") == "qemu"  # TCG on this machine
    assert dom.findtext("./os/cmdline") == "console=ttyS0 panic=-1"
    log = host.file("/var/log/libvirt/qemu/tiny-serial.log")
    # Retried by the booted marker: TCG boots the kernel in about 2 s here.
    for _attempt in range(30):
        if "labforge-guest: initramfs up" in log.content_string:
            break
        host.run("sleep 1")
    content = log.content_string
    # bookworm: "6.1.0-37-amd64", trixie: "6.12.118+deb13-amd64"
    assert re.search(r"Linux version \d+\.\d+\.\d+[-+]\S+-amd64", content)
    assert "Command line: console=ttyS0 panic=-1" in content
    assert "labforge-guest: initramfs up" in content


@pytest.mark.parametrize("name", ["tiny", "clone", "copy"])
def test_guests_run_under_tcg(host, name):
    # Also after side_effect re-ran kvm_guest alone (no kvm_host in that play).
    assert domxml(host, name).get("type") == "qemu"


def test_domain_xml_defaults(host):
    dom = domxml(host, "copy")
    disk = dom.find("./devices/disk")
    assert disk.find("target").get("bus") == "virtio"
    assert disk.find("driver").get("type") == "qcow2"
    assert disk.find("driver").get("cache") == "none"
    assert dom.find("./devices/interface/model").get("type") == "virtio"
    sec = dom.find("./seclabel")
    assert (sec.get("type"), sec.get("model"), sec.get("relabel")) == ("dynamic", "selinux", "yes")


def test_guest_agent_channel_unless_switched_off(host):
    def agent_channels(name):
        return [c.find("target").get("name") for c in domxml(host, name).findall("./devices/channel")
                if c.find("target").get("type") == "virtio"]
    assert agent_channels("tiny") == ["org.qemu.guest_agent.0"]
    assert agent_channels("copy") == []


def test_domain_xml_cache_modes(host):
    dom = domxml(host, "clone")
    caches = {d.find("source").get("file"): d.find("driver").get("cache") for d in dom.findall("./devices/disk")}
    assert caches == {
        "/var/lib/libvirt/images/clone-root.qcow2": "writeback",
        "/var/lib/libvirt/images/clone-scratch.qcow2": "writethrough",
    }


def test_qcow2_preallocation_metadata(host):
    # Created at 32M, grown to 48M while the guest was shut off (side_effect.yml): the grown part too.
    path = "/var/lib/libvirt/images/clone-scratch.qcow2"
    info = img_info(host, path)
    assert info["format"] == "qcow2" and info["virtual-size"] == 48 * 1024 * 1024
    # With preallocation=metadata every cluster is mapped in the image itself (an offset),
    # reading as zeroes; without it the map has no offsets.
    extents = json.loads(host.check_output("qemu-img map --force-share --output=json %s", path))
    assert extents and all("offset" in e and e["depth"] == 0 for e in extents)
    # ... and the L2 tables make the file at least as large as the virtual disk.
    assert host.file(path).size >= info["virtual-size"]


def test_running_guest_disk_grown_live(host):
    # side_effect.yml asked 96M for tiny's 64M data disk while tiny ran: virsh blockresize.
    assert img_info(host, "/var/lib/libvirt/images/tiny-data.qcow2")["virtual-size"] == 96 * 1024 * 1024
    capacity = [line.split()[1] for line in virsh(host, "domblkinfo tiny /var/lib/libvirt/images/tiny-data.qcow2").splitlines()
                if line.startswith("Capacity:")]
    assert capacity == [str(96 * 1024 * 1024)]
    assert "running" in virsh(host, "domstate tiny")


def test_linked_clone_and_full_copy(host):
    clone = img_info(host, "/var/lib/libvirt/images/clone-root.qcow2")
    assert clone["backing-filename"] == "/var/lib/labforge-test/base.qcow2"
    assert clone["backing-filename-format"] == "qcow2"
    assert clone["format-specific"]["data"]["extended-l2"] is True
    copy = img_info(host, "/var/lib/libvirt/images/copy-root.qcow2")
    assert "backing-filename" not in copy
    assert copy["virtual-size"] == 128 * 1024 * 1024


def test_ova_guest_from_ovf(host):
    # The side effect removed the appliance at the end; converge left this copy of its XML.
    dom = ET.fromstring(host.file("/root/appliance-converged.xml").content_string)
    assert dom.get("type") == "qemu"
    assert dom.findtext("./vcpu") == "2"
    assert dom.find("./memory").text == str(768 * 1024)  # KiB
    src = dom.find("./devices/disk/source").get("file")
    assert src == "/var/lib/libvirt/images/appliance-ova0.qcow2"
    assert dom.find("./devices/disk/driver").get("type") == "qcow2"


def _downloaded(host, file_name):
    """The one file under downloads/ that source.url saved file_name as (<prefix>-<file name>)."""
    names = host.check_output("ls /var/lib/libvirt/images/downloads").split()
    matches = [n for n in names if n.endswith("-" + file_name)]
    assert len(matches) == 1, names
    return "/var/lib/libvirt/images/downloads/" + matches[0]


def test_url_sources_are_downloaded_checked_and_used(host):
    for file_name in ("base.qcow2", "appliance.ova"):
        saved = host.file(_downloaded(host, file_name))
        assert saved.sha256sum == host.file("/var/lib/labforge-test/" + file_name).sha256sum
        assert saved.mode == 0o644 and saved.user == "root"
    clone = img_info(host, "/var/lib/libvirt/images/url-clone-root.qcow2")
    assert clone["backing-filename"] == _downloaded(host, "base.qcow2")
    ova = domxml(host, "url-ova")
    assert ova.findtext("./vcpu") == "2"  # from the downloaded OVA's OVF
    assert ova.find("./devices/disk/source").get("file") == "/var/lib/libvirt/images/url-ova-ova0.qcow2"


def test_absent_with_disks_removed_only_its_own(host):
    assert "appliance" not in virsh(host, "list --all --name").split()
    assert not host.file("/var/lib/libvirt/images/appliance-ova0.qcow2").exists
    assert not host.file("/var/lib/libvirt/images/appliance-ova").exists
    assert not host.file("/etc/libvirt/labforge-guests/appliance.xml").exists
    assert host.file("/var/lib/labforge-test/appliance.ova").exists
    assert host.file("/var/lib/labforge-test/base.qcow2").exists


def test_redefine_kept_uuid_and_mac(host):
    before = dict(line.split("=", 1) for line in host.file("/root/redefine-before.txt").content_string.split())
    dom = domxml(host, "clone")
    assert before["vcpus"] == "1"
    assert dom.findtext("./vcpu") == "2"  # the changed definition was applied
    assert dom.findtext("./uuid") == before["uuid"]
    assert dom.find("./devices/interface/mac").get("address") == before["mac"]


def test_rendered_xml_kept_for_diff(host):
    f = host.file("/etc/libvirt/labforge-guests/clone.xml")
    assert f.mode == 0o600
    assert "<vcpu placement='static'>2</vcpu>" in f.content_string


def test_snapshots_and_revert(host):
    names = virsh(host, "snapshot-list --name copy").split()
    assert sorted(names) == ["s1", "s2"]
    assert virsh(host, "snapshot-current --name copy").strip() == "s1"


def test_bad_input_left_nothing(host):
    assert not [n for n in virsh(host, "list --all --name").split() if n.startswith("bad-")]
    assert host.run("ls /var/lib/libvirt/images/bad-* /etc/libvirt/labforge-guests/bad-*").rc != 0
    # The download whose checksum did not match was not kept.
    assert host.run("ls /var/lib/libvirt/images/downloads/*-bad-checksum.qcow2").rc != 0


def test_guest_agent_reports_the_address(host):
    """side_effect's kvm_guest run set kvm_guest_addresses from tiny's qemu-ga (192.168.123.50/24 on eth0)."""
    addresses = json.loads(host.file("/root/agent-addresses.json").content_string)
    mac = domxml(host, "tiny").find("./devices/interface/mac").get("address")
    ipv4 = [a for a in addresses["tiny"] if a["family"] == "ipv4"]
    assert ipv4 == [{"interface": "eth0", "hwaddr": mac, "family": "ipv4", "address": "192.168.123.50", "prefix": 24}]
    # Only guests whose agent answered: the other running guests have no agent channel or none running.
    assert sorted(addresses) == ["tiny"]


def test_shutoff_went_through_the_guest_agent(host):
    """tiny loads no ACPI button driver: only qemu-ga's guest-shutdown (its /sbin/shutdown) powers it off."""
    assert host.file("/root/tiny-shutdown-state.txt").content_string.strip() == "shut off (shutdown)"
    console = host.file("/root/tiny-shutdown-serial.log").content_string
    # qemu-ga --verbose logs each command it reads on the console; the kernel then powers off.
    assert '"execute":"guest-shutdown"' in console
    assert console.index('"execute":"guest-shutdown"') < console.index("reboot: Power down")
    # kvm_guest started it again afterwards.
    assert "running" in virsh(host, "domstate tiny")


def test_a_guest_that_ignores_acpi_is_reported_not_destroyed(host):
    result = json.loads(host.file("/root/acpi-only-shutdown.json").content_string)
    assert result["msg"].startswith("acpi-only still runs 5 s after a shutdown request through the ACPI power button "
                                    "(no guest agent answered: ")
    assert result["msg"].endswith("; it was not destroyed")
    assert result["state"] == "running"
    assert "acpi-only" not in virsh(host, "list --all --name").split()


def test_migration_preflight(host):
    result = json.loads(host.file("/root/migration-preflight.json").content_string)
    assert result["problems"] == []
    assert "identical" in result["cpu_compare"] or "superset" in result["cpu_compare"]


def test_an_interrupted_disk_copy_is_made_again(host):
    # side_effect step 7: the first run died half-way through `qemu-img convert`; the second run
    # must not take the half copy for the disk (`creates:` on a file written in place would).
    disk = "/var/lib/libvirt/images/resumed-root.qcow2"
    assert not host.file(disk + ".part").exists
    # The base reads as zeros, and so would a cut copy: the image's own metadata must be whole.
    check = host.run("qemu-img check --force-share %s", disk)
    assert check.rc == 0, check.stdout + check.stderr
    same = host.run("qemu-img compare --force-share /var/lib/labforge-test/base.qcow2 %s", disk)
    assert same.rc == 0, same.stdout + same.stderr


def test_migration_preflight_against_another_host(host):
    # side_effect step 8: kvm_host-bookworm (libvirt 9) asks kvm_host-kvm1 (libvirt 11) for each guest.
    if host.backend.get_hostname() != "kvm_host-bookworm":
        pytest.skip("the preflight to the other host runs on kvm_host-bookworm")
    refused = json.loads(host.file("/root/migration-two-hosts.json").content_string)
    # The target's own verdict on the source's CPU (TCG: each qemu version offers another CPU).
    assert "tiny cannot live-migrate from kvm_host-bookworm to kvm_host-kvm1: the CPUs are incompatible" in refused["tiny"]
    assert "incompatible with the CPU provided by hypervisor on the host" in refused["tiny"]
    assert "the target cannot reach these disks" not in refused["tiny"]  # tiny-data.qcow2 exists on kvm1 too
    assert "the target cannot reach these disks" in refused["solo"]
    assert "/var/lib/libvirt/images/solo-root.qcow2" in refused["solo"]
    assert "passthrough devices" in refused["passthrough"] and "pin the guest to this host" in refused["passthrough"]
    assert "passthrough devices" not in refused["solo"]


def test_migration_preflight_to_an_older_libvirt_is_refused(host):
    # The CPU check runs on the target: libvirt 9 does not know every CPU feature libvirt 11 reports.
    if host.backend.get_hostname() != "kvm_host-kvm1":
        pytest.skip("the preflight to the older host runs on kvm_host-kvm1")
    refusal = host.file("/root/migration-to-older-libvirt.txt").content_string
    assert "tiny cannot live-migrate from kvm_host-kvm1 to kvm_host-bookworm: the CPUs are incompatible" in refusal


# --- check mode: `ansible-playbook --check --diff` of kvm_guest (check_diff.yml) --------------------------

SCENARIO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The template directory as check mode must leave it: names, sizes, times, modes, definitions.
TEMPLATE_STATE = "ls -l --full-time /var/lib/libvirt/templates && cat /var/lib/libvirt/templates/*.json"
CHECKED_GUESTS = ("clone", "tiny", "copy")
_CHECK_RUN = {}


def check_diff_run():
    """check_diff.yml run once for every instance with --check --diff (JSON callback): the define results by
    host and guest, and each host's inactive definitions of the guests taken just before the run."""
    if "returncode" in _CHECK_RUN:  # failed for the first host: not run again for the next
        assert _CHECK_RUN["returncode"] == 0, "check_diff.yml failed, see the first host's error"
    if not _CHECK_RUN:
        inventory = os.environ["MOLECULE_INVENTORY_FILE"]
        with open(os.path.join(SCENARIO_DIR, "molecule.yml")) as f:
            names = [p["name"] for p in yaml.safe_load(f)["platforms"]]
        before, templates_before = {}, {}
        for name in names:
            instance = testinfra.get_host("ansible://" + name, ansible_inventory=inventory)
            before[name] = {guest: virsh(instance, "dumpxml --inactive " + guest) for guest in CHECKED_GUESTS}
            templates_before[name] = instance.check_output(TEMPLATE_STATE)
        env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_NOCOLOR="1")
        proc = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory,
             "--check", "--diff", os.path.join(SCENARIO_DIR, "check_diff.yml")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, env=env, timeout=900, check=False)
        ephemeral = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY")
        if ephemeral:  # kept for a person reading a failure
            with open(os.path.join(ephemeral, "check-diff.json"), "w") as f:
                f.write(proc.stdout)
        _CHECK_RUN["returncode"] = proc.returncode
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
        defines, templates = {}, {}
        # The JSON document, without profile_tasks' timing lines (the scenario enables it) around it.
        start = 0 if proc.stdout.startswith("{") else proc.stdout.index("\n{\n") + 1
        report, _end = json.JSONDecoder().raw_decode(proc.stdout[start:])
        for play in report["plays"]:
            for task in play["tasks"]:
                for hostname, result in task["hosts"].items():
                    if "definition_changed" in result:  # labforge.virt.libvirt_domain_define
                        defines.setdefault(hostname, {})[result["name"]] = result
                    elif "definition_path" in result:  # labforge.virt.kvm_template
                        templates.setdefault(hostname, {})[os.path.basename(result["path"])[:-len(".qcow2")]] = result
        _CHECK_RUN.update(defines=defines, before=before, templates=templates, templates_before=templates_before)
    return _CHECK_RUN


@pytest.fixture(scope="module")
def check_run(host):
    run = check_diff_run()
    name = host.backend.get_hostname()
    return run["defines"].get(name, {}), run["before"][name]


def define_result(defines, guest):
    assert guest in defines, "no define result for %s in check mode (was the step skipped?): %s" % (guest, sorted(defines))
    return defines[guest]


def unified(result):
    return "\n".join(difflib.unified_diff(result["diff"]["before"].splitlines(), result["diff"]["after"].splitlines(),
                                          lineterm="", n=0))


def test_check_mode_shows_a_changed_definition(host, check_run):
    defines, _before = check_run
    clone = define_result(defines, "clone")
    assert clone["changed"] is True and clone["definition_changed"] is True and clone["created"] is False
    diff = unified(clone)
    # 256 -> 384 MiB, in libvirt's KiB; nothing else (no uuid, address, controller or machine-version noise).
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert sorted(changed) == sorted([
        "-  <currentMemory unit='KiB'>262144</currentMemory>",
        "-  <memory unit='KiB'>262144</memory>",
        "+  <currentMemory unit='KiB'>393216</currentMemory>",
        "+  <memory unit='KiB'>393216</memory>",
    ]), diff


def test_check_mode_left_libvirt_alone(host, check_run):
    _defines, before = check_run
    for name, xml in before.items():
        assert virsh(host, "dumpxml --inactive " + name) == xml, name
    assert domxml(host, "clone").find("./memory").text == str(256 * 1024)
    assert "checkfresh" not in virsh(host, "list --all --name").split()
    assert not host.file("/var/lib/libvirt/images/checkfresh-root.qcow2").exists
    assert "running" in virsh(host, "domstate tiny")


@pytest.mark.parametrize("name", ["tiny", "copy", "url-clone"])
def test_check_mode_unchanged_guest_reports_no_change(host, check_run, name):
    defines, _before = check_run
    result = define_result(defines, name)
    assert result["changed"] is False and result["definition_changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"]
    assert "<name>%s</name>" % name in result["diff"]["before"]


def test_check_mode_new_guest_is_all_new(host, check_run):
    defines, _before = check_run
    fresh = define_result(defines, "checkfresh")
    assert fresh["changed"] is True and fresh["created"] is True
    assert fresh["diff"]["before"] == ""
    after = ET.fromstring(fresh["diff"]["after"])
    assert after.findtext("name") == "checkfresh"
    assert after.findtext("memory") == str(128 * 1024)


def test_check_mode_downloads_nothing_and_leaves_out_the_guest_waiting_for_it(host, check_run):
    defines, _before = check_run
    assert "checkurl" not in defines
    assert "checkurl" not in virsh(host, "list --all --name").split()
    assert host.run("ls /var/lib/libvirt/images/downloads/*-fresh.qcow2").rc != 0


def test_check_mode_shows_the_template_it_would_make_and_makes_nothing(host, check_run):
    templates = check_diff_run()["templates"][host.backend.get_hostname()]
    would = templates["checktpl"]
    assert would["changed"] is True and would["method"] == "backup"
    assert would["definition"]["made_from"] == "guest web (cloned while running)"
    assert '"made_from": "guest web (cloned while running)"' in would["diff"]["after"]
    # The existing templates are found and unchanged, and so is the directory.
    assert sorted(templates) == ["checktpl", "golden", "golden-copy", "imported"]
    assert sorted(name for name, result in templates.items() if result["changed"]) == ["checktpl"]
    assert host.check_output(TEMPLATE_STATE) == check_diff_run()["templates_before"][host.backend.get_hostname()]
    # checktpl-copy's source exists only after a real run: not asked for, and nothing of either made.
    assert "checktpl-copy" not in templates
    assert host.run("ls /var/lib/libvirt/templates/checktpl*").rc != 0


# --- Templates (kvm_guest_templates, issue 17) ------------------------------------------------

TEMPLATES = "/var/lib/libvirt/templates"
SEALED_AWAY = ["/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_ed25519_key.pub", "/var/log/syslog",
               "/var/log/apt/history.log"]


def image_files(host, path):
    """What the ext4 root in a qcow2 image holds: {'machine-id': text, 'present': [paths of SEALED_AWAY]}.

    Read with debugfs from a raw copy, independently of libguestfs, the tool that seals."""
    raw = "/tmp/labforge-image-check.raw"
    host.check_output("qemu-img convert --force-share -O raw %s %s", path, raw)
    try:
        machine_id = host.run("debugfs -R 'cat /etc/machine-id' %s", raw).stdout
        present = [p for p in SEALED_AWAY if host.run("debugfs -R 'stat %s' %s", p, raw).stdout.strip()]
    finally:
        host.run("rm -f %s", raw)
    return {"machine-id": machine_id.strip(), "present": present}


def definition(host, name):
    return json.loads(host.file("%s/%s.json" % (TEMPLATES, name)).content_string)


@pytest.mark.parametrize("name", ["golden", "golden-copy", "imported", "converted"])
def test_template_is_a_read_only_flat_image(host, name):
    image = host.file("%s/%s.qcow2" % (TEMPLATES, name))
    assert image.is_file
    assert (image.user, image.group, image.mode) == ("root", "root", 0o444)
    info = img_info(host, image.path)
    assert info["format"] == "qcow2"
    assert "backing-filename" not in info  # flattened: it does not depend on its source
    assert not host.file(image.path + ".part").exists


def test_template_cloned_from_the_running_guest_is_sealed(host):
    """golden is web's disk copied while web runs; machine-id emptied, host keys and logs gone."""
    assert "running" in virsh(host, "domstate web")
    sealed = image_files(host, "%s/golden.qcow2" % TEMPLATES)
    assert sealed == {"machine-id": "", "present": []}
    # The guest keeps its identity: sealing works on the copy only.
    assert image_files(host, "/var/lib/libvirt/images/web-root.qcow2") == {
        "machine-id": "5f0c0ffee5f0c0ffee5f0c0ffee5f0c0", "present": SEALED_AWAY}
    made = definition(host, "golden")
    assert made["made_from"] == "guest web (cloned while running)"
    assert (made["vcpus"], made["memory_mib"]) == (1, 128)
    assert made["source_uuid"] == virsh(host, "domuuid web").strip()
    assert made["sealed"][:3] == ["machine-id", "ssh-hostkeys", "logfiles"]


def test_template_from_template_and_import(host):
    copy = definition(host, "golden-copy")
    assert (copy["made_from"], copy["memory_mib"], copy["sealed"]) == ("template golden", 192, [])
    imported = definition(host, "imported")
    assert imported["made_from"].startswith("file /var/lib/libvirt/templates/downloads/")
    # Not sealed unless asked: the imported image keeps what it had.
    assert image_files(host, "%s/imported.qcow2" % TEMPLATES)["machine-id"] == "5f0c0ffee5f0c0ffee5f0c0ffee5f0c0"


def test_guests_made_from_templates(host):
    linked = img_info(host, "/var/lib/libvirt/images/from-golden-root.qcow2")
    assert linked["full-backing-filename"] == "%s/golden-copy.qcow2" % TEMPLATES
    # CPUs and memory from golden-copy's definition (the guest entry sets neither).
    xml = domxml(host, "from-golden")
    assert int(xml.findtext("memory")) == 192 * 1024
    full = img_info(host, "/var/lib/libvirt/images/from-imported-root.qcow2")
    assert "backing-filename" not in full


def test_converted_guest_is_gone_and_its_disk_is_the_template(host):
    assert host.run(VIRSH + "dominfo to-convert").rc != 0
    assert not host.file("/var/lib/libvirt/images/to-convert-root.qcow2").exists
    assert host.file("/var/lib/libvirt/images/to-convert-data.qcow2").exists  # its other disks are kept
    made = definition(host, "converted")
    assert (made["made_from"], made["vcpus"], made["memory_mib"]) == ("guest to-convert (converted)", 2, 160)
    assert image_files(host, "%s/converted.qcow2" % TEMPLATES) == {"machine-id": "", "present": []}
