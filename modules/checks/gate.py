"""The readiness gate: the lab's own checks, tried until they all pass or a deadline."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from modules.checks.model import Check, Result
from modules.checks.run import run_checks
from modules.ssh import Target


def gate(targets: Mapping[str, Target], alternatives: Sequence[Sequence[Check]],
         timeout: float) -> list[Result]:
    """Each entry is a check and the checks that may stand in for it when its source has no
    tool to try it (a pair of services tried the other way round). With timeout 0: once."""
    until = time.monotonic() + timeout if timeout > 0 else None
    results = run_checks(targets, [alts[0] for alts in alternatives], until=until)
    for depth in range(1, max((len(a) for a in alternatives), default=1)):
        stand_ins = [i for i, r in enumerate(results)
                     if r.missing == "tool" and len(alternatives[i]) > depth]
        if not stand_ins:
            break
        again = run_checks(targets, [alternatives[i][depth] for i in stand_ins], until=until)
        for i, result in zip(stand_ins, again, strict=True):
            results[i] = result
    return results


def failures(results: Sequence[Result]) -> list[Result]:
    return [r for r in results if not r.passed]


def names_lost(result: Result) -> bool:
    """A container that cannot reach its neighbour by name on a custom bridge of its host (the
    name no longer resolves: the lookup goes unanswered): Docker dropped that network's DNS
    records, which it does to every network of a node that
    leaves a swarm, and of an autolocked manager that restarts and is unlocked. Restarting
    the containers registers them again (modules.docker.container.register_names_again)."""
    check = result.check
    by_name = not check.target.startswith("@") and not check.target.replace(".", "").isdigit()
    return (not result.passed and check.source.kind == "container" and check.expect == "pass"
            and by_name)


def way_out_lost(result: Result) -> bool:
    """A service's task on a network that has no way out at all ("Network is unreachable":
    the task has no interface on it). Its macvlan interface went with the parent link it hung
    off when that link was deleted and made again (`make hosts` after the lab bridge was
    lost): Docker keeps the task running without it and never notices. A new task gets an
    interface on the new link (modules.docker.container.replace_tasks_on)."""
    check = result.check
    return (not result.passed and check.source.kind == "service" and bool(check.network)
            and "Network is unreachable" in result.detail)
