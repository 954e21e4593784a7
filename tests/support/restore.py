"""One failure never cascades: after a test that breaks its lab on purpose, the lab is put
back as it was built, even when the test failed half-way (a `finally` cannot know what a
failed step left: a swarm left, a dockerd stopped, a network gone).

Used by the folders whose lab is the suite's own (tests/reliability, tests/lifecycle): after
each test that failed, and in `check_health` folders after any test whose lab no longer
answers as built, the lab gets fresh hosts and a `pulumi up`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import builder
from tests.support.hoststool import hosts_ok
from tests.support.lab import Lab
from tests.support.live import lab_works, swarm_states

OUTCOME = pytest.StashKey[bool]()
"""Set on a test item by tests/conftest.py: whether its call phase failed."""


def problems(lab: Lab) -> list[str]:
    """Why the lab is not as built, [] when it is: every host in the swarm, and the lab's
    cross-host pairs and demos answering."""
    found = [f"{name}: swarm state {state or 'unknown (dockerd down?)'}"
             for name, state in swarm_states(lab).items() if state != "active"]
    return found or lab_works(lab)


def rebuild(test_lab: builder.TestLab = builder.ONEBOX) -> None:
    """Fresh hosts (Docker's leaked references go with the old ones), then `pulumi up`."""
    hosts_ok("down", "--quiet")
    builder.restart_hosts(test_lab)
    builder.pulumi().up()


def restored(request: pytest.FixtureRequest, lab: Lab, check_health: bool) -> Iterator[None]:
    yield
    if not lab.built_here:
        return
    failed = request.node.stash.get(OUTCOME, False)
    found = problems(lab) if check_health and not failed else []
    if failed or found:
        why = "the test failed" if failed else "; ".join(found)
        print(f"\n[restore] rebuilding lab {builder.lab_name()} after {request.node.name}: {why}")
        rebuild()
