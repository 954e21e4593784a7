"""What the swarm does under the fault verbs, over many runs on the bench's own lab
(bench/lab.py), timed from the moment the verb returns:

- the worker cut off (`make partition NODE=worker`): until the manager lists it Down, and
  until an unpinned service's two tasks both run on the manager; after `make heal`, until
  the worker is Ready again;
- two of three managers cut off: until a write (`docker service create`) is refused for want
  of a leader; after `make heal`, until a write is accepted again (a leader elected).

    python -m bench.faults --runs 10 [--kind worker|managers]

Each run is one JSON line in .lab/bench/faults-<kind>.jsonl; the distributions (median and
range) of every kind recorded there go to their section of bench/results.md, so one kind can
be measured again without losing the other's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import lab
from bench.lab import NAME, fresh_hosts, pulumi, select_stack, sh
from bench.report import write_section
from modules.ssh.waiting import polls
from tools.lab import labs

ROAM = ("docker service create --detach --name roam --replicas 2 --network myoverlay "
        "swarmlab/busybox:lab httpd -f -p 80 -h /www")


def make(*args: str) -> None:
    sh(["make", "-s", "--no-print-directory", *args, f"LAB={NAME}"])


def on(host: str, command: str) -> subprocess.CompletedProcess[str]:
    return sh(["ssh", "-F", str(lab.lab_dir() / "ssh_config"), host, command], check=False)[1]


def until(what: str, check: Callable[[], bool], timeout: float = 180) -> float:
    """Seconds until `check` holds (modules.ssh.waiting's polls); the bench stops otherwise."""
    start = time.monotonic()
    for _ in polls(timeout):
        if check():
            return round(time.monotonic() - start, 1)
    sys.exit(f"bench: {what}: not within {timeout:.0f} s")


def status(node: str) -> str:
    rows = on("manager", "docker node ls --format '{{.Hostname}} {{.Status}}'").stdout.split("\n")
    return dict(r.split() for r in rows if r.strip()).get(node, "?")


def roam_nodes() -> list[str]:
    out = on("manager", "docker service ps roam --filter desired-state=running --format "
                        "'{{.Node}} {{.CurrentState}}'").stdout
    return sorted(line.split()[0] for line in out.splitlines() if " Running " in f" {line} ")


def worker_run() -> dict[str, float]:
    # Spread again first: a task on the worker is what has to move.
    on("manager", "docker service update --detach --force roam")
    until("roam on both hosts", lambda: roam_nodes() == ["manager", "worker"])
    make("partition", "NODE=worker")
    down = until("worker Down", lambda: status("worker") == "Down")
    moved = until("roam on the manager", lambda: roam_nodes() == ["manager", "manager"])
    make("heal")
    ready = until("worker Ready", lambda: status("worker") == "Ready")
    return {"down_s": down, "tasks_moved_s": round(down + moved, 1), "ready_after_heal_s": ready}


def write_answer(name: str) -> str:
    done = on("manager", f"docker service create --detach --name {name} swarmlab/busybox:lab "
                         "sleep 1d")
    on("manager", f"docker service rm {name}")
    return "ok" if done.returncode == 0 else done.stdout + done.stderr


def managers_run() -> dict[str, float]:
    make("partition", "NODE=manager2")
    make("partition", "NODE=manager3")
    lost = until("a write refused", lambda: "does not have a leader" in write_answer("w1"))
    make("heal")
    back = until("a write accepted", lambda: write_answer("w2") == "ok")
    return {"leader_lost_s": lost, "leader_back_after_heal_s": back}


KINDS: dict[str, tuple[str, int, Callable[[], dict[str, float]]]] = {
    "worker": ("the worker cut off (1 manager, 1 worker)", 1, worker_run),
    "managers": ("two of three managers cut off (3 managers, 1 worker)", 3, managers_run),
}


def spread(values: list[float]) -> str:
    ordered = sorted(values)
    return f"median {statistics.median(ordered):.1f} s ({ordered[0]:.1f} to {ordered[-1]:.1f})"


def record(kind: str) -> Path:
    return labs.STATE_ROOT / "bench" / f"faults-{kind}.jsonl"


def measure(kind: str, runs: int) -> None:
    _title, managers, run = KINDS[kind]
    out = record(kind)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    try:
        fresh_hosts(workers=1, managers=managers)
        select_stack()
        sh(pulumi("up", "--yes", "--skip-preview"))
        if kind == "worker":
            on("manager", ROAM)
        for i in range(runs):
            row = run()
            with out.open("a") as log:
                log.write(json.dumps({"run": i + 1, **row}) + "\n")
            print(f"{kind} {i + 1}/{runs}: {row}", flush=True)
    finally:
        lab.take_down()


def summary(kind: str) -> str | None:
    """One line of medians and ranges from the kind's recorded runs, if it has any."""
    path = record(kind)
    rows = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    if not rows:
        return None
    keys = [key for key in rows[0] if key != "run"]
    return f"**{KINDS[kind][0]}**, {len(rows)} runs: " + "; ".join(
        f"{key.removesuffix('_s').replace('_', ' ')} {spread([r[key] for r in rows])}"
        for key in keys)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--kind", choices=sorted(KINDS), action="append",
                        help="measure only this kind (repeatable; default: every kind)")
    args = parser.parse_args()
    for kind in args.kind or list(KINDS):
        measure(kind, args.runs)
    lines = [line for line in map(summary, KINDS) if line]
    write_section("Faults: what the swarm does (one-box hosts)", "\n\n".join([
        "`python -m bench.faults --runs 10` on the bench's own lab, one kind at a time, each "
        "time from the moment the verb returned. Leader lost: until `docker service create` on "
        "`manager` is refused for want of a leader; leader back: until one is accepted.",
        *lines]))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
