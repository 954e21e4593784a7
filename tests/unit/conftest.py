"""Unit tests see none of the variables that pick a lab: `make test` sets them for the live
labs it builds, and a unit test must give the same answer under it as on its own."""

from __future__ import annotations

import pytest

LAB_SELECTING = ("SWARMLAB_LAB", "SWARMLAB_LAB_DIR", "SWARMLAB_SUBNET", "SWARMLAB_MANAGERS",
                 "SWARMLAB_WORKERS")


@pytest.fixture(autouse=True)
def _no_lab_selected(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LAB_SELECTING:
        monkeypatch.delenv(name, raising=False)
