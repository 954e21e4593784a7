"""Fault injection, drift and bad input: these tests break the lab on purpose, so they run
only on a lab this package builds itself (SWARMLAB_BUILD_LAB=1, as `make test` sets) and
takes down afterwards: Docker leaks a reference to a config-only macvlan network when its
dockerd restarts under a macvlan task (moby/moby#35101), which only new hosts clear."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import builder, restore
from tests.support.lab import Lab


@pytest.fixture(scope="package")
def lab() -> Iterator[Lab]:
    with builder.lab_for_session(require_own=True) as running:
        yield running


@pytest.fixture(autouse=True)
def _restored(request: pytest.FixtureRequest, lab: Lab) -> Iterator[None]:
    yield from restore.restored(request, lab, check_health=True)
