"""`make bench-scale`: what a lab costs by its size, on one-box hosts (the bench's own lab,
bench/lab.py), with the raw docker CLI script beside it.

Two series: 2, 4, 8, 16 and 32 nodes with one manager; 8 nodes with 1, 3 and 5 managers (the
point they share is measured once). At each point, RUNS times: the raw CLI script on fresh
hosts (bench/raw-cli.sh); then on fresh hosts `pulumi up`, `make validate` (which must pass)
and `pulumi destroy`. Writes the table into bench/results.md and the picture into
bench/scaling.png.

Usage: python -m bench.scale [--runs 1] [--nodes 2,4,8,16,32] [--managers 1,3,5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench import lab
from bench.lab import ROOT, fresh_hosts, pulumi, sh
from bench.report import machine, spread, write_section

MANAGERS_AT = 8
"""The size of the lab the managers series is measured at."""
STEPS = ("pulumi up", "raw CLI script", "make validate", "pulumi destroy")


@dataclass(frozen=True)
class Point:
    managers: int
    workers: int

    @property
    def nodes(self) -> int:
        return self.managers + self.workers


@dataclass
class Measured:
    times: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})

    def median(self, step: str) -> float:
        return statistics.median(self.times[step])

    def spread(self, step: str) -> str:
        return spread(self.times[step])


def points(nodes: list[int], managers: list[int]) -> tuple[list[Point], list[Point]]:
    """(the nodes series with one manager, the managers series at MANAGERS_AT nodes)."""
    return ([Point(1, n - 1) for n in nodes],
            [Point(m, MANAGERS_AT - m) for m in managers])


def measure_once(point: Point, into: Measured) -> None:
    into.times["raw CLI script"].append(lab.raw_cli(point.workers, point.managers))
    fresh_hosts(point.workers, point.managers)
    lab.select_stack()
    into.times["pulumi up"].append(sh(pulumi("up", "--yes", "--skip-preview"))[0])
    seconds, counts, summary = lab.validate()
    lab.require_tests_ran(counts, summary)
    into.times["make validate"].append(seconds)
    into.times["pulumi destroy"].append(sh(pulumi("destroy", "--yes", "--skip-preview"))[0])


def report(series: tuple[list[Point], list[Point]], found: dict[Point, Measured],
           runs: int) -> str:
    by_nodes, by_managers = series
    lines = [f"Machine: {machine()}; {runs} run(s) a point"
             f"{'; median (min-max)' if runs > 1 else ''}. Each point on fresh one-box hosts.",
             "", "| nodes | managers | pulumi up | raw CLI script | up / raw | make validate | "
             "pulumi destroy |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for p in [*by_nodes, *(p for p in by_managers if p not in by_nodes)]:
        m = found[p]
        lines.append(f"| {p.nodes} | {p.managers} | {m.spread('pulumi up')} | "
                     f"{m.spread('raw CLI script')} | "
                     f"{m.median('pulumi up') / m.median('raw CLI script'):.2f}x | "
                     f"{m.spread('make validate')} | {m.spread('pulumi destroy')} |")
    lines += ["", "![cost by nodes and managers](scaling.png)"]
    return "\n".join(lines) + "\n"


def plot(series: tuple[list[Point], list[Point]], found: dict[Point, Measured],
         path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_nodes, by_managers = series
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    styles = {"pulumi up": "o-", "raw CLI script": "s--", "make validate": "^-",
              "pulumi destroy": "v:"}
    for ax, pts, xs, label in (
            (left, by_nodes, [p.nodes for p in by_nodes], "nodes (1 manager)"),
            (right, by_managers, [p.managers for p in by_managers],
             f"managers (of {MANAGERS_AT} nodes)")):
        for step, style in styles.items():
            ax.plot(xs, [found[p].median(step) for p in pts], style, label=step)
        ax.set_xlabel(label)
        ax.set_xticks(xs)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    left.set_xscale("log", base=2)
    left.set_xticks([p.nodes for p in by_nodes], [str(p.nodes) for p in by_nodes])
    left.set_ylabel("seconds (median)")
    right.legend()
    fig.suptitle("swarmlab on one-box hosts: each step by the lab's size")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def counts(text: str, low: int, high: int, what: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        sys.exit(f"bench.scale: {what} takes whole numbers separated by commas, "
                 f"from {low} to {high}; got {text!r}")
    if not values or any(not low <= v <= high for v in values):
        sys.exit(f"bench.scale: {what} takes whole numbers from {low} to {high}; got {text!r}")
    return sorted(set(values))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--nodes", default="2,4,8,16,32")
    ap.add_argument("--managers", default="1,3,5")
    args = ap.parse_args()
    if not 1 <= args.runs <= 20:
        ap.error("--runs takes 1 to 20")
    series = points(counts(args.nodes, 2, 32, "--nodes"),
                    counts(args.managers, 1, MANAGERS_AT - 1, "--managers"))
    found: dict[Point, Measured] = {}
    try:
        for p in dict.fromkeys([*series[0], *series[1]]):
            found[p] = Measured()
            for run in range(args.runs):
                print(f"{p.nodes} nodes, {p.managers} manager(s), run {run + 1}/{args.runs} ...",
                      flush=True)
                measure_once(p, found[p])
            m = found[p]
            print("  " + ", ".join(f"{s} {m.spread(s)}" for s in STEPS), flush=True)
    finally:
        lab.take_down()
    plot(series, found, ROOT / "bench" / "scaling.png")
    text = report(series, found, args.runs)
    write_section("make bench-scale: each step by the lab's size (one-box hosts)", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
