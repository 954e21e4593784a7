"""The Makefile's environment (pinned tools on PATH, the lab's state and passphrase), for
tests run by pytest directly as well as through make."""

from __future__ import annotations

import functools
import os

from tools.lab import labs

_from_make = functools.cache(labs.make_env)


def lab_env(lab: str | None = None) -> dict[str, str]:
    """os.environ with `make env`'s settings for the lab (SWARMLAB_LAB's by default)."""
    return {**os.environ, **_from_make(lab or os.environ.get("SWARMLAB_LAB") or "swarmlab")}
