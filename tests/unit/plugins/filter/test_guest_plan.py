# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kvm_guest role's plan (plugins/filter/guest_plan.py, module_utils/_guest_plan.py).

The UUIDs and MAC addresses expected below were rendered by the Jinja template this filter replaced
(roles/kvm_guest/templates/plan.json.j2), so a change in how they are derived shows up here: a changed
UUID or MAC would make the role redefine every guest it created before.
"""

import copy
import os

import pytest
import yaml

from ansible_collections.labforge.virt.plugins.filter.guest_plan import FilterModule
from ansible_collections.labforge.virt.plugins.module_utils import _guest_plan

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "kvm_guest")
PLAN = FilterModule().filters()["kvm_guest_plan"]


def _role_file(name):
    with open(os.path.join(ROLE, name)) as handle:
        return yaml.safe_load(handle)


ROLE_DEFAULTS = _role_file("defaults/main.yml")
ROLE_VARS = _role_file("vars/main.yml")
FILES = ["/var/lib/labforge-test/vmlinuz", "/var/lib/labforge-test/initrd.img", "/var/lib/labforge-test/base.qcow2",
         "/var/lib/labforge-test/appliance.ova"]
# The guests of molecule/kvm_host: one per source type but blank (kernel, linked_clone, full_copy, ova).
MOLECULE_GUESTS = [
    {"name": "tiny", "vcpus": 1, "memory_mib": 256, "state": "running", "seclabel": {"type": "none"}, "disks": [{"name": "data", "size": "64M"}],
     "source": {"type": "kernel", "kernel": "/var/lib/labforge-test/vmlinuz", "initrd": "/var/lib/labforge-test/initrd.img",
                "cmdline": "console=ttyS0 panic=-1"}},
    {"name": "clone", "vcpus": 1, "memory_mib": 256, "cache": "writeback", "state": "shutoff",
     "source": {"type": "linked_clone", "base": "/var/lib/labforge-test/base.qcow2"}, "disks": [{"name": "scratch", "size": "32M", "cache": "writethrough"}]},
    {"name": "copy", "memory_mib": 256, "state": "shutoff", "source": {"type": "full_copy", "base": "/var/lib/labforge-test/base.qcow2"},
     "networks": [{"network": "labforge", "mac": "52:54:00:aa:bb:01"}], "snapshots": [{"name": "s1", "description": "First snapshot"}]},
    {"name": "appliance", "state": "shutoff", "source": {"type": "ova", "ova": "/var/lib/labforge-test/appliance.ova"}},
]
VALID = {"name": "ok", "memory_mib": 256, "source": {"type": "blank", "size": "16M"}, "seclabel": {"type": "none"}}


def plan(guests, host="kvm1", **overrides):
    """The filter as preflight calls it, with the role's defaults and vocabularies; overrides replace arguments."""
    args = {
        "host": host, "defaults": ROLE_DEFAULTS["kvm_guest_defaults"], "image_dir": ROLE_DEFAULTS["kvm_guest_image_dir"],
        "root_size": ROLE_DEFAULTS["kvm_guest_root_size"], "domain_type": "kvm", "machine": ROLE_DEFAULTS["kvm_guest_machine"],
        "cpu_mode": ROLE_DEFAULTS["kvm_guest_cpu_mode"], "default_networks": [{"network": "labforge"}],
        "warn_writethrough": ROLE_DEFAULTS["kvm_guest_warn_writethrough"],
        "cache_modes": ROLE_VARS["__kvm_guest_cache_modes"], "source_types": ROLE_VARS["__kvm_guest_source_types"],
        "states": ROLE_VARS["__kvm_guest_states"], "disk_buses": ROLE_VARS["__kvm_guest_disk_buses"],
        "net_models": ROLE_VARS["__kvm_guest_net_models"], "seclabel_types": ROLE_VARS["__kvm_guest_seclabel_types"],
        "domains": {}, "found_files": FILES, "security_models": ["selinux", "dac"],
    }
    args.update(overrides)
    return PLAN(copy.deepcopy(guests), **args)


def guest(**keys):
    """A valid guest with keys changed."""
    result = copy.deepcopy(VALID)
    result.update(keys)
    return result


def by_name(result):
    return dict((entry["name"], entry) for entry in result["plan"])


def test_the_filter_is_the_module_utils_function():
    assert PLAN is _guest_plan.kvm_guest_plan


def test_blank_guest_full_entry():
    """The lab inventory's guest, entry for entry as the template planned it."""
    result = plan([{"name": "lab-vm1", "vcpus": 1, "memory_mib": 128, "source": {"type": "blank", "size": "256M"}, "seclabel": {"type": "none"},
                    "state": "running"}], host="lab-kvm1", domain_type="qemu")
    assert result == {"errors": [], "warnings": [], "plan": [{
        "name": "lab-vm1", "state": "running", "source": {"type": "blank", "size": "256M"}, "source_type": "blank",
        "uuid": "d4a71310-7bd3-5903-8b29-17487e38f59f", "exists": False, "autostart": False, "remove_disks": False,
        "snapshots": [], "revert_snapshot": "", "domain_type": "qemu", "machine": "q35", "cpu_mode": "host-model",
        "vcpus": 1, "memory_mib": 128, "vcpus_from_ovf": False, "memory_from_ovf": False,
        "vcpus_from_template": False, "memory_from_template": False, "template_pending": False,
        "serial_log": "/var/log/libvirt/qemu/lab-vm1-serial.log", "guest_agent": True,
        "disks": [{"name": "root", "path": "/var/lib/libvirt/images/lab-vm1-root.qcow2", "create": "blank", "size": "256M", "bus": "virtio",
                   "cache": "none"}],
        "networks": [{"type": "network", "source": "labforge", "mac": "52:54:00:c2:67:a3", "model": "virtio"}],
        "os": {}, "seclabel": {"type": "none", "model": "selinux", "relabel": True}, "download": None,
    }]}


@pytest.mark.parametrize("value, planned", [(None, True), (False, False), ("no", False), ("yes", True)])
def test_guest_agent_channel_on_unless_switched_off(value, planned):
    entry = {"name": "ga", "seclabel": {"type": "none"}}
    if value is not None:
        entry["guest_agent"] = value
    assert plan([entry])["plan"][0]["guest_agent"] is planned


def test_blank_guest_without_source_gets_the_root_size():
    entry = plan([{"name": "plain", "seclabel": {"type": "none"}}])["plan"][0]
    assert entry["source"] == {"type": "blank"} and entry["source_type"] == "blank"
    assert entry["disks"][0]["size"] == "10G" and entry["disks"][0]["path"] == "/var/lib/libvirt/images/plain-root.qcow2"
    assert entry["vcpus"] == 1 and entry["memory_mib"] == 1024


def test_molecule_guests_plan_without_errors():
    """kernel, linked_clone, full_copy and ova guests: the plan the template made for molecule/kvm_host."""
    result = plan(MOLECULE_GUESTS, host="kvm_host-kvm1", domain_type="qemu", security_models=[])
    assert result["errors"] == []
    assert result["warnings"] == ["guest 'clone': disk 'scratch' uses cache=writethrough, the slowest mode measured "
                                  "(none and writeback were close, writethrough last; see docs/field-facts.md#cache-modes)."]
    guests = by_name(result)
    assert [(name, entry["uuid"], [nic["mac"] for nic in entry["networks"]]) for name, entry in guests.items()] == [
        ("tiny", "62a434ff-a0aa-5745-9ff5-57506ef90aaf", ["52:54:00:b9:a8:4e"]),
        ("clone", "3b0e54f8-a559-52bd-85ca-e753c8c3ef5f", ["52:54:00:9a:ae:49"]),
        ("copy", "081d46c1-c404-5e9e-9f23-278ebe4e07b1", ["52:54:00:aa:bb:01"]),
        ("appliance", "9faacaf3-6970-5d43-86f4-035800b51770", ["52:54:00:0e:7f:38"]),
    ]


def test_kernel_source_boots_directly_and_has_no_root_disk():
    tiny = by_name(plan(MOLECULE_GUESTS))["tiny"]
    assert tiny["os"] == {"kernel": "/var/lib/labforge-test/vmlinuz", "initrd": "/var/lib/labforge-test/initrd.img",
                          "cmdline": "console=ttyS0 panic=-1"}
    assert tiny["disks"] == [{"name": "data", "path": "/var/lib/libvirt/images/tiny-data.qcow2", "create": "blank", "size": "64M",
                              "bus": "virtio", "cache": "none"}]
    bare = plan([guest(name="k", source={"type": "kernel", "kernel": "/var/lib/labforge-test/vmlinuz"})])
    assert bare["errors"] == [] and bare["plan"][0]["os"] == {"kernel": "/var/lib/labforge-test/vmlinuz", "initrd": "", "cmdline": "console=ttyS0"}


@pytest.mark.parametrize("source_type,create", [("linked_clone", "backing"), ("full_copy", "copy")])
def test_clones_and_copies_are_built_on_the_base(source_type, create):
    result = plan([guest(name="c", cache="writeback", source={"type": source_type, "base": "/var/lib/labforge-test/base.qcow2"})])
    assert result["errors"] == []
    assert result["plan"][0]["disks"] == [{"name": "root", "path": "/var/lib/libvirt/images/c-root.qcow2", "create": create,
                                           "base": "/var/lib/labforge-test/base.qcow2", "size": "", "bus": "virtio", "cache": "writeback"}]


def test_ova_takes_cpus_and_memory_from_the_ovf_unless_set():
    guests = by_name(plan([
        {"name": "a", "source": {"type": "ova", "ova": "/var/lib/labforge-test/appliance.ova"}, "seclabel": {"type": "none"}},
        {"name": "b", "vcpus": 0, "memory_mib": 256, "source": {"type": "ova", "ova": "/var/lib/labforge-test/appliance.ova"}},
    ]))
    assert guests["a"]["vcpus_from_ovf"] and guests["a"]["memory_from_ovf"] and guests["a"]["disks"] == []
    assert not guests["b"]["vcpus_from_ovf"] and not guests["b"]["memory_from_ovf"]
    # vcpus 0 is refused for b, which sets it; a's default of 1 is not checked at all.
    assert plan([{"name": "b", "vcpus": 0, "memory_mib": 256, "source": {"type": "ova", "ova": "/var/lib/labforge-test/appliance.ova"}}])[
        "errors"] == ["guest 'b': vcpus must be a whole number of at least 1, got 0."]


def test_absent_guest_is_planned_but_not_checked():
    result = plan([{"name": "gone", "state": "absent", "remove_disks": True, "vcpus": 0, "cache": "fastest", "source": {"type": "nothing"}}])
    entry = result["plan"][0]
    assert result["errors"] == []
    assert entry["state"] == "absent" and entry["remove_disks"] is True
    assert entry["disks"] == [] and entry["networks"] == [] and entry["os"] == {} and "seclabel" not in entry


def test_existing_domain_keeps_uuid_and_macs():
    existing = {"clone": {"uuid": "21111111-2222-4333-8444-555555555555", "macs": ["52:54:00:1A:1B:1C"]}}
    entry = by_name(plan(MOLECULE_GUESTS, host="kvm_host-kvm1", domains=existing))["clone"]
    assert entry["exists"] is True
    assert entry["uuid"] == "21111111-2222-4333-8444-555555555555"
    assert [nic["mac"] for nic in entry["networks"]] == ["52:54:00:1a:1b:1c"]


def test_uuid_order_existing_then_given_then_derived():
    existing = {"a": {"uuid": "", "macs": []}, "b": {"uuid": "from-libvirt", "macs": []}}
    guests = by_name(plan([guest(name="a", uuid="given"), guest(name="b", uuid="given"), guest(name="c")], host="lab-kvm1", domains=existing))
    assert guests["a"]["uuid"] == "given"  # an empty existing UUID does not count
    assert guests["b"]["uuid"] == "from-libvirt"
    assert guests["c"]["uuid"] == "77e17af9-6722-546b-bf80-47697a681ed5"  # ansible.builtin.to_uuid('lab-kvm1/c')


def test_existing_macs_fill_nics_without_a_mac_by_position():
    existing = {"web": {"uuid": "u", "macs": ["52:54:00:11:22:33"]}}
    nics = by_name(plan([guest(name="web", networks=[{"network": "n"}, {"network": "n"}, {"network": "n", "mac": "52:54:00:AB:CD:EF"}])],
                        domains=existing))["web"]["networks"]
    assert nics[0]["mac"] == "52:54:00:11:22:33"
    assert nics[1]["mac"].startswith("52:54:00:") and nics[1]["mac"] != nics[0]["mac"]
    assert nics[2]["mac"] == "52:54:00:ab:cd:ef"


def test_defaults_are_merged_one_level_deep():
    """A guest's key replaces the default's whole value (seclabel too); the fixed base label fills what is missing."""
    defaults = dict(ROLE_DEFAULTS["kvm_guest_defaults"], cache="writeback", disk_bus="scsi", net_model="e1000e", machine="pc",
                    seclabel={"type": "dynamic", "model": "dac", "relabel": False}, networks=[{"bridge": "br9"}])
    guests = by_name(plan([{"name": "a"}, {"name": "b", "seclabel": {"type": "static", "label": "system_u:system_r:svirt_t:s0:c1,c2"}},
                           {"name": "c", "cache": "none", "networks": [{"network": "n"}]}], defaults=defaults, security_models=["dac"]))
    assert guests["a"]["seclabel"] == {"type": "dynamic", "model": "dac", "relabel": False}
    assert guests["b"]["seclabel"] == {"type": "static", "model": "selinux", "relabel": True, "label": "system_u:system_r:svirt_t:s0:c1,c2"}
    assert guests["a"]["disks"][0]["cache"] == "writeback" and guests["a"]["disks"][0]["bus"] == "scsi" and guests["a"]["machine"] == "pc"
    assert guests["c"]["disks"][0]["cache"] == "none"
    assert [(n["type"], n["source"], n["model"]) for n in guests["a"]["networks"]] == [("bridge", "br9", "e1000e")]
    assert [(n["type"], n["source"], n["model"]) for n in guests["c"]["networks"]] == [("network", "n", "e1000e")]


def test_role_wide_values_apply_to_guests_that_do_not_set_them():
    entry = plan([guest(name="a", source=None)], image_dir="/srv/img", root_size="20G", machine="virt", cpu_mode="host-passthrough",
                 domain_type="qemu", default_networks=[{"network": "n1"}, {"bridge": "b1"}])["plan"][0]
    assert (entry["machine"], entry["cpu_mode"], entry["domain_type"]) == ("virt", "host-passthrough", "qemu")
    assert entry["disks"][0]["path"] == "/srv/img/a-root.qcow2" and entry["disks"][0]["size"] == "20G"
    assert [(n["type"], n["source"]) for n in entry["networks"]] == [("network", "n1"), ("bridge", "b1")]


def test_flags_read_as_ansible_bool():
    guests = by_name(plan([guest(name="a", autostart="yes", remove_disks="off"), guest(name="b", autostart=1, remove_disks="True")]))
    assert (guests["a"]["autostart"], guests["a"]["remove_disks"]) == (True, False)
    assert (guests["b"]["autostart"], guests["b"]["remove_disks"]) == (True, True)


def test_valid_guest_has_no_errors_or_warnings():
    result = plan([VALID])
    assert result["errors"] == [] and result["warnings"] == [] and len(result["plan"]) == 1


# Each message, word for word, from the input that should produce it (and only that one message).
ERRORS = [
    ("not a mapping", ["web"], 'kvm_guest_guests[0] must be a mapping with at least a name, got: "web"'),
    ("no name", [{"vcpus": 1}], 'kvm_guest_guests[0] must be a mapping with at least a name, got: {"vcpus": 1}'),
    ("name", [guest(name="bad name")], "guest 'bad name': the name may hold letters, digits, '_', '.', '+' and '-' only."),
    ("state", [guest(state="paused")], "guest 'ok': state 'paused' is not one of running, shutoff, absent."),
    ("vcpus", [guest(vcpus="two")], "guest 'ok': vcpus must be a whole number of at least 1, got \"two\"."),
    ("vcpus float", [guest(vcpus=2.0)], "guest 'ok': vcpus must be a whole number of at least 1, got 2.0."),
    ("memory", [guest(memory_mib=15)], "guest 'ok': memory_mib must be a whole number of MiB, at least 16, got 15."),
    ("domain_type", [guest(domain_type="xen")], "guest 'ok': domain_type must be kvm or qemu, got 'xen'."),
    ("cache", [guest(cache="fastest")], "guest 'ok': cache mode 'fastest' does not exist; use one of none, writeback, writethrough, directsync, "
                                        "unsafe (none is the default; see docs/field-facts.md#cache-modes)."),
    ("disk_bus", [guest(disk_bus="usb")], "guest 'ok': disk_bus 'usb' is not one of virtio, sata, scsi, ide."),
    ("source.type", [guest(source={"type": "floppy"})],
     "guest 'ok': source.type 'floppy' is not one of blank, linked_clone, full_copy, ova, kernel, template."),
    ("base missing", [guest(source={"type": "linked_clone", "base": "/var/lib/labforge-test/missing.qcow2"})],
     "guest 'ok': the base image /var/lib/labforge-test/missing.qcow2 of the linked_clone does not exist on kvm1."),
    ("base not set", [guest(source={"type": "full_copy"})], "guest 'ok': the base image (source.base not set) of the full_copy does not exist on kvm1."),
    ("ova missing", [guest(source={"type": "ova", "ova": "/x.ova"})], "guest 'ok': the OVA /x.ova does not exist on kvm1."),
    ("ova not set", [guest(source={"type": "ova"})], "guest 'ok': the OVA (source.ova not set) does not exist on kvm1."),
    ("kernel not set", [guest(source={"type": "kernel"})], "guest 'ok': the kernel (source.kernel not set) does not exist on kvm1."),
    ("initrd missing", [guest(source={"type": "kernel", "kernel": "/var/lib/labforge-test/vmlinuz", "initrd": "/boot/none"})],
     "guest 'ok': the initrd /boot/none does not exist on kvm1."),
    ("source.size", [guest(source={"type": "blank", "size": "0G"})], "guest 'ok': source.size '0G' is not a size such as 512M or 20G."),
    ("clone size", [guest(source={"type": "linked_clone", "base": "/var/lib/labforge-test/base.qcow2", "size": "huge"})],
     "guest 'ok': source.size 'huge' is not a size such as 512M or 20G."),
    ("disk name taken", [guest(disks=[{"name": "root"}])],
     "guest 'ok': disk 1 needs a unique name of letters, digits, '_', '.', '+' and '-' (got 'root'; 'root' is taken by the source disk)."),
    ("disk without name", [guest(disks=[{"size": "1G"}])],
     "guest 'ok': disk 1 needs a unique name of letters, digits, '_', '.', '+' and '-' (got ''; 'root' is taken by the source disk)."),
    ("disk size", [guest(disks=[{"name": "d", "size": "1X"}])], "guest 'ok': disk 'd' size '1X' is not a size such as 512M or 20G."),
    ("disk cache", [guest(disks=[{"name": "d", "cache": "fast"}])],
     "guest 'ok': disk 'd' cache mode 'fast' does not exist; use one of none, writeback, writethrough, directsync, unsafe."),
    ("disk bus", [guest(disks=[{"name": "d", "bus": "usb"}])], "guest 'ok': disk 'd' bus 'usb' is not one of virtio, sata, scsi, ide."),
    ("network and bridge", [guest(networks=[{"network": "n", "bridge": "b"}])],
     "guest 'ok': network 1 needs exactly one of network (a libvirt network) or bridge (a host bridge)."),
    ("neither network nor bridge", [guest(networks=[{"network": "n"}, {"model": "virtio"}])],
     "guest 'ok': network 2 needs exactly one of network (a libvirt network) or bridge (a host bridge)."),
    ("net model", [guest(networks=[{"bridge": "b", "model": "ne2k"}])], "guest 'ok': network 1 model 'ne2k' is not one of virtio, e1000, e1000e, rtl8139."),
    ("multicast MAC", [guest(networks=[{"network": "n", "mac": "53:54:00:00:00:01"}])],
     "guest 'ok': MAC address '53:54:00:00:00:01' is not a unicast address like 52:54:00:12:34:56."),
    ("not a MAC", [guest(networks=[{"network": "n", "mac": "52-54-00-00-00-01"}])],
     "guest 'ok': MAC address '52-54-00-00-00-01' is not a unicast address like 52:54:00:12:34:56."),
    ("seclabel.type", [guest(seclabel={"type": "bogus"})], "guest 'ok': seclabel.type 'bogus' is not one of dynamic, static, none."),
    ("static label", [guest(seclabel={"type": "static"})], "guest 'ok': a static seclabel needs a label such as system_u:system_r:svirt_t:s0:c10,c20."),
    ("label model", [guest(seclabel={"model": "apparmor"})],
     "guest 'ok': seclabel model apparmor is not available in libvirt on kvm1 (it offers selinux, dac), so the guest could not start. "
     "Enable SELinux with the labforge.virt.svirt role, or set seclabel.type: none for this guest."),
    ("snapshot", [guest(snapshots=[{"name": "s1", "state": "gone"}])],
     "guest 'ok': snapshot {\"name\": \"s1\", \"state\": \"gone\"} needs a name of letters, digits, _ . + - and a state present or absent."),
    ("revert", [guest(snapshots=[{"name": "s1"}, {"name": "s2", "state": "absent"}], revert_snapshot="s2")],
     "guest 'ok': revert_snapshot 's2' is not one of the guest's present snapshots."),
]


@pytest.mark.parametrize("guests,message", [case[1:] for case in ERRORS], ids=[case[0] for case in ERRORS])
def test_each_error_from_its_input(guests, message):
    assert plan(guests)["errors"] == [message]


def test_errors_of_all_guests_are_reported_together():
    result = plan([guest(name="a", vcpus=0), "junk", guest(name="a", cache="fastest")])
    assert result["errors"] == [
        "guest 'a': vcpus must be a whole number of at least 1, got 0.",
        'kvm_guest_guests[1] must be a mapping with at least a name, got: "junk"',
        "guest 'a': listed twice in kvm_guest_guests.",
        "guest 'a': cache mode 'fastest' does not exist; use one of none, writeback, writethrough, directsync, unsafe "
        "(none is the default; see docs/field-facts.md#cache-modes).",
        # The same name derives the same MAC address.
        "guest 'a': duplicate MAC address 52:54:00:dc:40:83, already used by guest 'a'.",
    ]
    assert [entry["name"] for entry in result["plan"]] == ["a", "a"]


def test_duplicate_mac_with_another_domain_names_it():
    """molecule/kvm_host/side_effect.yml looks for this sentence."""
    bad = guest(name="bad-mac", networks=[{"network": "labforge", "mac": "52:54:00:aa:bb:01"}])
    result = plan([bad], domains={"copy": {"uuid": "u", "macs": ["52:54:00:AA:BB:01"]}})
    assert result["errors"] == ["guest 'bad-mac': duplicate MAC address 52:54:00:aa:bb:01, already used by existing domain 'copy'."]
    assert plan([bad], domains={"copy": {"uuid": "u", "macs": ["52:54:00:aa:bb:02"]}})["errors"] == []


def test_duplicate_mac_between_guests_names_the_first():
    result = plan([guest(name="a", networks=[{"network": "n", "mac": "52:54:00:AA:BB:CC"}]),
                   guest(name="b", networks=[{"network": "n", "mac": "52:54:00:aa:bb:cc"}])])
    assert result["errors"] == ["guest 'b': duplicate MAC address 52:54:00:aa:bb:cc, already used by guest 'a'."]


def test_molecule_side_effect_sentences():
    """The fragments molecule/kvm_host/side_effect.yml and molecule/lab/tests/test_site_runs.py grep for."""
    cases = [
        (guest(name="bad-vcpus", state="shutoff", vcpus=0), "vcpus must be a whole number of at least 1"),
        (guest(name="bad-cache", state="shutoff", cache="fastest"), "cache mode 'fastest' does not exist"),
        (guest(name="bad-base", state="shutoff", source={"type": "linked_clone", "base": "/var/lib/labforge-test/missing.qcow2"}),
         "the base image /var/lib/labforge-test/missing.qcow2 of the linked_clone does not exist"),
    ]
    for bad, fragment in cases:
        errors = plan([bad], host="kvm_host-kvm1")["errors"]
        assert len(errors) == 1 and fragment in errors[0], errors


def test_running_guest_needs_the_label_model_but_a_shutoff_one_does_not():
    assert plan([guest(seclabel={"type": "dynamic"})], security_models=["apparmor"])["errors"]
    assert plan([guest(seclabel={"type": "dynamic"}, state="shutoff")], security_models=["apparmor"])["errors"] == []
    assert plan([guest(seclabel={"type": "dynamic"})], security_models=["selinux"])["errors"] == []


def test_present_snapshot_can_be_reverted_to():
    snapshots = [{"name": "s1"}, {"name": "s2", "state": "present"}]
    assert plan([guest(snapshots=snapshots, revert_snapshot="s1")])["errors"] == []
    assert plan([guest(snapshots=snapshots, revert_snapshot="s2")])["errors"] == []
    assert plan([guest(revert_snapshot="nope")])["errors"] == ["guest 'ok': revert_snapshot 'nope' is not one of the guest's present snapshots."]


def test_writethrough_warns_on_each_disk_unless_switched_off():
    slow = guest(cache="writethrough", disks=[{"name": "data"}, {"name": "fast", "cache": "none"}])
    result = plan([slow])
    assert result["errors"] == []
    assert [w.split(" uses ")[0] for w in result["warnings"]] == ["guest 'ok': disk 'root'", "guest 'ok': disk 'data'"]
    assert plan([slow], warn_writethrough=False)["warnings"] == []
    assert plan([VALID])["warnings"] == []


@pytest.mark.parametrize("value,accepted", [(1, True), ("2", True), ("0012", True), (0, False), (2.0, False), (True, False), (None, False),
                                            ("x", False), (-1, False)])
def test_vcpus_whole_numbers_only(value, accepted):
    assert (plan([guest(vcpus=value)])["errors"] == []) is accepted


def test_jinja_corners_kept():
    """What the template did with odd input: a source that is not a mapping is a blank source, a MAC of null is 'none'."""
    entry = plan([guest(source="blank")])["plan"][0]
    assert entry["source"] == "blank" and entry["source_type"] == "blank" and entry["disks"][0]["size"] == "10G"
    assert plan([guest(networks=[{"network": "n", "mac": None}])])["errors"] == [
        "guest 'ok': MAC address 'none' is not a unicast address like 52:54:00:12:34:56."]
    assert plan([guest(state=None)])["errors"] == ["guest 'ok': state 'None' is not one of running, shutoff, absent."]


@pytest.mark.parametrize("changes", [{"name": "web\n"}, {"vcpus": "2\n"}, {"source": {"type": "blank", "size": "10G\n"}},
                                     {"networks": [{"network": "n", "mac": "52:54:00:00:00:01\n"}]}],
                         ids=["name", "vcpus", "size", "mac"])
def test_a_trailing_newline_is_refused(changes):
    # The Jinja template's '$' let these through into domain XML and disk file names.
    assert plan([guest(**changes)])["errors"]


SHA256 = "sha256:" + "ab" * 32
SUMS = "sha256:https://images.example.org/debian/SHA256SUMS"


@pytest.mark.parametrize("source_type, key", [("linked_clone", "base"), ("full_copy", "base"), ("ova", "ova")])
@pytest.mark.parametrize("checksum", [SHA256, SUMS, "sha512:" + "0F" * 64])
def test_a_url_source_is_downloaded_and_used_where_a_local_file_would_be(source_type, key, checksum):
    url = "https://images.example.org/debian/debian-13-genericcloud-amd64.qcow2"
    result = plan([guest(source={"type": source_type, "url": url, "checksum": checksum})], found_files=[])
    assert result["errors"] == []
    entry = result["plan"][0]
    dest = entry["download"]["dest"]
    assert entry["download"] == {"url": url, "checksum": checksum, "dest": dest}
    assert dest.startswith("/var/lib/libvirt/images/downloads/") and dest.endswith("-debian-13-genericcloud-amd64.qcow2")
    assert entry["source"][key] == dest and entry["source"]["url"] == url
    if key == "base":
        assert entry["disks"][0]["base"] == dest


def test_another_checksum_at_the_same_url_is_another_file():
    """A new release at the same URL must not replace the base that existing linked clones read."""
    url = "http://mirror.example.org/base.qcow2"
    first, second = (plan([guest(source={"type": "linked_clone", "url": url, "checksum": c})])["plan"][0]["download"]["dest"]
                     for c in (SHA256, "sha256:" + "cd" * 32))
    assert first != second and first.endswith("-base.qcow2") and second.endswith("-base.qcow2")


def test_a_url_without_a_file_name_gets_a_safe_one():
    entry = plan([guest(source={"type": "full_copy", "url": "https://h.example.org/get?id=1", "checksum": SHA256})])["plan"][0]
    assert entry["download"]["dest"].endswith("-get")
    entry = plan([guest(source={"type": "full_copy", "url": "https://h.example.org/%2e%2e", "checksum": SHA256})])["plan"][0]
    assert entry["download"]["dest"].endswith("-image")


@pytest.mark.parametrize("source, expected", [
    ({"type": "linked_clone", "url": "https://h.example.org/base.qcow2"}, "source.url needs source.checksum"),
    ({"type": "linked_clone", "url": "https://h.example.org/base.qcow2", "checksum": "md5:" + "ab" * 16}, "source.url needs source.checksum"),
    ({"type": "linked_clone", "url": "https://h.example.org/base.qcow2", "checksum": "sha256:abc"}, "source.url needs source.checksum"),
    ({"type": "linked_clone", "url": "https://h.example.org/base.qcow2", "checksum": "sha256:file:///etc/SUMS"}, "source.url needs source.checksum"),
    ({"type": "linked_clone", "url": "file:///var/lib/libvirt/images/other-root.qcow2", "checksum": SHA256}, "must be an http:// or https:// URL"),
    ({"type": "linked_clone", "url": "https://h.example.org/", "checksum": SHA256}, "must be an http:// or https:// URL"),
    ({"type": "linked_clone", "url": "https://h.example.org/a b.qcow2", "checksum": SHA256}, "must be an http:// or https:// URL"),
    ({"type": "linked_clone", "url": "https://h.example.org/b.qcow2\n", "checksum": SHA256}, "must be an http:// or https:// URL"),
    ({"type": "ova", "url": "https://h.example.org/a.ova", "ova": "/var/lib/labforge-test/appliance.ova", "checksum": SHA256},
     "give source.url or source.ova, not both"),
    ({"type": "kernel", "url": "https://h.example.org/vmlinuz", "checksum": SHA256, "kernel": "/var/lib/labforge-test/vmlinuz"},
     "source.url is for the types linked_clone, full_copy, ova, not 'kernel'"),
])
def test_bad_url_sources_are_refused(source, expected):
    errors = plan([guest(source=source)])["errors"]
    assert any(expected in error for error in errors), errors


TEMPLATES = "/var/lib/libvirt/templates"


@pytest.mark.parametrize("clone, create", [(None, "backing"), ("linked", "backing"), ("full", "copy")])
def test_guest_from_an_existing_template(clone, create):
    source = {"type": "template", "template": "golden"}
    if clone:
        source["clone"] = clone
    result = plan([guest(source=source)], found_files=FILES + [TEMPLATES + "/golden.qcow2"])
    assert result["errors"] == []
    entry = result["plan"][0]
    assert entry["disks"][0] == {"name": "root", "path": "/var/lib/libvirt/images/ok-root.qcow2", "create": create,
                                 "base": TEMPLATES + "/golden.qcow2", "size": "", "bus": "virtio", "cache": "none"}
    assert entry["template_pending"] is False
    # memory_mib is set in the entry, vcpus is not: that one comes from the template's definition.
    assert (entry["vcpus_from_template"], entry["memory_from_template"]) == (True, False)


def test_guest_from_a_template_this_run_makes_is_pending():
    result = plan([guest(source={"type": "template", "template": "new"})], templates=["new"])
    assert result["errors"] == []
    assert result["plan"][0]["template_pending"] is True


def test_guest_from_an_unknown_template_is_refused():
    result = plan([guest(source={"type": "template", "template": "nope", "clone": "deep"})], templates=["other"])
    assert result["errors"] == [
        "guest 'ok': source.clone 'deep' is not one of linked, full.",
        "guest 'ok': template 'nope' does not exist in /var/lib/libvirt/templates and is not in kvm_guest_templates.",
    ]


def test_guest_from_a_template_needs_its_name():
    result = plan([guest(source={"type": "template"})])
    assert result["errors"] == ["guest 'ok': source.type template needs source.template, the name of a template."]
