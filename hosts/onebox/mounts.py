"""Mounts the lab's dockerds leave under the lab directory, and removing them.

dockerd bind-mounts its data-root onto itself, mounts an overlay per
container and keeps network namespaces as nsfs bind mounts under its
exec-root. A crashed daemon leaves them all behind.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from pathlib import Path

MNT_DETACH = 2
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _unescape(field: str) -> str:
    # mountinfo escapes space, tab, newline and backslash as \ooo.
    out, i = [], 0
    while i < len(field):
        code = field[i + 1 : i + 4]
        if field[i] == "\\" and len(code) == 3 and code.isdigit():
            out.append(chr(int(code, 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def mount_points() -> list[str]:
    """Every mount point of our mount namespace, in mount order."""
    with open("/proc/self/mountinfo") as info:
        return [_unescape(line.split()[4]) for line in info if line.strip()]


def under(directory: Path) -> list[str]:
    """Mount points at or below `directory`, deepest first."""
    top = str(directory.resolve())
    found = {p for p in mount_points() if p == top or p.startswith(top + "/")}
    return sorted(found, key=lambda p: (p.count("/"), p), reverse=True)


def umount(path: str) -> None:
    """Lazy unmount (MNT_DETACH): busy mounts are detached now, freed when unused.

    Through libc rather than umount(8), which would create /run/mount.
    """
    if _libc.umount2(os.fsencode(path), MNT_DETACH) != 0:
        errno = ctypes.get_errno()
        # EINVAL: not a mount point (any more); ENOENT: gone already.
        if errno not in (22, 2):
            raise OSError(errno, f"umount {path}: {os.strerror(errno)}")


def unmount_under(directory: Path) -> list[str]:
    """Unmount everything at or below `directory`; return what was unmounted."""
    done: list[str] = []
    # Stacked mounts show up more than once; repeat until none is left.
    for _ in range(10):
        points = under(directory)
        if not points:
            break
        for point in points:
            umount(point)
            done.append(point)
    return done
