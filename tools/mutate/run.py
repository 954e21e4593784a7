"""Running `mutmut run` with a progress line and a deadline.

mutmut's own output (a spinner redrawn in place) goes to a log file; progress is read from
the results it has saved so far, so it reads the same in a terminal, a pipe or CI. At the
deadline mutmut is interrupted as Ctrl-C would (it stops its workers and keeps what it has),
and the result says it is incomplete.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tools.mutate import score

STOP_GRACE_SECONDS = 60.0
# The frames of the spinner mutmut redraws in place.
SPINNER = tuple("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")


@dataclass(frozen=True)
class Outcome:
    returncode: int
    # Why mutmut was stopped before it finished ("the deadline", "Ctrl-C"), or None.
    stopped: str | None
    seconds: float


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def progress(mutants_dir: Path, patterns: list[str], only: str | None) -> str:
    """`tested/all mutants (killed, survived)` from the .meta files mutmut has written so far."""
    metas: dict[str, str] = {}
    for source, text in score.read_metas(mutants_dir).items() if mutants_dir.is_dir() else ():
        try:
            score.exit_codes(text)
        except (ValueError, KeyError):
            continue  # being rewritten right now: counted at the next tick
        metas[source] = text
    everything = score.total_of(score.tally(metas, patterns, only))
    tested = everything.total + everything.count(score.SKIPPED)
    if tested + everything.not_run == 0:
        return "generating mutants"
    return (f"{tested}/{tested + everything.not_run} mutants tested "
            f"(killed {everything.killed}, survived {everything.count(score.SURVIVED)})")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Interrupt mutmut's process group (it started it: only mutmut and its workers are in it)."""
    try:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def run(mutmut: Path, root: Path, *, log: Path, patterns: list[str], only: str | None,
        max_children: int, deadline_seconds: float, every_seconds: float) -> Outcome:
    command = [str(mutmut), "run", "--max-children", str(max_children)]
    if only is not None:
        command.append(only)
    start = time.monotonic()
    stopped: str | None = None
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=root, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            while True:
                try:
                    proc.wait(timeout=every_seconds)
                    break
                except subprocess.TimeoutExpired:
                    pass
                elapsed = time.monotonic() - start
                print(f"[mutate] {_clock(elapsed)} {progress(root / 'mutants', patterns, only)}",
                      flush=True)
                if elapsed > deadline_seconds:
                    print(f"[mutate] deadline of {_clock(deadline_seconds)} reached: stopping mutmut",
                          file=sys.stderr, flush=True)
                    stopped = "the deadline"
                    _stop(proc)
                    break
        except KeyboardInterrupt:
            stopped = "Ctrl-C"
            _stop(proc)
    return Outcome(proc.returncode, stopped, time.monotonic() - start)


def log_tail(log: Path, lines: int = 30) -> str:
    """The last lines of mutmut's log, its in-place spinner redraws dropped."""
    text = log.read_bytes().decode(errors="replace").replace("\r", "\n")
    kept = [line for line in text.splitlines() if line.strip() and not line.startswith(SPINNER)]
    return "\n".join(kept[-lines:])
