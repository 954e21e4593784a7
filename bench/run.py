"""`make bench`: time the lab on the one-box hosts (the bench's own lab, bench/lab.py),
against the raw docker CLI floor.

For the two-host lab, RUNS times over: hosts up, `pulumi up` (fresh hosts to every service
running), `make validate`, a no-op `pulumi up`, `pulumi refresh`, `pulumi destroy`, hosts down;
in the same session the same lab built by bench/raw-cli.sh, and the ratio of the two. Then,
RUNS times for each of 1, 2, 4 and 8 workers, `pulumi up` and the raw script. Every `pulumi up`
runs with SWARMLAB_SSH_LOG, so the report also counts SSH connections and commands. Last, the
floors under the targets (bench/floors.py): Pulumi's own part with as many resources doing
nothing, and the CPU each `make validate` used. Prints medians and spreads, writes
bench/results.md and bench/workers.png.

Usage: python -m bench.run [--runs 3] [--workers 1,2,4,8] [--skip-scaling]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

from bench import floors, lab, phases
from bench.lab import ROOT, fresh_hosts, hosts, pulumi, sh
from bench.report import machine, spread, write_section


def ssh_log(log: Path) -> list[dict]:
    """The entries of an SSH log written by modules.ssh (none when there is no log)."""
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def ssh_counts(log: Path) -> tuple[int, int]:
    """(connections, commands) in an SSH log written by modules.ssh."""
    events = [e["event"] for e in ssh_log(log)]
    return events.count("connect"), events.count("command")


def timed_up(log: Path, profile: list[list[phases.Phase]] | None = None) -> float:
    """A `pulumi up` from fresh hosts to every service running, its SSH traffic logged; with
    `profile`, its phases appended to it (bench.phases)."""
    log.unlink(missing_ok=True)
    os.environ["SWARMLAB_SSH_LOG"] = str(log)
    lab.env.cache_clear()
    try:
        if profile is None:
            return sh(pulumi("up", "--yes", "--skip-preview"))[0]
        started, ended, events = phases.timed_up(
            pulumi("up", "--yes", "--skip-preview"), lab.env(), ROOT)
        profile.append(phases.phases(started, ended, events, ssh_log(log)))
        steps = phases.spans(events)
        CHAIN[:] = phases.critical_path(steps)
        CREATED[:] = [sum(1 for s in steps if s.op == "create")]
        return ended - started
    finally:
        del os.environ["SWARMLAB_SSH_LOG"]
        lab.env.cache_clear()


CHAIN: list[phases.Span] = []
"""The critical path of the last profiled `pulumi up`."""
CREATED: list[int] = []
"""How many resources the last profiled `pulumi up` created."""
VALIDATE_CPU: list[floors.CpuUse] = []
"""The CPU each `make validate` of the two-host lab used, its own and the lab's."""


def pulumi_cycle(profile: list[list[phases.Phase]]
                 ) -> tuple[dict[str, float], tuple[int, int]]:
    t: dict[str, float] = {"hosts up": fresh_hosts(1)}
    lab.select_stack()
    log = lab.lab_dir() / "bench-ssh.log"
    t["pulumi up"] = timed_up(log, profile)
    counts = ssh_counts(log)
    (t["make validate"], tests, summary), used = floors.cpu_of(lab.validate, lab.NAME)
    VALIDATE_CPU.append(used)
    lab.require_tests_ran(tests, summary)
    t["no-op pulumi up"] = sh(pulumi("up", "--yes", "--skip-preview"))[0]
    t["pulumi refresh"] = sh(pulumi("refresh", "--yes", "--skip-preview"))[0]
    t["pulumi destroy"] = sh(pulumi("destroy", "--yes", "--skip-preview"))[0]
    t["hosts down"] = sh(hosts("down"))[0]
    return t, counts


def raw_cycle(workers: int = 1) -> float:
    elapsed = lab.raw_cli(workers)
    sh(hosts("down"))
    return elapsed


def scaling(worker_counts: list[int], runs: int) -> dict[int, dict[str, list[float]]]:
    """Per worker count: `pulumi up` and raw-script times over RUNS runs, and SSH commands."""
    result: dict[int, dict[str, list[float]]] = {}
    log = lab.lab_dir() / "bench-ssh.log"
    for n in worker_counts:
        result[n] = {"pulumi": [], "raw": [], "ssh commands": []}
        for _ in range(runs):
            result[n]["raw"].append(raw_cycle(n))
            fresh_hosts(n)
            lab.select_stack()
            result[n]["pulumi"].append(timed_up(log))
            result[n]["ssh commands"].append(ssh_counts(log)[1])
            sh(pulumi("destroy", "--yes", "--skip-preview"))
        print(f"  {n} worker(s): pulumi up {spread(result[n]['pulumi'])}, raw cli "
              f"{spread(result[n]['raw'])}", flush=True)
    sh(hosts("down"))
    return result


def plot(result: dict[int, dict[str, list[float]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    xs = sorted(result)
    ax.plot(xs, [statistics.median(result[x]["pulumi"]) for x in xs], marker="o",
            label="pulumi up")
    ax.plot(xs, [statistics.median(result[x]["raw"]) for x in xs], marker="s", linestyle="--",
            label="raw docker CLI script")
    ax.legend()
    ax.set_xlabel("workers (plus 1 manager)")
    ax.set_ylabel("fresh hosts to running services, median (s)")
    ax.set_xticks(xs)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.set_title("swarmlab: build time by number of workers")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def report(runs: list[dict[str, float]], raws: list[float], counts: list[tuple[int, int]]
           ) -> str:
    ups = [r["pulumi up"] for r in runs]
    ratios = [u / r for u, r in zip(ups, raws, strict=True)]
    rows = [(step, spread([r[step] for r in runs])) for step in runs[0]]
    rows.insert(2, ("raw docker CLI script", spread(raws)))
    lines = [f"Machine: {machine()}; {len(runs)} runs each; median (min-max).", "",
             "| step | time |", "| --- | --- |"]
    lines += [f"| {step} | {value} |" for step, value in rows]
    connections = sorted({c[0] for c in counts})
    commands = sorted({c[1] for c in counts})
    lines += ["", f"pulumi up / raw CLI: median {statistics.median(ratios):.2f}x "
              f"(per run: {', '.join(f'{r:.2f}' for r in ratios)})",
              f"SSH per pulumi up, over the {len(counts)} runs: "
              f"{'-'.join(map(str, (connections[0], connections[-1])))} connections, "
              f"{'-'.join(map(str, (commands[0], commands[-1])))} commands"]
    return "\n".join(lines) + "\n"


def scaling_report(scale: dict[int, dict[str, list[float]]]) -> str:
    base = min(scale)
    up_base = statistics.median(scale[base]["pulumi"])
    raw_base = statistics.median(scale[base]["raw"])
    lines = [f"Machine: {machine()}; {len(scale[base]['pulumi'])} runs each; median (min-max).",
             "", "| workers | pulumi up | vs 1 worker | raw CLI script | vs 1 worker "
             "| SSH commands |", "| --- | --- | --- | --- | --- | --- |"]
    for n, r in sorted(scale.items()):
        up, raw = statistics.median(r["pulumi"]), statistics.median(r["raw"])
        lines.append(f"| {n} | {spread(r['pulumi'])} | {up / up_base:.2f}x | "
                     f"{spread(r['raw'])} | {raw / raw_base:.2f}x | "
                     f"{statistics.median(r['ssh commands']):.0f} |")
    lines += ["", "![build time by workers](workers.png)"]
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", default="1,2,4,8")
    ap.add_argument("--skip-scaling", action="store_true")
    args = ap.parse_args()

    runs: list[dict[str, float]] = []
    counts: list[tuple[int, int]] = []
    raws: list[float] = []
    profile: list[list[phases.Phase]] = []
    try:
        for i in range(args.runs):
            raws.append(raw_cycle())
            cycle, count = pulumi_cycle(profile)
            runs.append(cycle)
            counts.append(count)
            print(f"run {i + 1}/{args.runs}: raw cli {raws[-1]:.1f} s, pulumi up "
                  f"{runs[-1]['pulumi up']:.1f} s", flush=True)
        scale = {} if args.skip_scaling else scaling(
            [int(n) for n in args.workers.split(",")], args.runs)
    finally:
        lab.take_down()
    text = report(runs, raws, counts)
    write_section("make bench: the two-host lab (one-box hosts)", text)
    print(text)
    # Written only when measured: `--skip-scaling` keeps the last table and picture.
    if scale:
        plot(scale, ROOT / "bench" / "workers.png")
        text = scaling_report(scale)
        write_section("make bench: 1-8 workers (one-box hosts)", text)
        print(text)
    where = phases.table(profile, CHAIN, [c[1] for c in counts])
    write_section("make bench: where one `pulumi up` of the two-host lab spends its time",
                  f"{len(profile)} runs, medians (min-max). Kinds of resources overlap where "
                  "Pulumi creates them in parallel; an SSH command counts in each phase it "
                  f"began in.\n\n{where}")
    print(where)
    print("the floors: Pulumi with resources that do nothing ...", flush=True)
    floor = floors.pulumi_floor(CREATED[0], args.runs)
    text = floors.report(floor, raws, [r["pulumi up"] for r in runs],
                         [r["no-op pulumi up"] for r in runs], VALIDATE_CPU)
    write_section("make bench: the floors under its targets", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
