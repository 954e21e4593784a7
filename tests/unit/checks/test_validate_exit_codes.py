"""validate's exit codes (netlab's): 0 all passed, 1 a check failed, 2 none, 3 warnings."""

from __future__ import annotations

from modules.checks import declared
from modules.checks.model import Check, Result, Source

PING = Check("ping", Source("service", "app", "manager"), target="tasks.web")
MUST_FAIL = Check("ping", Source("container", "web1", "manager"), target="web2", expect="fail")


def test_exit_codes():
    assert declared.exit_code([]) == 2
    assert declared.exit_code([Result(PING, "reached"), Result(MUST_FAIL, "refused")]) == 0
    assert declared.exit_code([Result(PING, "reached"), Result(MUST_FAIL, "reached")]) == 1
    assert declared.exit_code([Result(PING, "refused")]) == 1
    skipped = Result(PING, "skipped", "kernel feature ESP (IPsec) missing", "kernel")
    assert declared.exit_code([skipped, Result(MUST_FAIL, "refused")]) == 3
    assert declared.exit_code([skipped, Result(PING, "error", "no such container")]) == 1


def test_a_result_line_names_the_check_and_what_was_tried():
    labelled = Check("ping", Source("container", "web1", "manager"), target="web2",
                     network="bridge", expect="fail", label="no names on the default bridge")
    line = Result(labelled, "reached").line()
    assert line == ("FAIL  [no names on the default bridge] container web1 on manager: ping web2 "
                    "on bridge (expected to fail) -> reached")
