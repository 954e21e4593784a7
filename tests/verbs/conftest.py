"""The lab tool's verbs (inspect, diagram, validate's declared checks, matrix, exec, capture)
against a live lab, run as a user runs them. They test the tool, not the lab, so `make
validate` leaves them out; `make test` runs them on a one-box lab of their own, and
`pytest tests/verbs` runs them against the lab that is up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import builder
from tests.support.lab import Lab


@pytest.fixture(scope="package")
def lab() -> Iterator[Lab]:
    with builder.lab_for_session(builder.ONEBOX) as running:
        yield running
