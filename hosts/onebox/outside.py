"""System paths outside the lab directory that only exist because the lab ran.

`ip netns add` makes /run/netns, sshd needs /run/sshd, dockerd makes
/run/docker/plugins, containerd /run/containerd/s (its shim sockets, made
with the first container, which may come long after `up`), and iptables
may make /run/xtables.lock. `up` records which of them were missing before
it ran; `down` removes those that exist then and are empty. Paths that
existed before the lab are never touched.

They are shared by every one-box lab on the machine (an empty /run/sshd is what every lab's
sshd needs), so while another lab is up nothing is removed: the record is handed to the
labs of this checkout that are still up, and the last one down removes what is unused.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hosts.onebox import mounts
from hosts.paths import LabPaths, recorded_lab_dirs

NETNS_DIR = Path("/run/netns")

WATCHED = tuple(
    Path(p) for p in ("/run/netns", "/run/sshd", "/run/docker", "/run/containerd", "/run/xtables.lock")
)


def missing() -> set[Path]:
    return {p for p in WATCHED if not p.exists()}


def _recorded(lab: LabPaths) -> set[Path]:
    try:
        return {Path(p) for p in json.loads(lab.created_outside.read_text())}
    except FileNotFoundError:
        return set()


def record(lab: LabPaths, were_missing: set[Path]) -> None:
    """Remember the paths that were missing before `up`: the lab's daemons may make them."""
    created = _recorded(lab) | were_missing
    text = json.dumps(sorted(str(p) for p in created), indent=2) + "\n"
    if not lab.created_outside.exists() or lab.created_outside.read_text() != text:
        lab.created_outside.write_text(text)


def _holds_files(path: Path) -> bool:
    return any(filenames for _, _, filenames in os.walk(path))


def _remove_empty_tree(path: Path) -> bool:
    """Remove `path`, which holds nothing but empty directories."""
    for dirpath, dirnames, _ in os.walk(path, topdown=False):
        for name in dirnames:
            os.rmdir(os.path.join(dirpath, name))
    os.rmdir(path)
    return True


def others_up(lab: LabPaths) -> tuple[list[LabPaths], bool]:
    """The other labs of this checkout whose hosts are up, and whether any network namespace
    is left on the machine (a one-box lab of this or another checkout)."""
    labs = [LabPaths(d) for d in recorded_lab_dirs()
            if d.resolve() != lab.root.resolve() and LabPaths(d).inventory.is_file()]
    namespaces = NETNS_DIR.is_dir() and any(NETNS_DIR.iterdir())
    return labs, namespaces


def remove(lab: LabPaths) -> list[str]:
    """Remove the recorded paths that are now unused; return what was removed. While
    another lab is up, remove nothing and hand the record to the labs of this checkout
    that are up."""
    created = _recorded(lab)
    labs, namespaces = others_up(lab)
    if created and (labs or namespaces):
        for other in labs:
            record(other, created)
        lab.created_outside.unlink(missing_ok=True)
        return []
    removed = []
    for path in sorted(created):
        try:
            if path.is_dir():
                if _holds_files(path):
                    continue  # in use (a namespace, a socket): leave it
                if str(path) in mounts.mount_points():
                    # iproute2 bind-mounts /run/netns onto itself (shared).
                    mounts.umount(str(path))
                _remove_empty_tree(path)
                removed.append(str(path))
            elif path.exists() and path.stat().st_size == 0:
                path.unlink()
                removed.append(str(path))
        except OSError:
            continue  # something else started using it meanwhile: leave it
    lab.created_outside.unlink(missing_ok=True)
    return removed
