"""The role_vars_check action, run for real by ansible-playbook inside a throwaway role."""

import json
import textwrap

import pytest

from conftest import run_ansible

ROLE_SPEC = """\
argument_specs:
  main:
    short_description: demo
    options:
      demo_port: {type: int, default: 80, description: port}
"""


@pytest.fixture()
def project(tmp_path):
    role = tmp_path / "roles" / "demo"
    (role / "meta").mkdir(parents=True)
    (role / "tasks").mkdir()
    (role / "meta" / "argument_specs.yml").write_text(ROLE_SPEC)
    (role / "tasks" / "main.yml").write_text(textwrap.dedent("""\
        - name: Refuse unknown demo_* variables
          labforge.virt.role_vars_check:
        """))
    (tmp_path / "play.yml").write_text(textwrap.dedent("""\
        - hosts: localhost
          gather_facts: false
          roles: [demo]
        """))
    return tmp_path


def run(project, *extra):
    proc = run_ansible(["-i", "localhost,", "-c", "local", "play.yml"] + list(extra), project, timeout=120)
    task = json.loads(proc.stdout)["plays"][0]["tasks"][-1]["hosts"]["localhost"]
    return proc.returncode, task


def test_declared_variable_passes(project):
    rc, task = run(project, "-e", "demo_port=8080")
    assert rc == 0 and task["unknown"] == [] and task["role"] == "demo"


def test_misspelt_variable_fails_with_suggestion(project):
    rc, task = run(project, "-e", "demo_prot=8080")
    assert rc != 0
    assert task["unknown"] == ["demo_prot"]
    assert "demo_prot (did you mean demo_port?)" in task["msg"]
