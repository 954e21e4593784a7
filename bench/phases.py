"""Where one `pulumi up`'s time goes, phase by phase.

`pulumi up --json` streams its engine events, one JSON object a line, which this module
stamps with the wall clock as they come: the events' own timestamps are whole seconds. The
SSH log (SWARMLAB_SSH_LOG, wall-clock starts, modules.ssh.session) gives each phase its SSH
commands. The phases:

- start: the CLI, the engine and the language host, until the update's first event;
- refresh: every `up` refreshes first (Pulumi.yaml: refresh: always);
- program: from the refresh's end to the first resource the program declares (the Python
  program starting and building its spec);
- preflight, and each kind of resource (its component: swarm, networks, services, demos):
  from the first one's start to the last one's end, with the sum of their own times;
- readiness gate;
- finish: from the last resource to the process's exit (outputs, the state's last write).
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Span:
    name: str
    kind: str
    op: str
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Phase:
    name: str
    start: float
    end: float
    busy: float
    """The sum of its resources' own times (more than end - start when they overlap)."""
    ssh_commands: int

    @property
    def seconds(self) -> float:
        return max(0.0, self.end - self.start)


def kind_of(urn: str) -> tuple[str, str]:
    """(kind, name) of a resource URN: the kind is its component's (swarmlab:swarm:Swarm ->
    swarm) or, for a resource of its own, its name (preflight)."""
    qualified, name = urn.split("::")[-2:]
    types = qualified.split("$")
    if len(types) > 1 and types[0].startswith("swarmlab:"):
        return types[0].split(":")[1], name
    return name, name


def spans(events: Sequence[tuple[float, dict[str, Any]]]) -> list[Span]:
    """The custom resources' steps: from their pre event to their outputs event."""
    started: dict[str, tuple[float, str]] = {}
    found: list[Span] = []
    for at, event in events:
        for key in ("resourcePreEvent", "resOutputsEvent"):
            meta = (event.get(key) or {}).get("metadata")
            if not meta or meta.get("type", "").startswith(("pulumi:", "swarmlab:")):
                continue
            urn = meta["urn"]
            if key == "resourcePreEvent":
                started[urn] = (at, meta.get("op", ""))
            elif urn in started:
                begin, op = started.pop(urn)
                kind, name = kind_of(urn)
                found.append(Span(name, kind, op, begin, at))
    return found


def _ssh_between(ssh: Sequence[dict[str, Any]], start: float, end: float) -> int:
    return sum(1 for e in ssh if e.get("event") == "command" and start <= e["start"] < end)


def phases(started: float, ended: float, events: Sequence[tuple[float, dict[str, Any]]],
           ssh: Sequence[dict[str, Any]]) -> list[Phase]:
    """The phases of one `up` that began at `started` and exited at `ended` (wall clock)."""
    steps = spans(events)
    refresh = [s for s in steps if s.op == "refresh"]
    work = [s for s in steps if s.op != "refresh"]
    first = min((at for at, _ in events), default=ended)
    out: list[Phase] = []

    def add(name: str, start: float, end: float, busy: float) -> None:
        out.append(Phase(name, start, end, busy, _ssh_between(ssh, start, end)))

    add("start (CLI, engine, language host)", started, first, 0.0)
    cursor = first
    if refresh:
        end = max(s.end for s in refresh)
        add("refresh", cursor, end, sum(s.seconds for s in refresh))
        cursor = end
    if work:
        add("program (Python start, spec)", cursor, min(s.start for s in work), 0.0)
    order = sorted({s.kind for s in work}, key=lambda k: min(s.start for s in work if s.kind == k))
    for kind in order:
        mine = [s for s in work if s.kind == kind]
        add(f"{kind} ({len(mine)})", min(s.start for s in mine), max(s.end for s in mine),
            sum(s.seconds for s in mine))
    last = max((s.end for s in steps), default=cursor)
    add("finish (outputs, state)", last, ended, 0.0)
    return out


def critical_path(steps: Sequence[Span], slack: float = 0.05) -> list[Span]:
    """The chain back from the last step to end: each step's predecessor is the step that
    ended last before it began (the events carry no dependencies; in this program a
    resource starts as soon as what it waits on has ended, so that step is the one)."""
    work = sorted((s for s in steps if s.op != "refresh"), key=lambda s: s.end)
    if not work:
        return []
    chain = [work[-1]]
    while True:
        # Strictly earlier starts only: two short steps that touch must not pick each other.
        before = [s for s in work if s.end <= chain[-1].start + slack
                  and s.start < chain[-1].start]
        if not before:
            return chain[::-1]
        chain.append(max(before, key=lambda s: s.end))


def timed_up(command: Sequence[str], env: dict[str, str], cwd: Path
             ) -> tuple[float, float, list[tuple[float, dict[str, Any]]]]:
    """Run `pulumi up` (`command`) with `--json`, which streams its engine events one JSON
    object a line, each stamped here as it is read: (wall start, wall end, events)."""
    events: list[tuple[float, dict[str, Any]]] = []
    started = time.time()
    with subprocess.Popen([*command, "--json"], cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        out, err = proc.stdout, proc.stderr
        assert out is not None and err is not None
        errors: list[str] = []
        drain = threading.Thread(target=lambda: errors.extend(err), daemon=True)
        drain.start()
        for line in out:
            if line.startswith("{"):
                events.append((time.time(), json.loads(line)))
                said = events[-1][1].get("diagnosticEvent") or {}
                if said.get("severity") == "error":
                    errors.append(str(said.get("message", "")))
        proc.wait()
        drain.join(timeout=10)
    ended = time.time()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}):\n"
                           + "".join(errors)[-2000:])
    return started, ended, events


def table(rows: Sequence[Sequence[Phase]], chain: Sequence[Span], ssh_totals: Sequence[int]
          ) -> str:
    """Phases over several runs: the median of each, and one run's critical path."""
    import statistics

    names = list(dict.fromkeys(p.name for r in rows for p in r))  # in order, from every run
    lines = ["| phase | time | resources' own time | SSH commands |", "| --- | --- | --- | --- |"]
    for name in names:
        found = [p for r in rows for p in r if p.name == name]
        secs = [p.seconds for p in found]
        busy = [p.busy for p in found]
        ssh = [p.ssh_commands for p in found]
        lines.append(f"| {name} | {statistics.median(secs):.2f} s ({min(secs):.2f}-"
                     f"{max(secs):.2f}) | {statistics.median(busy):.2f} s | "
                     f"{statistics.median(ssh):.0f} |")
    total = [r[-1].end - r[0].start for r in rows]
    # Each command once (a phase's count includes those of phases it overlaps).
    lines.append(f"| **all of `pulumi up`** | {statistics.median(total):.2f} s | | "
                 f"{statistics.median(ssh_totals):.0f} |")
    if chain:
        lines += ["", "Critical path of the last run (each step begins as the one before it "
                  "ends): " + " → ".join(f"{s.name} {s.seconds:.2f} s" for s in chain)]
    return "\n".join(lines)
