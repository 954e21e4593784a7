"""For every live test (marked lab, hosts, reliability, lifecycle, scale or vm): when it
fails, keep the lab's logs (tests/support/failures.py), because taking the hosts down
deletes them; a flake seen once in CI can then be read afterwards."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import failures, restore

LIVE = ("lab", "hosts", "reliability", "lifecycle", "scale", "verbs", "vm", "teardown",
        "engines", "faults")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[restore.OUTCOME] = report.failed
    if report.failed and any(item.get_closest_marker(m) for m in LIVE):
        kept = failures.keep(item.name)
        if kept is not None:
            report.sections.append(("lab logs kept", str(kept)))
    return report
