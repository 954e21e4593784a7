"""Unit tests see none of the variables that pick a lab: `make test` sets them for the live
labs it builds, and a unit test must give the same answer under it as on its own."""

from __future__ import annotations

import pytest

from modules.docker import node

LAB_SELECTING = ("SWARMLAB_LAB", "SWARMLAB_LAB_DIR", "SWARMLAB_SUBNET", "SWARMLAB_MANAGERS",
                 "SWARMLAB_WORKERS")


@pytest.fixture(autouse=True)
def _no_lab_selected(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LAB_SELECTING:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _no_shared_reads_kept() -> None:
    """The manager's view that joins share (modules.docker.node) starts empty in every test:
    each test's fake clock starts at 0."""
    node.MANAGER_VIEW.clear()
