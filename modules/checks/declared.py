"""The checks a stack declares (swarmlab:validate, modules/spec/declared.py), as Checks the
runner tries, and what `validate` makes of their results."""

from __future__ import annotations

from collections.abc import Sequence

from modules.checks.model import Check, Result, Source
from modules.spec import LabSpec

# `python -m tools.lab validate` exits as netlab's validate does.
ALL_PASSED, A_CHECK_FAILED, NO_CHECKS, WARNINGS_ONLY = 0, 1, 2, 3


def declared_checks(spec: LabSpec) -> list[Check]:
    """A check on an encrypted overlay (named, or the source service's) needs ESP: where the
    kernel has none it is skipped, and says so, instead of failing."""
    encrypted = {o.name for o in spec.overlays if o.encrypted}
    service_net = {s.name: s.network for s in spec.services}
    checks = []
    for c in spec.checks:
        network = c.network or (service_net.get(c.source, "") if c.source_kind == "service"
                                else "")
        checks.append(Check(c.kind, Source(c.source_kind, c.source, c.host), target=c.target,
                            port=c.port, network=c.network, expect=c.expect, timeout=c.timeout,
                            retries=c.retries, label=c.name,
                            requires="esp" if network in encrypted else ""))
    return checks


def exit_code(results: Sequence[Result]) -> int:
    """0 all passed, 1 a check failed, 2 no checks, 3 warnings only (checks skipped)."""
    if not results:
        return NO_CHECKS
    if any(not r.passed for r in results):
        return A_CHECK_FAILED
    if any(r.outcome == "skipped" for r in results):
        return WARNINGS_ONLY
    return ALL_PASSED


def tally(results: Sequence[Result]) -> str:
    failed = sum(not r.passed for r in results)
    skipped = sum(r.outcome == "skipped" for r in results)
    return (f"{len(results) - failed - skipped} passed, {failed} failed, {skipped} skipped "
            f"(a warning, not a failure), of {len(results)} declared checks")
