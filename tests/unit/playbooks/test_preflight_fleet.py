"""preflight.yml's shape for fleets (issue 19): what it costs per host is measured in tools/bench.

The probe play gathers no facts and takes its strategy from labforge_preflight_strategy (free by
default); everything that needs every host's result is in a linear play, because the free strategy
ignores run_once (each host would render the whole table, before the others had registered theirs).
"""

import pathlib

import yaml

PLAYBOOKS = pathlib.Path(__file__).resolve().parents[3] / "playbooks"


def plays():
    return yaml.safe_load((PLAYBOOKS / "preflight.yml").read_text())


def test_the_probe_play_gathers_no_facts_and_exposes_its_strategy():
    probe = plays()[0]
    assert probe["gather_facts"] is False
    assert probe["strategy"] == "{{ labforge_preflight_strategy | default('free') }}"
    assert [t["labforge.virt.virt_host_info"] for t in probe["tasks"] if "labforge.virt.virt_host_info" in t]


def test_the_probe_play_has_one_task_per_host_the_probe():
    # Every task of the probe play costs the controller a worker process per host, even skipped
    # (issue 19): the interpreter is the inventory's choice, not a set_fact task's.
    (probe,) = plays()[0]["tasks"]
    assert set(probe["labforge.virt.virt_host_info"]) == {"guest_exec", "require_kvm"}
    assert probe["register"] == "preflight_virt"
    # root is the run's choice (--become): a templated keyword is compiled per host, twice
    assert "become" not in probe
    assert "ansible_python_interpreter" not in probe.get("vars", {})


def test_site_runs_the_probe_as_root_through_a_connection_variable():
    site = yaml.safe_load((PLAYBOOKS / "site.yml").read_text())
    (preflight,) = [play for play in site if play.get("ansible.builtin.import_playbook") == "preflight.yml"]
    assert preflight["vars"]["ansible_become"] is True


def test_make_preflight_names_the_controllers_python_for_localhost():
    makefile = (PLAYBOOKS.parent / "Makefile").read_text()
    recipe = makefile[makefile.index("\npreflight:"):].split("\n")[2]
    assert "-i localhost, -c local" in recipe
    assert "ansible_python_interpreter={{ ansible_playbook_python }}" in recipe


def test_run_once_only_in_linear_plays():
    for play in plays():
        strategy = play.get("strategy", "linear")
        for task in play["tasks"]:
            if task.get("run_once"):
                assert strategy == "linear", "%r runs once in a %s play" % (task["name"], strategy)


def test_every_host_is_reported_and_summarized_on_the_same_hosts():
    probe, summary = plays()
    assert summary["hosts"] == probe["hosts"]
    names = [t["name"] for t in summary["tasks"]]
    assert names == ["Show the checks and the verdict of each host", "Summarize every host in one table"]
    assert summary["tasks"][0]["loop"] == "{{ ansible_play_hosts }}"
