"""The readiness gate: the last resource of the lab. `pulumi up` returns only once the lab
works, proven from inside it (modules.checks.builtin), or fails naming what does not.

Every `pulumi up` refreshes first (Pulumi.yaml: refresh: always), and this resource's read
tries the checks once: when one fails, the read reports the lab as not ready, the diff
shows it, and the update waits (bounded) for the lab to work again. So a plain `pulumi up`
after drift both repairs the lab and proves it, and a healthy lab costs one round of probes.
The read lists what runs first (each host in the swarm, tasks, containers): when something
is missing, the lab is not ready, and the network probes (each would wait out its timeout)
are not tried.
"""

from __future__ import annotations

import math
import time
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

from modules.checks.gate import failures, gate, names_lost, way_out_lost
from modules.checks.model import INVENTORY, Check, Result
from modules.docker import container
from modules.providers.base import LabResource, diff
from modules.ssh import RemoteError, Target, polls

INPUTS = ("targets", "checks", "timeout", "ready")


HEAL_EVERY = 30.0
"""Seconds between mends while the gate waits: Docker may drop a bridge's records again
while the lab settles (a manager that was unlocked a moment ago)."""


Targets = dict[str, Target]
Alternatives = list[list[Check]]


def _checks(props: dict[str, Any]) -> tuple[Targets, Alternatives]:
    return ({name: Target.from_dict(t) for name, t in props["targets"].items()},
            [[Check.from_dict(c) for c in alts] for alts in props["checks"]])


def _lines(results: list[Result]) -> list[str]:
    return [r.line() for r in failures(results)]


def _try_once(targets: Targets, alternatives: Alternatives) -> list[Result]:
    """Every check once, listings first: while a host or a task is missing, the lab is not
    ready, and no network probe is tried."""
    listed = [alts for alts in alternatives if alts[0].kind in INVENTORY]
    results = gate(targets, listed, 0)
    if failures(results):
        return results
    return results + gate(targets, [a for a in alternatives if a[0].kind not in INVENTORY], 0)


def _wait_until_it_works(targets: Targets, alternatives: Alternatives, timeout: float
                         ) -> list[Result]:
    """The checks tried until they all pass or `timeout`, each round only those still
    failing. What Docker is known to break and not mend by itself is mended when seen, and
    again at most every HEAL_EVERY seconds: lost DNS records of custom bridges, and tasks
    whose macvlan parent link was made again under them (on every host: a task that only
    receives fails no check of its own)."""
    results = gate(targets, alternatives, 0)
    mended_at = -math.inf
    for _ in polls(timeout, first=1.0, longest=1.0):
        pending = [i for i, r in enumerate(results) if not r.passed]
        if not pending:
            break
        if time.monotonic() - mended_at >= HEAL_EVERY:
            lost = sorted({results[i].check.source.host for i in pending
                           if names_lost(results[i])})
            for host in lost:
                container.register_names_again(targets[host])
            cut_off = sorted({results[i].check.network for i in pending
                              if way_out_lost(results[i])})
            for network in cut_off:
                for target in targets.values():
                    container.replace_tasks_on(target, network)
            if lost or cut_off:
                mended_at = time.monotonic()
        again = gate(targets, [alternatives[i] for i in pending], 0)
        for i, result in zip(pending, again, strict=True):
            results[i] = result
    return results


def _outs(props: dict[str, Any], results: list[Result]) -> dict[str, Any]:
    skipped = [r.line() for r in results if r.outcome == "skipped"]
    return {**props, "passed": len(results) - len(skipped), "skipped": skipped}


class ReadinessProvider(ResourceProvider):
    def _wait(self, props: dict[str, Any]) -> dict[str, Any]:
        timeout = int(props["timeout"])
        results = _wait_until_it_works(*_checks(props), timeout)
        failed = _lines(results)
        if failed:
            raise RemoteError(f"the lab does not work {timeout}s after it was built; "
                              f"{len(failed)} of {len(results)} checks fail:\n  "
                              + "\n  ".join(failed))
        return _outs(props, results)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("readiness", self._wait(props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        results = _try_once(*_checks(props))
        failed = _lines(results)
        # Dynamic providers diff against the old outputs, which carry the inputs too: both say
        # what was found, so a lab that does not work shows as a change `up` then waits out.
        found = {"ready": not failed}
        inputs = {k: props.get(k) for k in INPUTS}
        return ReadResult(id_, {**_outs(props, results), **found}, inputs={**inputs, **found})

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff(olds, news, (), INPUTS)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._wait(news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Nothing on the hosts: the gate only looks."""


class Readiness(LabResource):
    passed: pulumi.Output[int]
    skipped: pulumi.Output[list]
    """The lines of the checks this lab cannot pass (a kernel feature it lacks)."""

    def __init__(self, name: str, targets: dict[str, Target],
                 checks: list[list[dict[str, Any]]], timeout: int,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(ReadinessProvider(), name,
                         {"targets": {n: t.as_dict() for n, t in targets.items()},
                          "checks": checks, "timeout": timeout, "ready": True}, opts)
