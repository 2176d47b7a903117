"""Make this checkout importable as ansible_collections.labforge.virt.

The collection is developed in a plain checkout; Python only finds it under its
FQCN when a directory named ansible_collections/labforge/virt points at it.
Also the one place that runs ansible CLIs for the tests: run_ansible().
"""

import fcntl
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COLLECTIONS = os.path.join(ROOT, ".build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "labforge", "virt")

if not os.path.exists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    try:
        os.symlink(ROOT, LINK)
    except FileExistsError:  # another worker made it first
        pass
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
BIN = os.path.dirname(sys.executable)  # the venv's ansible, ansible-playbook


def read_fixture(*parts):
    """The text of tests/unit/fixtures/<parts...>."""
    with open(os.path.join(FIXTURES, *parts)) as f:
        return f.read()


def ansible_env(cwd, callback):
    """The environment of every ansible CLI these tests run, built here only."""
    env = dict(os.environ)
    # Not the checkout's ansible.cfg, even when the caller exports it (make does): its profile_tasks
    # callback writes timings into the output the tests parse. Run in a temporary cwd, without one.
    env.pop("ANSIBLE_CONFIG", None)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_STDOUT_CALLBACK": callback,
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",  # ad-hoc `ansible` ignores the stdout callback otherwise
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",  # ansible.builtin.default prints results as JSON, not YAML
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_FORKS": "8",  # role tests run one local host per case in a single play
        "ANSIBLE_LOCAL_TEMP": os.path.join(str(cwd), ".ansible-tmp"),
        "PATH": BIN + os.pathsep + env.get("PATH", ""),
    })
    return env


def run_ansible(args, cwd, program="ansible-playbook", callback="ansible.builtin.json", timeout=300):
    """Run this venv's ansible-playbook (or `ansible`, ...) with args in cwd.

    Returns the CompletedProcess (text stdout/stderr); the caller checks returncode.
    """
    cmd = [os.path.join(BIN, program)] + [str(arg) for arg in args]
    return subprocess.run(cmd, cwd=str(cwd), env=ansible_env(cwd, callback), capture_output=True, text=True,
                          timeout=timeout, check=False)


def kvm_works():
    """True when /dev/kvm answers KVM_GET_API_VERSION with 12.

    The live tests skip on this, probed here independently of the code they test.
    """
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError:
        return False
    try:
        return fcntl.ioctl(fd, 0xAE00, 0) == 12  # KVM_GET_API_VERSION
    finally:
        os.close(fd)


def run_module_main(main, args, capsys, check_mode=False):
    """Run a module's main() with ARGS as Ansible would pass them: (exit code, parsed JSON result)."""
    import json

    import pytest
    from ansible.module_utils.testing import patch_module_args

    if check_mode:
        args = dict(args, _ansible_check_mode=True)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc:
            main()
    return exc.value.code, json.loads(capsys.readouterr().out)


def put_on_path(monkeypatch, bindir, source, *names):
    """Install SOURCE (a Python program; {python} becomes this interpreter) as each of NAMES in
    BINDIR, first on PATH: the stand-ins module tests run instead of the real tools."""
    import stat

    bindir.mkdir(exist_ok=True)
    for name in names:
        program = bindir / name
        program.write_text(source.format(python=sys.executable))
        program.chmod(program.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", "%s:%s" % (bindir, os.environ["PATH"]))
