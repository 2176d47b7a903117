"""Bad input stops labforge.virt.docker_registry in preflight, with a message a person can act on.

Each case runs the role against the controller (connection local, check mode) through
bad_input.yml with one wrong value; nothing may change and the preflight assert must be the failure.
"""

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAYBOOK = os.path.join(HERE, "bad_input.yml")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


def run_role(extra_vars):
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default", ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(
        [ANSIBLE_PLAYBOOK, "-i", "localhost,", "--check", PLAYBOOK, "-e", "ansible_python_interpreter=" + sys.executable,
         "-e", json.dumps(extra_vars)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env, timeout=300, check=False,
    )
    return proc.returncode, proc.stdout


CASES = {
    "port out of range": (
        {"docker_registry_port": 70000},
        "Check the ports",
        "docker_registry_port (pull) and docker_registry_push_port must be two different TCP ports between 1 and 65535; got [",
    ),
    "push endpoint on the pull port": (
        {"docker_registry_push_port": 5000},
        "Check the ports",
        "must be two different TCP ports between 1 and 65535; got [",
    ),
    "unknown access": (
        {"docker_registry_users": [{"name": "ci", "password": "preflight-Secret-42", "access": "admin"}]},
        # ansible-core names the task "... arg spec 'main' - ..." or "... arg spec main - ...", by version
        "Validating arguments against arg spec*",
        "value of access must be one of: pull, push, got: admin",
    ),
    "missing password": (
        {"docker_registry_users": [{"name": "ci"}]},
        "Check the users",
        "ci: password is not set",
    ),
    "weak password": (
        {"docker_registry_users": [{"name": "ci", "password": "password"}]},
        "Check the users",
        "ci: password is a well-known default",
    ),
    "certificate path that does not exist": (
        {"docker_registry_tls_cert_src": "/nonexistent/registry.crt",
         "docker_registry_tls_key_src": "/nonexistent/registry.key",
         "docker_registry_tls_ca_src": "/nonexistent/ca.crt"},
        "Check the TLS files given on the controller",
        "docker_registry_tls_cert_src=/nonexistent/registry.crt",
    ),
    "certificate renewal point that is no relative time": (
        {"docker_registry_tls_renew_before": "30 days"},
        "Check the certificate lifetimes",
        'are relative times like +825d or +4w2d (community.crypto\'s form); got ["+3650d", "+825d", "30 days"]',
    ),
    "missing http secret": (
        {"docker_registry_http_secret": ""},
        "Check the HTTP secret",
        "docker_registry_http_secret is not set",
    ),
    "short http secret": (
        {"docker_registry_http_secret": "0123456789abcde"},
        "Check the HTTP secret",
        "docker_registry_http_secret is shorter than 16 characters",
    ),
    "example inventory placeholder password": (
        {"docker_registry_users": [{"name": "ci", "password": "CHANGE-ME-in-ansible-vault"}]},
        "Check the users",
        "ci: password is a placeholder",
    ),
    "example inventory placeholder http secret": (
        {"docker_registry_http_secret": "CHANGE-ME-in-ansible-vault"},
        "Check the HTTP secret",
        "docker_registry_http_secret is a placeholder",
    ),
    "plain HTTP without consent": (
        {"docker_registry_insecure": True},
        "Refuse plain HTTP without explicit consent",
        "set docker_registry_allow_insecure: true if you really mean it",
    ),
    "image that would inject into the GC unit": (
        {"docker_registry_image": "registry:2 --privileged"},
        "Check the values written into the garbage collection unit",
        "registry:2 --privileged\\\" has characters a systemd unit line cannot carry safely",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_in_preflight(case):
    extra_vars, task, message = CASES[case]
    rc, out = run_role(extra_vars)
    assert rc == 2, out
    failed_task = out.split("fatal:")[0].rsplit("TASK [", 1)[1].split("]", 1)[0]
    if task.endswith("*"):
        assert failed_task.startswith("labforge.virt.docker_registry : " + task[:-1]), out
    else:
        assert failed_task == "labforge.virt.docker_registry : " + task, out
    assert message in " ".join(out.split()), out
    assert "changed=0" in out, out
    # nothing past preflight ran
    assert "Install the Python libraries" not in out, out
