# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight checks in plugins/filter/checks.py (module_utils/_checks.py)."""

import pytest

from ansible_collections.labforge.virt.plugins.filter.checks import FilterModule

F = FilterModule().filters()
DB2_ALLOWED = ["IPC_LOCK", "IPC_OWNER", "SYS_NICE"]


def test_allowed_capabilities_pass():
    assert F["capability_problems"](["ipc_lock", "CAP_IPC_OWNER", "SYS_NICE"], DB2_ALLOWED, "db2_capabilities") == []
    assert F["capability_problems"]([], [], "oracle_xe_capabilities") == []


@pytest.mark.parametrize("cap", ["SYS_MODULE", "SYS_PTRACE", "ALL", "SYS_ADMIN", "cap_net_admin", "DAC_READ_SEARCH"])
def test_capabilities_outside_the_allowlist_are_refused(cap):
    found = F["capability_problems"](["IPC_LOCK", cap], DB2_ALLOWED, "db2_capabilities")
    assert len(found) == 1 and "is not allowed (allowed: IPC_LOCK, IPC_OWNER, SYS_NICE)" in found[0], found


@pytest.mark.parametrize("caps", ["IPC_LOCK", ["IPC LOCK"], [1]])
def test_malformed_capabilities_are_refused(caps):
    assert F["capability_problems"](caps, DB2_ALLOWED, "db2_capabilities")


def test_reserved_keys_name_the_variable_to_use():
    reserved = {"insecure-registries": "docker_host_insecure_registries", "userns-remap": "docker_host_userns_remap"}
    found = F["reserved_key_problems"]({"insecure-registries": ["r:5000"], "debug": True}, reserved, "docker_host_daemon_options")
    assert found == ["docker_host_daemon_options must not set 'insecure-registries': the role manages it, "
                     "set docker_host_insecure_registries instead"]
    assert F["reserved_key_problems"]({"debug": True}, reserved, "opts") == []


@pytest.mark.parametrize("env,word", [
    ({"1ABC": "x"}, "is not an environment variable name"),
    ({"A B": "x"}, "is not an environment variable name"),
    ({"A=B": "x"}, "is not an environment variable name"),
    ({"A\nRUN id": "x"}, "is not an environment variable name"),
    ({"LICENSE": "accept"}, "must not set LICENSE"),
    ({"A": 1}, "must be a string"),
    ({"A": "x\nRUN curl evil"}, "newline"),
])
def test_env_problems(env, word):
    found = F["env_problems"](env, "db2_build_env", reserved=["LICENSE"])
    assert any(word in p for p in found), found


def test_good_env_passes():
    assert F["env_problems"]({"DB2_HOME": "/opt/ibm/db2", "_X1": "a b \"c\""}, "db2_build_env") == []


@pytest.mark.parametrize("value", ["registry;rm -rf /", "reg istry", "image$HOME", "%h", "a\"b", "a\\b", "a\nExecStart=/bin/sh"])
def test_unsafe_unit_values_are_refused(value):
    assert F["unit_value_problems"]({"docker_registry_image": value}), value


def test_safe_unit_values_pass():
    assert F["unit_value_problems"]({"image": "registry.lab:5000/labforge/registry:bookworm", "name": "registry",
                                     "path": "", "digest": "registry@sha256:0123abcd", "port": 5000}) == []


@pytest.mark.parametrize("path", ["/var/lib/libvirt/images/web-data.qcow2", "/srv/vm/a/b.qcow2"])
def test_paths_inside_pass(path):
    assert F["path_within_problems"]([path], ["/var/lib/libvirt/images/", "/srv/vm"], "disks") == []


@pytest.mark.parametrize("path,word", [
    ("/etc/shadow", "outside the allowed directories"),
    ("/var/lib/libvirt/images/../../../etc/shadow", "'..' component"),
    ("/var/lib/libvirt/images", "outside the allowed directories"),
    ("/var/lib/libvirt/images-evil/x.qcow2", "outside the allowed directories"),
    ("images/x.qcow2", "not an absolute path"),
    ("/var/lib/libvirt/images/x\n.qcow2", "control character"),
])
def test_paths_outside_are_refused(path, word):
    found = F["path_within_problems"]([path], ["/var/lib/libvirt/images"], "disks")
    assert len(found) == 1 and word in found[0], found


@pytest.mark.parametrize("href", ["../copy/copy-root.qcow2", "disks/../../x.vmdk", "/var/lib/libvirt/images/other.qcow2",
                                  "file:///etc/shadow", "http://example.org/x.vmdk", "..\\x.vmdk", ""])
def test_hrefs_leaving_the_appliance_are_refused(href):
    assert F["href_problems"]([href], "appliance.ovf"), href


def test_plain_hrefs_pass():
    assert F["href_problems"](["disk1.vmdk", "disks/disk2.vmdk", "a..b.vmdk"], "appliance.ovf") == []


@pytest.mark.parametrize("conf,key", [
    ({"security_driver": "none"}, "security_driver"),
    ({"security_driver": ["selinux", "None"]}, "security_driver"),
    ({"auth_unix_rw": "none"}, "auth_unix_rw"),
    ({"auth_tcp": " none "}, "auth_tcp"),
])
def test_libvirt_settings_that_switch_protection_off_are_refused(conf, key):
    found = F["libvirt_conf_problems"](conf, "kvm_host_qemu_conf")
    assert len(found) == 1 and key in found[0], found


def test_libvirt_settings_that_keep_protection_pass():
    assert F["libvirt_conf_problems"]({"security_driver": "selinux", "auth_unix_rw": "polkit", "max_files": 100,
                                       "log_timestamp": True}, "kvm_host_qemu_conf") == []


def test_unconfined_static_labels_are_refused():
    labels = [{"name": "ok", "label": "system_u:system_r:svirt_t:s0:c1,c2"},
              {"name": "bad", "label": "system_u:system_r:unconfined_t:s0:c3,c4"},
              {"name": "level", "label": "s0:c5,c6"},
              {"name": "spc", "label": "system_u:system_r:spc_t:s0"},
              {"name": "num", "label": 5}]
    found = F["seclabel_problems"](labels, ["svirt_t", "svirt_tcg_t"])
    assert len(found) == 3, found
    assert "guest bad: static label type unconfined_t is not a confined guest type" in found[0]
    assert "guest spc: static label type spc_t" in found[1]
    assert "guest num" in found[2]


@pytest.mark.parametrize("address", ["registry.lab:5000", "10.0.0.5:443", "[fd00::5]:5000", "r-1.lab.test:65535", "localhost:1"])
def test_registry_addresses_accepted(address):
    assert F["registry_address_problems"]([address], "docker_host_insecure_registries") == []


@pytest.mark.parametrize("address", ["registry.lab:70000", "registry.lab:0", "https://registry.lab:5000", "registry.lab",
                                     "registry.lab:5000/path", "-bad.lab:5000", "registry.lab:5000\n", 5000, None])
def test_registry_addresses_refused(address):
    (problem,) = F["registry_address_problems"]([address], "docker_host_insecure_registries")
    assert problem.startswith("docker_host_insecure_registries: ") and "port between 1 and 65535" in problem


def test_registry_addresses_must_be_a_list():
    assert F["registry_address_problems"]("registry.lab:5000", "x") == ['x must be a list, got "registry.lab:5000"']
