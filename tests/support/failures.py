"""What a failed live test leaves for reading afterwards, under .lab/failures/<lab>/<test>/
(the CI job uploads that folder): each one-box host's dockerd log, and each VM's serial
console log and dockerd journal. Taking the hosts down deletes all of them."""

from __future__ import annotations

import shutil
from pathlib import Path

from modules.ssh import RemoteError, TransientError, run
from tests.support.lab import Lab, inventory
from tests.support.paths import lab_dir, lab_name
from tools.lab import labs

JOURNAL = "journalctl -u docker -u containerd --no-pager -o short-precise -n 3000"


def folder(test: str) -> Path:
    return labs.STATE_ROOT / "failures" / lab_name() / test.replace("/", "_")


def keep(test: str) -> Path | None:
    """Copy the lab's logs; the folder, or None when the lab had none to keep."""
    kept = folder(test)
    for log in sorted(lab_dir().glob("hosts/*/dockerd.log")):
        kept.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, kept / f"{log.parent.name}-dockerd.log")
    running = Lab(hosts={}, inventory=inventory(), outputs={}, built_here=False)
    for entry in running.inventory:
        console = Path(entry.get("console_log") or "/nonexistent")
        if console.is_file():
            kept.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(console, kept / f"{entry['name']}-console.log")
        if entry.get("backend") == "vm":
            kept.mkdir(parents=True, exist_ok=True)
            (kept / f"{entry['name']}-journal.log").write_text(_journal(running, entry["name"]))
    return kept if kept.is_dir() else None


def _journal(running: Lab, name: str) -> str:
    try:
        return run(running.target(name), JOURNAL, check=False, timeout=60).stdout
    except (RemoteError, TransientError) as err:
        return f"(no journal: {err})\n"
