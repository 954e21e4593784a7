"""Pulumi's own lifecycle on a lab this package builds (and destroys) itself: empty preview,
refresh and second up, secrets nowhere in plain text, hardening, destroy leaving nothing."""

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
    yield from restore.restored(request, lab, check_health=False)
