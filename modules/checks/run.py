"""Running checks: per host one SSH command that tries all of that host's checks at once;
the hosts in parallel; failing checks tried again until their retries (or a deadline) run
out, passing ones left alone."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from modules.checks.model import Check, Result
from modules.docker import probe
from modules.ssh import RemoteError, Target, run

Outcome = tuple[str, str, str]
"""(outcome, detail, missing): see modules.checks.model.Result."""


def _outcome(check: Check, status: int, detail: str) -> Outcome:
    if status == 0:
        return "reached", "", ""
    if status == probe.NO_KERNEL_FEATURE and check.requires:
        return "skipped", detail, "kernel"
    if status in probe.TIMED_OUT:
        return "refused", f"no answer within {probe.limit(check)}s", ""
    if status in probe.MISSING_TOOL and check.source.kind != "host":
        return "skipped", f"the source has no tool for it ({detail})", "tool"
    if (status == probe.NO_SOURCE and check.source.kind == "service") or "No such container" in detail:
        return "error", detail, ""
    return "refused", detail, ""


def _on_host(target: Target, checks: Sequence[tuple[int, Check]]) -> dict[int, Outcome]:
    try:
        result = run(target, probe.script(checks), check=False,
                     timeout=probe.script_limit(checks))
    except RemoteError as err:
        return {i: ("error", str(err), "") for i, _ in checks}
    found = probe.parse(result.stdout)
    return {i: _outcome(c, *found[i]) if i in found else ("error", "no answer from the probe", "")
            for i, c in checks}


def run_once(targets: Mapping[str, Target], checks: Sequence[Check]) -> list[Result]:
    """Every check once."""
    by_host: dict[str, list[tuple[int, Check]]] = {}
    for i, check in enumerate(checks):
        by_host.setdefault(check.source.host, []).append((i, check))
    started = time.monotonic()
    outcomes: dict[int, Outcome] = {}
    unknown = [h for h in by_host if h not in targets]
    for host in unknown:
        outcomes.update({i: ("error", f"no lab host named {host}", "") for i, _ in by_host.pop(host)})
    with ThreadPoolExecutor(max_workers=max(1, len(by_host))) as pool:
        for found in pool.map(lambda h: _on_host(targets[h], by_host[h]), list(by_host)):
            outcomes.update(found)
    seconds = round(time.monotonic() - started, 2)
    return [Result(c, outcomes[i][0], outcomes[i][1], outcomes[i][2], seconds)
            for i, c in enumerate(checks)]


def run_checks(targets: Mapping[str, Target], checks: Sequence[Check], *,
               until: float | None = None, pause: float = 1.0) -> list[Result]:
    """Every check, those that fail tried again: each up to its own retries, or (with
    `until`, a time.monotonic() deadline) until the deadline passes."""
    results = run_once(targets, checks)
    attempt = 1
    while True:
        pending = [i for i, r in enumerate(results) if not r.passed and (
            time.monotonic() < until if until is not None else attempt <= r.check.retries)]
        if not pending:
            return results
        time.sleep(pause)
        attempt += 1
        again = run_once(targets, [results[i].check for i in pending])
        for i, result in zip(pending, again, strict=True):
            results[i] = Result(result.check, result.outcome, result.detail, result.missing,
                                result.seconds, attempt)
