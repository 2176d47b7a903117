"""tools/ci/vm-lane: a VM scenario whose host stopped answering runs once more, as a stage of its own;
a scenario that failed any other way does not, and a second unreachable run fails the lane."""

import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]

# A stand-in for molecule: each call takes the next outcome ("ok", "unreachable", "broken").
FAKE_MOLECULE = """#!/usr/bin/env bash
calls={calls}
n=$(( $(wc -l < "$calls" 2>/dev/null || echo 0) + 1 ))
echo "$*" >> "$calls"
outcome=$(sed -n "${{n}}p" {outcomes})
case $outcome in
  ok) echo "verify: 24 passed"; exit 0 ;;
  unreachable) echo "kernel-vm | UNREACHABLE! => Connection timed out during banner exchange"; exit 1 ;;
  *) echo "AssertionError: the label is wrong"; exit 1 ;;
esac
"""


@pytest.fixture
def lane(tmp_path):
    def run(*outcomes):
        (tmp_path / "outcomes").write_text("\n".join(outcomes) + "\n")
        fake = tmp_path / "molecule"
        fake.write_text(FAKE_MOLECULE.format(calls=tmp_path / "calls", outcomes=tmp_path / "outcomes"))
        fake.chmod(0o755)
        (tmp_path / "images.rc").write_text("0\n")
        consoles = tmp_path / "consoles"
        (consoles / "kernel").mkdir(parents=True)
        (consoles / "kernel" / "kernel-vm.serial.log").write_text("[  900.1] rcu: INFO: rcu_preempt self-detected stall\n")
        env = {"PATH": "/usr/bin:/bin", "MOLECULE": str(fake), "VM_CONSOLES": str(consoles),
               "LABFORGE_SUMMARY": str(tmp_path / "summary.txt")}
        done = subprocess.run(["tools/ci/vm-lane", str(tmp_path / "images.rc"), str(tmp_path / "lane"),
                               str(tmp_path / "claims"), "kernel", "--"], cwd=ROOT, env=env, check=False)
        calls = (tmp_path / "calls").read_text().splitlines()
        summary = (tmp_path / "summary.txt").read_text().splitlines()
        return done.returncode, calls, summary, consoles
    return run


def test_a_scenario_that_passes_runs_once(lane):
    rc, calls, summary, _consoles = lane("ok")
    assert (rc, calls) == (0, ["test -s kernel"])
    assert len(summary) == 1 and " ok " in summary[0]


def test_an_unreachable_vm_runs_the_scenario_again_and_keeps_the_first_console(lane):
    rc, calls, summary, consoles = lane("unreachable", "ok")
    assert (rc, calls) == (0, ["test -s kernel"] * 2)
    assert "molecule kernel " in summary[0] and "FAILED (exit 1)" in summary[0]
    assert "molecule kernel (VM stopped answering, run again)" in summary[1] and " ok " in summary[1]
    assert "stall" in (consoles / "kernel-first-attempt" / "kernel-vm.serial.log").read_text()


def test_any_other_failure_is_not_run_again(lane):
    rc, calls, summary, _consoles = lane("broken", "ok")
    assert (rc, calls) == (1, ["test -s kernel"])
    assert len(summary) == 1 and "FAILED" in summary[0]


def test_a_second_unreachable_run_fails_the_lane(lane):
    rc, calls, summary, _consoles = lane("unreachable", "unreachable")
    assert (rc, calls) == (1, ["test -s kernel"] * 2)
    assert all("FAILED" in line for line in summary)
