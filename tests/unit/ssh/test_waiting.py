"""Bounded retries (transient errors only), polls, and reads shared by pollers."""

from __future__ import annotations

import threading
import time

import pytest

from modules.ssh import RemoteError, SharedReads, TransientError, polls, retry


def test_retry_retries_transient_errors_a_bounded_number_of_times():
    calls, sleeps = [], []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise TransientError("connection reset by peer")
        return "ok"

    assert retry(flaky, attempts=4, delay=0.5, sleep=sleeps.append) == "ok"
    assert len(calls) == 3
    assert sleeps == [0.5, 1.0]


def test_retry_gives_up_after_the_last_attempt():
    sleeps: list[float] = []

    def always() -> None:
        raise TransientError("i/o timeout")

    with pytest.raises(TransientError):
        retry(always, attempts=3, delay=1.0, sleep=sleeps.append)
    assert sleeps == [1.0, 2.0]


def test_retry_does_not_retry_other_errors():
    calls, sleeps = [], []

    def broken() -> None:
        calls.append(1)
        raise RemoteError("invalid join token")

    with pytest.raises(RemoteError):
        retry(broken, attempts=5, sleep=sleeps.append)
    assert (len(calls), sleeps) == (1, [])


def test_polls_pass_once_at_once_and_stop_at_the_timeout(monkeypatch):
    slept: list[float] = []
    now = [0.0]
    monkeypatch.setattr("modules.ssh.waiting.time.monotonic", lambda: now[0])

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    monkeypatch.setattr("modules.ssh.waiting.time.sleep", sleep)
    passes = sum(1 for _ in polls(2.0))
    assert slept == [0.1, 0.2, 0.4, 0.5, 0.5, 0.5]
    assert passes == 7


def test_pollers_asking_while_a_slow_read_runs_share_it():
    """Eight pollers at once, a read slower than max_age: one read answers them all, and none
    waits much longer than that one read (each reading in turn would take eight times it)."""
    shared, reads = SharedReads(max_age=0.05), []

    def read() -> int:
        reads.append(1)
        time.sleep(0.3)
        return len(reads)

    got: list[int] = []
    start = time.monotonic()
    pollers = [threading.Thread(target=lambda: got.append(shared.get("k", read)))
               for _ in range(8)]
    for poller in pollers:
        poller.start()
    for poller in pollers:
        poller.join()
    assert (len(reads), got) == (1, [1] * 8)
    assert time.monotonic() - start < 1.0


def test_a_poller_asking_after_max_age_reads_again():
    shared, count = SharedReads(max_age=0.05), iter(range(1, 10))
    assert shared.get("k", lambda: next(count)) == 1
    assert shared.get("k", lambda: next(count)) == 1  # within max_age of the first read
    time.sleep(0.06)
    assert shared.get("k", lambda: next(count)) == 2
    assert shared.get("other", lambda: next(count)) == 3
