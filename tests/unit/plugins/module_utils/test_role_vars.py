from ansible_collections.labforge.virt.plugins.module_utils._role_vars import (
    declared_options, describe, unknown_variables,
)

SPECS = {
    "argument_specs": {
        "main": {"options": {"docker_host_daemon_options": {}, "docker_host_users": {}}},
        "trust": {"options": {"docker_host_registry_ca_certs": {}}},
    }
}


def test_declared_options_span_entry_points():
    assert declared_options(SPECS) == {
        "docker_host_daemon_options", "docker_host_users", "docker_host_registry_ca_certs"}


def test_declared_options_of_empty_specs():
    assert declared_options({}) == set()
    assert declared_options({"argument_specs": {"main": {}}}) == set()


def test_unknown_variables_suggest_the_closest_name():
    names = ["docker_host_daemon_optons", "docker_host_users", "docker_hostname", "kvm_host_x", "__docker_host_x"]
    unknown = unknown_variables(names, "docker_host_", declared_options(SPECS))
    assert unknown == [("docker_host_daemon_optons", "docker_host_daemon_options")]


def test_unknown_variables_without_suggestion_and_ignore():
    unknown = unknown_variables(["docker_host_zzz", "docker_host_fact"], "docker_host_", set(), ignore=["docker_host_fact"])
    assert unknown == [("docker_host_zzz", None)]


def test_describe_names_every_unknown_variable():
    msg = describe("docker_host", [("docker_host_a", None), ("docker_host_b", "docker_host_c")], "spec.yml")
    assert "Unknown variables for role docker_host" in msg
    assert "docker_host_a, docker_host_b (did you mean docker_host_c?)" in msg
    assert "spec.yml" in msg
