"""The floors under `make bench`'s targets: what no change in this project can take away.

- Pulumi's own part. A throwaway project with the lab's toolchain (the CLI, its engine, the
  project's language host and dynamic-provider host, `refresh: always`) declares as many
  dynamic resources as the lab's `pulumi up` created, each doing nothing. Its fresh `up`
  spends some time before its first create (the CLI and engine start, the language host, the
  Python program) and some after its last resource (outputs, the state's last write): no
  lab's work overlaps those, so `pulumi up` takes at least them plus the lab's own docker
  work, which the raw CLI script does in the least time a person typing it could. Its
  no-op `up` (a refresh and an update of resources that read nothing) is the least that any
  no-op `up` of a lab this size takes, before one host is asked anything.
- `make validate`'s CPU: its own processes (make, Python, pytest, ssh) and those in the lab's
  network namespaces (dockerd, containerd, the shims and runc of each `docker exec`). On a
  machine of N cores it cannot take less wall time than that CPU time over N.

Usage: python -m bench.floors [--resources 34] [--runs 3]   (the Pulumi part; no lab needed)
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bench import lab, phases
from bench.lab import ROOT
from bench.report import spread
from bench.sizing import PROC, namespaces
from hosts.onebox.network import NETNS_DIR

T = TypeVar("T")

PROJECT = """\
name: swarmlab-floor
runtime:
  name: python
  options:
    virtualenv: {venv}
main: .
options:
  refresh: always
"""

PROGRAM = """\
from pulumi.dynamic import CreateResult, ReadResult, Resource, ResourceProvider


class Nothing(ResourceProvider):
    def create(self, props):
        return CreateResult("nothing", props)

    def read(self, id_, props):
        return ReadResult(id_, props)


class Idle(Resource):
    def __init__(self, name):
        super().__init__(Nothing(), name, {{}})


for i in range({count}):
    Idle(f"idle{{i}}")
"""


@dataclass(frozen=True)
class PulumiFloor:
    resources: int
    before_first: list[float]
    """A fresh `up`: from the command's start to its first resource's create."""
    after_last: list[float]
    """From the last resource's outputs to the command's exit."""
    fresh: list[float]
    noop: list[float]


def pulumi_floor(resources: int, runs: int) -> PulumiFloor:
    """Time `runs` fresh and no-op `up`s of `resources` resources that do nothing."""
    work = Path(tempfile.mkdtemp(prefix="swarmlab-floor-"))
    try:
        (work / "Pulumi.yaml").write_text(PROJECT.format(venv=ROOT / ".venv"))
        (work / "__main__.py").write_text(PROGRAM.format(count=resources))
        (work / "passphrase").write_text("floor\n")
        (work / "state").mkdir()
        env = {k: v for k, v in lab.env().items() if k != "PULUMI_STACK"}
        env.update(PULUMI_BACKEND_URL=f"file://{work / 'state'}",
                   PULUMI_HOME=str(work / "home"),
                   PULUMI_CONFIG_PASSPHRASE_FILE=str(work / "passphrase"))

        def pulumi(*args: str) -> list[str]:
            return ["pulumi", "--cwd", str(work), "--non-interactive", *args]

        def run(cmd: list[str]) -> None:
            done = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True,
                                  check=False)
            if done.returncode != 0:
                sys.exit(f"bench: {' '.join(cmd)} failed ({done.returncode}):\n"
                         f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}")

        run(pulumi("stack", "init", "floor"))  # selects it for what follows
        found = PulumiFloor(resources, [], [], [], [])
        for _ in range(runs):
            run(pulumi("destroy", "--yes", "--skip-preview"))
            started, ended, events = phases.timed_up(
                pulumi("up", "--yes", "--skip-preview"), env, work)
            steps = [s for s in phases.spans(events) if s.op == "create"]
            if len(steps) != resources:
                sys.exit(f"bench: the floor's `up` created {len(steps)} of {resources} "
                         "resources")
            found.before_first.append(min(s.start for s in steps) - started)
            found.after_last.append(ended - max(s.end for s in steps))
            found.fresh.append(ended - started)
            started, ended, _ = phases.timed_up(pulumi("up", "--yes", "--skip-preview"), env,
                                                work)
            found.noop.append(ended - started)
        return found
    finally:
        shutil.rmtree(work, ignore_errors=True)


def namespace_cpu(tag: str, proc: Path = PROC, netns_dir: Path = NETNS_DIR) -> float:
    """CPU seconds of every process in the lab's network namespaces, with their reaped
    children's (each `docker exec`'s runc, each SSH command's docker CLI)."""
    inodes = set(namespaces(tag, netns_dir))
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "ns" / "net").stat().st_ino not in inodes:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        # utime, stime, cutime, cstime: fields 14-17 of stat, 11-14 after the command name.
        total += sum(int(f) for f in fields[11:15])
    return total / ticks


@dataclass(frozen=True)
class CpuUse:
    wall: float
    own: float
    """This process's children: everything the command started, as they are reaped."""
    lab: float

    @property
    def floor(self) -> float:
        """The least wall time this much CPU takes on this machine's cores."""
        return (self.own + self.lab) / (os.cpu_count() or 1)


def cpu_of(action: Callable[[], T], tag: str) -> tuple[T, CpuUse]:
    """Run `action` (which runs commands as this process's children), and the CPU it and
    the lab's namespaces spent meanwhile."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    lab_before = namespace_cpu(tag)
    started = os.times().elapsed
    value = action()
    wall = os.times().elapsed - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return value, CpuUse(wall, own, namespace_cpu(tag) - lab_before)


def report(floor: PulumiFloor, raws: list[float], ups: list[float], noops: list[float],
           validates: list[CpuUse]) -> str:
    """The three targets of `make bench` beside what this machine and Pulumi leave room for."""
    raw = statistics.median(raws)
    fixed = statistics.median(floor.before_first) + statistics.median(floor.after_last)
    cpu = [v.floor for v in validates]
    lines = [
        f"Pulumi's part: a throwaway project with the lab's toolchain and {floor.resources} "
        "dynamic resources that do nothing (as many as the lab's `up` creates), "
        f"{len(floor.fresh)} runs: a fresh `up` {spread(floor.fresh, 2)}, of which "
        f"{spread(floor.before_first, 2)} before its first create and "
        f"{spread(floor.after_last, 2)} after its last resource; a no-op `up` "
        f"{spread(floor.noop, 2)}.",
        "",
        "| target | asked | this bench (median) | floor | what sets the floor |",
        "| --- | --- | --- | --- | --- |",
        f"| `pulumi up` / raw CLI script | at most 1.2x | {statistics.median(ups) / raw:.2f}x "
        f"| {(raw + fixed) / raw:.2f}x | the raw script's {raw:.2f} s plus Pulumi's "
        f"{fixed:.2f} s before the first create and after the last resource |",
        f"| no-op `pulumi up` | at most 2 s | {statistics.median(noops):.2f} s | "
        f"{statistics.median(floor.noop):.2f} s | a no-op `up` of {floor.resources} "
        "resources that read nothing (no host asked, no gate) |",
        f"| `make validate` | at most 3 s | {statistics.median([v.wall for v in validates]):.2f}"
        f" s | {statistics.median(cpu):.2f} s | its CPU over {os.cpu_count()} cores: own "
        f"{statistics.median([v.own for v in validates]):.2f} s, the lab's namespaces "
        f"{statistics.median([v.lab for v in validates]):.2f} s |",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=34)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if not 1 <= args.resources <= 500 or not 1 <= args.runs <= 20:
        ap.error("--resources takes 1 to 500, --runs 1 to 20")
    found = pulumi_floor(args.resources, args.runs)
    print(f"{found.resources} resources that do nothing, {args.runs} runs: fresh up "
          f"{spread(found.fresh, 2)} (before the first create {spread(found.before_first, 2)}, "
          f"after the last resource {spread(found.after_last, 2)}); no-op up "
          f"{spread(found.noop, 2)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
