"""Bounded waiting: `retry` for transient errors, `polls` for a condition to hold."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterator
from typing import Any, TypeVar

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


class SharedReads:
    """Reads that every poller of the same thing shares: callers that ask while a read of a
    key runs wait for it instead of reading too, and it serves every caller that asks less
    than `max_age` seconds after it began. Many resources waiting on one host (a
    manager's view of 31 joining nodes) would otherwise each poll it for themselves."""

    def __init__(self, max_age: float) -> None:
        self.max_age = max_age
        self._guard = threading.Lock()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._read: dict[Hashable, tuple[float, Any]] = {}

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        asked = time.monotonic()
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            # A read that began after this caller asked (it waited for that read), or less
            # than max_age before, answers it, however long the read itself took.
            started, value = self._read.get(key, (float("-inf"), None))
            if started > asked - self.max_age:
                return value
            started = time.monotonic()
            value = read()
            self._read[key] = (started, value)
            return value

    def clear(self) -> None:
        with self._guard:
            self._read.clear()
