"""The shipped inventories only set variables the roles declare (a misspelt one would be
ignored by Ansible and refused by role_vars_check only when the role runs)."""

import glob
import os

import pytest
import yaml

from ansible_collections.labforge.virt.plugins.module_utils._role_vars import declared_options, unknown_variables

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
ROLES = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "roles", "*")) if os.path.isdir(p))
VAR_FILES = sorted(
    glob.glob(os.path.join(ROOT, "inventories", "*", "group_vars", "**", "*.yml"), recursive=True)
    + glob.glob(os.path.join(ROOT, "inventories", "*", "host_vars", "**", "*.yml"), recursive=True))


def role_declares(role):
    with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")) as handle:
        return declared_options(yaml.safe_load(handle))


@pytest.mark.parametrize("path", VAR_FILES, ids=lambda p: os.path.relpath(p, ROOT))
def test_inventory_variables_are_declared(path):
    with open(path) as handle:
        names = list((yaml.safe_load(handle) or {}).keys())
    problems = []
    for role in ROLES:
        problems += unknown_variables(names, role + "_", role_declares(role))
    assert not problems, "undeclared role variables in %s: %s" % (path, problems)


def test_every_role_has_argument_specs():
    assert ROLES, "no roles found"
    for role in ROLES:
        assert role_declares(role), "roles/%s/meta/argument_specs.yml declares nothing" % role


def inline_variables(group):
    """Variable names set inline in a YAML inventory: a group's vars and its hosts', through children."""
    names = list((group.get("vars") or {}).keys())
    for host in (group.get("hosts") or {}).values():
        names += list((host or {}).keys())
    for child in (group.get("children") or {}).values():
        names += inline_variables(child or {})
    return names


INVENTORY_FILES = sorted(glob.glob(os.path.join(ROOT, "inventories", "*", "hosts.yml")))


@pytest.mark.parametrize("path", INVENTORY_FILES, ids=lambda p: os.path.relpath(p, ROOT))
def test_inline_inventory_variables_are_declared(path):
    with open(path) as handle:
        names = sorted(set(inline_variables((yaml.safe_load(handle) or {}).get("all") or {})))
    problems = []
    for role in ROLES:
        problems += unknown_variables(names, role + "_", role_declares(role))
    assert not problems, "undeclared role variables in %s: %s" % (path, problems)


def test_inline_variables_are_found_through_children():
    inventory = {"vars": {"a": 1}, "children": {"g": {"hosts": {"h": {"docker_host_x": 1}}}}}
    assert inline_variables(inventory) == ["a", "docker_host_x"]
