"""Every play that changes hosts runs its handlers even when it fails half-way.

Without force_handlers, a failed task drops the handlers already notified on that host (a
restart after a changed configuration), and the next run sees no change and never restarts.
"""

import pathlib

import pytest
import yaml

PLAYBOOKS = pathlib.Path(__file__).resolve().parents[3] / "playbooks"
# Plays with no handlers to lose (read-only, or facts.yml's one file), and kvm_hosts.yml, which only imports.
NOT_CHANGING = {"facts.yml", "preflight.yml", "report.yml", "verify.yml", "kvm_hosts.yml"}
CHANGING = sorted(p.name for p in PLAYBOOKS.glob("*.yml") if p.name not in NOT_CHANGING)


def test_the_list_of_changing_playbooks_is_not_empty():
    assert len(CHANGING) >= 8 and "site.yml" in CHANGING


@pytest.mark.parametrize("name", CHANGING)
def test_changing_plays_force_handlers(name):
    plays = yaml.safe_load((PLAYBOOKS / name).read_text())
    for play in plays:
        imports = {"import_playbook", "ansible.builtin.import_playbook"} & set(play)
        assert imports or play.get("force_handlers") is True, \
            "%s: play %r does not set force_handlers: true" % (name, play.get("name"))
