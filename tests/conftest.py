"""For every live test (marked lab, hosts, reliability or lifecycle): when it fails, keep each
host's dockerd log in <lab>/failures/<test>/, because taking the hosts down deletes them; a
flake seen once in CI can then be read afterwards (the CI job uploads that folder)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.paths import lab_dir

LIVE = ("lab", "hosts", "reliability", "lifecycle", "scale", "vm")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed and any(item.get_closest_marker(m) for m in LIVE):
        kept = lab_dir() / "failures" / item.name.replace("/", "_")
        for log in sorted(lab_dir().glob("hosts/*/dockerd.log")):
            kept.mkdir(parents=True, exist_ok=True)
            (kept / f"{log.parent.name}-dockerd.log").write_bytes(log.read_bytes())
        if kept.is_dir():
            report.sections.append(("dockerd logs kept", str(kept)))
    return report
