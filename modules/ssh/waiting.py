"""Bounded waiting: `retry` for transient errors, `polls` for a condition to hold."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from modules.ssh.errors import TransientError

T = TypeVar("T")


def retry(action: Callable[[], T], *, attempts: int = 4, delay: float = 0.5,
          sleep: Callable[[float], None] | None = None,
          transient: tuple[type[BaseException], ...] = (TransientError,)) -> T:
    """Run action, retrying only on transient errors, a bounded number of times. `sleep` is
    looked up when called (time.sleep by default), so a test that patches it is obeyed."""
    pause = sleep or time.sleep
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except transient:
            if attempt == attempts:
                raise
            pause(delay * attempt)
    raise AssertionError("unreachable")


def polls(timeout: float, first: float = 0.1, longest: float = 0.5) -> Iterator[None]:
    """Drive a polling loop: one pass now, then more until `timeout` has passed, the pauses
    quick at first and then no longer than `longest`. The caller returns from the loop when
    its condition holds, and handles the timeout after it.

    Why not a fixed short pause: every poll is a docker CLI process on a host, a lab polls
    all its services at once, and on a small machine short polls spent more CPU than the
    tasks they waited for."""
    deadline = time.monotonic() + timeout
    pause = first
    while True:
        yield
        if time.monotonic() >= deadline:
            return
        time.sleep(pause)
        pause = min(pause * 2, longest)
