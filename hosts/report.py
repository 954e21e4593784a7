"""Progress lines and errors that name the step and the host that failed."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

PREFIX = "[hosts]"


class StepError(Exception):
    """A step of up/down/doctor failed; the message says which and on which host."""

    def __init__(self, step: str, detail: str, host: str | None = None) -> None:
        self.step = step
        self.host = host
        self.detail = detail
        where = f"{host}: " if host else ""
        super().__init__(f"{where}{step}: {detail}")


class Reporter:
    """Prints `[hosts] manager: starting dockerd ... ok (1.2s)`; quiet prints nothing."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet

    def say(self, message: str) -> None:
        if not self.quiet:
            print(f"{PREFIX} {message}", flush=True)

    @contextmanager
    def step(self, label: str, host: str | None = None) -> Iterator[list[str]]:
        """Run one step; any exception becomes a StepError naming it.

        The step may append notes to the yielded list; they follow the "ok".
        """
        where = f"{host}: " if host else ""
        if not self.quiet:
            sys.stdout.write(f"{PREFIX} {where}{label} ... ")
            sys.stdout.flush()
        start = time.monotonic()
        notes: list[str] = []
        try:
            yield notes
        except StepError as err:
            self._end("FAILED")
            if err.host is None and host is not None:
                raise StepError(err.step, err.detail, host) from err
            raise
        except Exception as err:
            self._end("FAILED")
            raise StepError(label, f"{type(err).__name__}: {err}", host) from err
        tail = f": {'; '.join(notes)}" if notes else ""
        self._end(f"ok ({time.monotonic() - start:.1f}s){tail}")

    def _end(self, outcome: str) -> None:
        if not self.quiet:
            print(outcome, flush=True)
