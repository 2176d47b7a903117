"""Controller-side fixture: run extra_checks.yml once per instance and hand out its results."""

import json
import os

import pytest
from helpers import ansible_playbook

_RESULTS = {}


@pytest.fixture(scope="module")
def extra_checks(host, tmp_path_factory):
    # The refusals stop in preflight, before anything release-specific, and the check-mode and
    # swap cases cost minutes per instance: they run on the default suite's instance only.
    if host.system_info.codename != os.environ["LABFORGE_SUITE"]:
        pytest.skip("extra checks run on the %s instance only" % os.environ["LABFORGE_SUITE"])
    # testinfra's host fixture is module scoped: cache by instance so the playbook runs once.
    name = host.backend.get_hostname()
    if name not in _RESULTS:
        out = tmp_path_factory.mktemp("extra_checks")
        bad, check = out / "bad_input.json", out / "check.json"
        run = ansible_playbook(host, "extra_checks.yml", "-e", "bad_input_results=%s" % bad,
                               "-e", "check_results_file=%s" % check)
        assert run.returncode == 0, run.stdout[-4000:]
        _RESULTS[name] = {"stdout": run.stdout, "bad_input": json.loads(bad.read_text()),
                          "check": json.loads(check.read_text())}
    return _RESULTS[name]


@pytest.fixture(scope="module")
def userns(host, tmp_path_factory):
    # Its own run, from test_userns.py, the last module: it restarts the engine twice and runs
    # the role with this playbook's variables, which the converged state checks must not see.
    if host.system_info.codename != os.environ["LABFORGE_SUITE"]:
        pytest.skip("userns-remap runs on the %s instance only" % os.environ["LABFORGE_SUITE"])
    results = tmp_path_factory.mktemp("userns") / "userns.json"
    run = ansible_playbook(host, "userns.yml", "-e", "userns_results_file=%s" % results,
                           "-e", "lab_suite=%s" % os.environ["LABFORGE_SUITE"])
    assert run.returncode == 0, run.stdout[-4000:]
    return json.loads(results.read_text())
