"""Fixtures for the hosts tool's own tests.

The live tests build a lab in a fresh, short temporary directory
(SWARMLAB_LAB_DIR), so they never touch a developer's `.lab/`; they refuse
to start while another lab holds the host namespaces.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hoststools import LiveLab, lab_env, require_live, run_hosts


@pytest.fixture(scope="module")
def live_lab() -> Iterator[LiveLab]:
    """A 1+1 lab brought up once for the module and always taken down at the end."""
    require_live()
    lab_dir = Path(tempfile.mkdtemp(prefix="swl-"))
    env = lab_env(lab_dir)
    start = time.monotonic()
    up = run_hosts(env, "up")
    lab = LiveLab(dir=lab_dir, env=env, up=up, up_seconds=time.monotonic() - start)
    try:
        yield lab
    finally:
        down = run_hosts(env, "down")
        # Kept for a second `down` and for inspection when this one failed.
        assert down.returncode == 0, f"down failed ({lab_dir}):\n{down.stdout}\n{down.stderr}"
        shutil.rmtree(lab_dir)
