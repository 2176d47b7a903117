"""Run ansible-playbook from the venv against local hosts for the role tests."""

import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
COLLECTIONS = os.path.join(ROOT, ".build", "collections")
BIN = os.path.dirname(sys.executable)


def run_playbook(tmp_path, playbook, inventory, extra_args=()):
    """Write the playbook and inventory (YAML text) under tmp_path and run them; return the process."""
    pb = tmp_path / "playbook.yml"
    inv = tmp_path / "inventory.yml"
    pb.write_text(playbook)
    inv.write_text(inventory)
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "ANSIBLE_FORKS": "8",
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "PATH": BIN + os.pathsep + env.get("PATH", ""),
    })
    cmd = [os.path.join(BIN, "ansible-playbook"), "-i", str(inv), str(pb)] + list(extra_args)
    return subprocess.run(cmd, env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=300, check=False)


def fatal_messages(output):
    """Map host -> failure messages (joined) from the default callback's one-line JSON results:
    `fatal: [host]: FAILED! => {...}` and, for loops, `failed: [host] (item=...) => {...}`."""
    import json
    import re
    found = {}
    for m in re.finditer(r"^(?:fatal|failed): \[([^\]]+)\](?:: FAILED!| \(item=.*?\)) => (\{.*\})$", output, re.M):
        try:
            msg = json.loads(m.group(2)).get("msg", "")
        except ValueError:
            msg = m.group(2)
        found[m.group(1)] = (found.get(m.group(1), "") + "\n" + msg).strip()
    return found


def recap(output):
    """Map host -> {ok, changed, failed, ...} from the PLAY RECAP."""
    import re
    result = {}
    for m in re.finditer(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$", output, re.M):
        result[m.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
    return result
