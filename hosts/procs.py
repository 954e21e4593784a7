"""Processes the lab started: found by pidfile, namespace or parentage, never by name."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterable
from pathlib import Path

PROC = Path("/proc")


def read_pidfile(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return int(text) if text.isdigit() and int(text) > 1 else None


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    # The state follows the command name, which is in parentheses.
    return stat[stat.rindex(")") + 2 :].split()[0] not in ("Z", "X")


def parent(pid: int) -> int | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def runs(pid: int | None, program: str) -> bool:
    """True when the process runs that program file (its /proc exe): a daemon of another
    engine's binaries, same command line and all, is not the one asked for."""
    if pid is None:
        return False
    try:
        return os.path.realpath(PROC / str(pid) / "exe") == os.path.realpath(program)
    except OSError:
        return False


def cmdline(pid: int) -> str:
    """The command line, arguments joined by spaces ('' when gone)."""
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def namespace(pid: int, kind: str) -> int | None:
    """The inode of a process's namespace of `kind` ("net", "uts")."""
    try:
        return os.stat(PROC / str(pid) / "ns" / kind).st_ino
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None


def all_pids() -> list[int]:
    return [int(entry.name) for entry in PROC.iterdir() if entry.name.isdigit()]


def in_namespace(kind: str, inode: int) -> list[int]:
    """Every process living in the namespace with that inode."""
    own = namespace(os.getpid(), kind)
    if inode == own:
        # Never our own (the root) namespace: that would be every process.
        return []
    return [pid for pid in all_pids() if namespace(pid, kind) == inode]


def descendants(roots: Iterable[int]) -> set[int]:
    """All children, grandchildren, ... of the given processes (not the roots)."""
    children: dict[int, list[int]] = {}
    for pid in all_pids():
        ppid = parent(pid)
        if ppid is not None:
            children.setdefault(ppid, []).append(pid)
    found: set[int] = set()
    todo = list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def verified(pidfile: Path, marker: str) -> int | None:
    """The pid in `pidfile` if that process is alive and its command line has `marker`.

    The marker (a path inside the lab) guards against a stale pidfile whose
    pid now belongs to some unrelated process.
    """
    pid = read_pidfile(pidfile)
    if pid is None or not alive(pid) or marker not in cmdline(pid):
        return None
    return pid


def _signal(pids: Iterable[int], sig: signal.Signals) -> None:
    for pid in pids:
        if pid <= 1 or pid == os.getpid():
            continue
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def wait_gone(pids: Iterable[int], timeout: float) -> list[int]:
    """Wait until the processes are gone; return those still alive at the deadline."""
    left = [pid for pid in pids if alive(pid)]
    deadline = time.monotonic() + timeout
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [pid for pid in left if alive(pid)]
    return left


def stop(pids: Iterable[int], timeout: float = 15.0) -> list[int]:
    """SIGTERM, wait up to `timeout`, then SIGKILL those same PIDs.

    Returns the pids that had to be killed.
    """
    targets = [pid for pid in set(pids) if pid > 1 and pid != os.getpid() and alive(pid)]
    if not targets:
        return []
    _signal(targets, signal.SIGTERM)
    stubborn = wait_gone(targets, timeout)
    if stubborn:
        _signal(stubborn, signal.SIGKILL)
        wait_gone(stubborn, 5.0)
    return stubborn
