"""`make bench`: time the lab on the one-box hosts, against the raw docker CLI floor.

For the two-host lab, RUNS times over: hosts up, `pulumi up` (fresh hosts to every service
running), `make validate`, a no-op `pulumi up`, `pulumi refresh`, `pulumi destroy`, hosts down;
in the same session the same lab built by bench/raw-cli.sh, and the ratio of the two. Then,
RUNS times for each of 1, 2, 4 and 8 workers, `pulumi up` and the raw script (the floor grows
with the hosts too: every dockerd that joins sets up its own ingress and gateway bridge).
Every `pulumi up` runs with SWARMLAB_SSH_LOG, so the report also counts SSH connections and
commands. Prints medians and spreads, writes bench/results.md and bench/scaling.png.

Usage: python -m bench.run [--runs 3] [--workers 1,2,4,8] [--skip-scaling]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tools.stackfile import write_for_hosts_up

ROOT = Path(__file__).resolve().parents[1]
LAB = Path(os.environ.get("SWARMLAB_LAB_DIR", ROOT / ".lab"))
PY = str(ROOT / ".venv" / "bin" / "python")
BENCH_STACK = "bench"


def sh(cmd: list[str], **kw) -> float:
    """Run a command, fail loudly, return its wall time in seconds."""
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False, **kw)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n"
                 f"{proc.stderr[-3000:]}")
    return elapsed


def pulumi(*args: str) -> list[str]:
    return ["pulumi", "--cwd", str(ROOT), "--non-interactive", "--stack", BENCH_STACK, *args]


def hosts(*args: str) -> list[str]:
    return [PY, "-m", "hosts", *args, "--quiet"] if args[0] in ("up", "down") else [PY, "-m", "hosts", *args]


def write_stack() -> None:
    """The bench stack for the hosts that are up (the local stack's settings), selected."""
    write_for_hosts_up(BENCH_STACK)
    subprocess.run(["pulumi", "--cwd", str(ROOT), "--non-interactive", "stack", "select", "--create",
                    BENCH_STACK], cwd=ROOT, capture_output=True, check=True)


def fresh_hosts(workers: int) -> float:
    sh(hosts("down"))
    return sh(hosts("up", "--workers", str(workers)))


def ssh_counts(log: Path) -> tuple[int, int]:
    """(connections, commands) in an SSH log written by modules.remote."""
    events = [json.loads(line)["event"] for line in log.read_text().splitlines()] if log.exists() else []
    return events.count("connect"), events.count("command")


def timed_up(log: Path) -> float:
    """A `pulumi up` from fresh hosts to every service running, its SSH traffic logged."""
    log.unlink(missing_ok=True)
    return sh(pulumi("up", "--yes", "--skip-preview"), env=dict(os.environ, SWARMLAB_SSH_LOG=str(log)))


def pulumi_cycle() -> tuple[dict[str, float], tuple[int, int]]:
    t: dict[str, float] = {"hosts up": fresh_hosts(1)}
    write_stack()
    log = LAB / "bench-ssh.log"
    t["pulumi up"] = timed_up(log)
    counts = ssh_counts(log)
    t["make validate"] = sh(["make", "-s", "validate"], env=dict(os.environ, SWARMLAB_STACK=BENCH_STACK))
    t["no-op pulumi up"] = sh(pulumi("up", "--yes", "--skip-preview"))
    t["pulumi refresh"] = sh(pulumi("refresh", "--yes", "--skip-preview"))
    t["pulumi destroy"] = sh(pulumi("destroy", "--yes", "--skip-preview"))
    t["hosts down"] = sh(hosts("down"))
    return t, counts


def raw_cycle(workers: int = 1) -> float:
    fresh_hosts(workers)
    elapsed = sh(["bash", str(ROOT / "bench" / "raw-cli.sh")])
    sh(hosts("down"))
    return elapsed


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):6.1f} s  ({min(values):.1f}-{max(values):.1f})"


def scaling(worker_counts: list[int], runs: int) -> dict[int, dict[str, list[float]]]:
    """Per worker count: `pulumi up` and raw-script times over RUNS runs, and SSH commands."""
    result: dict[int, dict[str, list[float]]] = {}
    log = LAB / "bench-ssh.log"
    for n in worker_counts:
        result[n] = {"pulumi": [], "raw": [], "ssh commands": []}
        for _ in range(runs):
            result[n]["raw"].append(raw_cycle(n))
            fresh_hosts(n)
            write_stack()
            result[n]["pulumi"].append(timed_up(log))
            result[n]["ssh commands"].append(ssh_counts(log)[1])
            sh(pulumi("destroy", "--yes", "--skip-preview"))
        print(f"  {n} worker(s): pulumi up {spread(result[n]['pulumi']).strip()}, raw cli "
              f"{spread(result[n]['raw']).strip()}", flush=True)
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


def machine() -> str:
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
    return f"{os.cpu_count()} cores, {mem_kb / 1024 / 1024:.0f} GiB memory"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", default="1,2,4,8")
    ap.add_argument("--skip-scaling", action="store_true")
    args = ap.parse_args()

    runs: list[dict[str, float]] = []
    counts: list[tuple[int, int]] = []
    raws: list[float] = []
    try:
        for i in range(args.runs):
            raws.append(raw_cycle())
            cycle, count = pulumi_cycle()
            runs.append(cycle)
            counts.append(count)
            print(f"run {i + 1}/{args.runs}: raw cli {raws[-1]:.1f} s, pulumi up "
                  f"{runs[-1]['pulumi up']:.1f} s", flush=True)
        scale = {} if args.skip_scaling else scaling(
            [int(n) for n in args.workers.split(",")], args.runs)
    finally:
        subprocess.run(hosts("down"), cwd=ROOT, capture_output=True, check=False)
        subprocess.run(["pulumi", "--cwd", str(ROOT), "--non-interactive", "stack", "rm", "--yes",
                        "--force", BENCH_STACK], cwd=ROOT, capture_output=True, check=False)
        (ROOT / "stacks" / f"Pulumi.{BENCH_STACK}.yaml").unlink(missing_ok=True)

    ups = [r["pulumi up"] for r in runs]
    ratios = [u / r for u, r in zip(ups, raws, strict=True)]
    rows = [(step, spread([r[step] for r in runs])) for step in runs[0]]
    rows.insert(2, ("raw docker CLI script", spread(raws)))
    lines = [f"Machine: {machine()}; {args.runs} runs each; median (min-max).", "",
             "| step | time |", "| --- | --- |"]
    lines += [f"| {step} | {value.strip()} |" for step, value in rows]
    lines += ["", f"pulumi up / raw CLI: median {statistics.median(ratios):.2f}x "
              f"(per run: {', '.join(f'{r:.2f}' for r in ratios)})",
              f"SSH per pulumi up: {counts[0][0]} connections, {counts[0][1]} commands"]
    if scale:
        base = min(scale)
        up_base = statistics.median(scale[base]["pulumi"])
        raw_base = statistics.median(scale[base]["raw"])
        lines += ["", "| workers | pulumi up | vs 1 worker | raw CLI script | vs 1 worker "
                  "| SSH commands |", "| --- | --- | --- | --- | --- | --- |"]
        for n, r in sorted(scale.items()):
            up, raw = statistics.median(r["pulumi"]), statistics.median(r["raw"])
            lines.append(f"| {n} | {spread(r['pulumi']).strip()} | {up / up_base:.2f}x | "
                         f"{spread(r['raw']).strip()} | {raw / raw_base:.2f}x | "
                         f"{statistics.median(r['ssh commands']):.0f} |")
        plot(scale, ROOT / "bench" / "scaling.png")
        lines += ["", "![build time by workers](scaling.png)"]
    report = "\n".join(lines) + "\n"
    (ROOT / "bench" / "results.md").write_text("# make bench results\n\n" + report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
