# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""labforge.virt.secret_problems: the one secret check of every role."""

import os

import pytest
import yaml

from ansible_collections.labforge.virt.plugins.filter.secrets import FilterModule

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
check = FilterModule().filters()["secret_problems"]


@pytest.mark.parametrize("value", ["Lab-Db2-test-4711", "molecule-ci-Secret-42", "k3#Vq9!zR2", "a" * 7 + "bcd1"])
def test_good_secrets_pass(value):
    assert check(value, "pw") == []


@pytest.mark.parametrize("value,expect", [
    (None, "pw is not set"),
    ("", "pw is not set"),
    ("Ab1-xyz", "pw is shorter than 8 characters"),
    ("oracle", "pw is a well-known default"),
    ("ADMIN", "pw is a well-known default"),
    ("Password", "pw is a well-known default"),
    ("12345678", "pw is a well-known default"),
    ("change_on_install", "pw is a well-known default"),
    ("CHANGE-ME-in-ansible-vault", "pw is a placeholder"),
    ("changeme-please-42", "pw is a placeholder"),
    ("<placeholder for prod>", "pw is a placeholder"),
    ("MyPassword2024", "contains the word 'password'"),
    ("aaaaaaaaaaaa", "fewer than 4 distinct characters"),
    ("Str0ng-enough\n", "starts or ends with whitespace"),
    (True, "pw must be a string"),
    (["x"], "pw must be a string"),
])
def test_bad_secrets_are_refused(value, expect):
    problems = check(value, "pw")
    assert any(expect in p for p in problems), problems


def test_equal_to_user_is_refused_case_insensitively():
    assert check("LabInst1x", "pw", users=["labinst1x"]) == ["pw equals the user name labinst1x"]


def test_min_length_and_extra_weak_values():
    assert check("0123456789abcde", "secret", min_length=16) == ["secret is shorter than 16 characters"]
    assert check("db2-lab-default", "pw", weak=["DB2-LAB-DEFAULT"]) == ["pw is a well-known default (oracle, admin, password, ...)"]


def test_forbidden_characters():
    assert check('Quote"d-secret', "pw", forbidden_chars='"\n') == ["pw contains '\"', which it cannot carry"]


@pytest.mark.parametrize("value", ["welcome1", "CHANGE-ME-in-ansible-vault", "Ab1-xyz"])
def test_the_secret_never_appears_in_the_sentences(value):
    assert all(value not in p for p in check(value, "pw"))


def test_example_inventory_placeholders_are_refused():
    with open(os.path.join(ROOT, "inventories", "example", "group_vars", "all", "vault.yml")) as handle:
        vault = yaml.safe_load(handle)
    secrets = {k: v for k, v in vault.items() if "password" in k or "secret" in k}
    assert secrets, "inventories/example holds no vault placeholders"
    for name, value in secrets.items():
        assert check(value, name, min_length=16 if "secret" in name else 8), name


def test_control_characters_refused_and_letters_never_forbidden_by_accident():
    # Oracle's preflight once passed forbidden_chars='"\\n' through YAML and Jinja, which refused every 'n'.
    assert check('Lx9-nnnNNNxyz123', "pw", forbidden_chars='"') == []
    assert check('Str0ng\nsecret-x', "pw") == ["pw contains a control character (a newline, a tab, ...)"]
