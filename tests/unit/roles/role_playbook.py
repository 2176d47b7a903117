"""Run a playbook against local inventory hosts for the role tests, and read its output."""

import json
import re

from conftest import run_ansible  # pylint: disable=import-error


def run_playbook(tmp_path, playbook, inventory, extra_args=()):
    """Write the playbook and inventory (YAML text) under tmp_path and run them; return the process."""
    pb = tmp_path / "playbook.yml"
    inv = tmp_path / "inventory.yml"
    pb.write_text(playbook)
    inv.write_text(inventory)
    # The default callback, whose fatal/recap lines fatal_messages() and recap() read.
    return run_ansible(["-i", inv, pb] + list(extra_args), tmp_path, callback="ansible.builtin.default")


def fatal_messages(output):
    """Map host -> failure messages (joined) from the default callback's one-line JSON results:
    `fatal: [host]: FAILED! => {...}` and, for loops, `failed: [host] (item=...) => {...}`."""
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
    result = {}
    for m in re.finditer(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$", output, re.M):
        result[m.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
    return result
