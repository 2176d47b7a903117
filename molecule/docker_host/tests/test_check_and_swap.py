"""--check --diff shows the daemon.json change and changes nothing; the swap accounting fix edits
GRUB_CMDLINE_LINUX once, runs the bootloader handler once and reports the reboot."""

import pytest


@pytest.fixture(scope="module")
def check_run(extra_checks):
    return extra_checks["stdout"], extra_checks["check"]


def test_check_mode_prints_daemon_json_diff(check_run):
    out = check_run[0]
    assert "--- before: /etc/docker/daemon.json" in out
    assert '-    "max-size": "10m"' in out
    assert '+    "max-size": "20m"' in out
    assert '+  "userns-remap": "default"' in out
    # This run's variables list no insecure registry: the one the converge granted is withdrawn.
    assert '-  "insecure-registries": [' in out


def test_check_mode_subid_range_after_existing_ones(check_run):
    out = check_run[0]
    # prepare.yml's useradd gave labuser 100000:65536; dockremap must not overlap it.
    assert "+dockremap:165536:65536" in out


def test_check_mode_changed_nothing(host, check_run):
    results = check_run[1]
    assert results["daemon_json_unchanged"] is True
    assert results["remap_user_created"] is False
    assert "dockremap" not in host.file("/etc/subuid").content_string
    assert "userns-remap" not in host.file("/etc/docker/daemon.json").content_string


def test_swap_fix_edits_grub_once(check_run):
    results = check_run[1]
    assert 'GRUB_CMDLINE_LINUX="console=ttyS0 swapaccount=1 cgroup_enable=memory"\n' in results["grub"]
    assert 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n' in results["grub"]
    assert results["mkconfig_first"] is True
    assert results["mkconfig_second"] is False
    assert results["reboot_required"] is True
