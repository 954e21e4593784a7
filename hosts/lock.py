"""One `up` or `down` at a time per lab: a flock on the lab directory itself."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from hosts.paths import LabPaths, private_dir
from hosts.report import StepError


@contextmanager
def exclusive(lab: LabPaths, step: str, wait: float = 600.0) -> Iterator[None]:
    private_dir(lab.root)
    fd = os.open(lab.root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StepError(
                        step, f"another up/down holds {lab.root} for more than {wait:.0f}s"
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)  # releases the lock
