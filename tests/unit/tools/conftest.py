"""The live lab's inspect document and the host snapshots it was built from, saved together
(tests/unit/data/sample-*.json), for the pure tests of inspect and the diagram."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from modules.docker.snapshot import Snapshot
from tools.lab.inspect_doc import HostRead, build

DATA = Path(__file__).resolve().parents[1] / "data"
_DOC = json.loads((DATA / "sample-inspect.json").read_text())
_RAW = json.loads((DATA / "sample-snapshots.json").read_text())


def reads(raw: dict[str, Any]) -> list[HostRead]:
    """A host whose "snapshot" a test set to None did not answer (its "error" says why)."""
    return [HostRead(h["name"], h["address"], h["role"],
                     Snapshot(**h["snapshot"]) if h["snapshot"] is not None else None, h.get("error"))
            for h in raw["hosts"]]


def rebuild(raw: dict[str, Any]) -> dict[str, Any]:
    """The inspect document of a (changed) raw sample."""
    return build(raw["lab"], raw["lan"], reads(raw))


@pytest.fixture
def doc() -> dict[str, Any]:
    """A fresh copy of the saved inspect document (a test may change it)."""
    return copy.deepcopy(_DOC)


@pytest.fixture
def raw() -> dict[str, Any]:
    """A fresh copy of the snapshots: {"lab", "lan", "hosts": [{"name", "address", "role",
    "snapshot": the Snapshot's fields}]}."""
    return copy.deepcopy(_RAW)


@pytest.fixture
def inspect_of() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Builds the document of a raw sample (after a test changed it)."""
    return rebuild
