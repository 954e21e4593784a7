"""Where things are, for every test folder: the repo, its virtualenv's python, the lab."""

from __future__ import annotations

from pathlib import Path

from tools.lab import labs

ROOT = labs.ROOT
PY = ROOT / ".venv" / "bin" / "python"


def lab_name() -> str:
    """The lab the tests act on (SWARMLAB_LAB; `make validate` passes the one that is up)."""
    return labs.lab_name()


def lab_dir() -> Path:
    return labs.lab_dir()
