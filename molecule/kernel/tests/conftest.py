"""Shared by the kernel scenario's tests."""
from shlex import quote

import pytest

AUDIT_LOG = "/var/log/audit/audit.log"


@pytest.fixture
def await_audit(host):
    """Wait, at most `timeout` seconds, for a line of the audit log that holds every needle.

    The kernel hands an AVC to auditd over netlink and auditd writes it when it gets the CPU: under
    TCG on a loaded machine that can be seconds after the denied call returned, so a test reading
    the log at once can miss a denial that did happen. Returns whether such a line was found.
    """
    def wait(*needles, timeout=90):
        matches = " | ".join(["grep -F -- %s %s" % (quote(needles[0]), AUDIT_LOG)]
                             + ["grep -F -- %s" % quote(n) for n in needles[1:]])
        script = "until %s >/dev/null; do sleep 1; done" % matches
        return host.run("timeout %d sh -c %s" % (timeout, quote(script))).rc == 0
    return wait
