"""Loops for flakes: build the lab again and again, and prove it right after each `pulumi up`
returns with the held-out suite (`make validate`, not the readiness gate's own checks).

    python -m bench.loops fresh  --runs 20   # fresh hosts, then a plain `pulumi up`
    python -m bench.loops rejoin --runs 10   # the worker leaves, then a plain `pulumi up`

Each run is one JSON line in .lab/bench/loops-<kind>.jsonl: how long `pulumi up` took, what
`make validate` reported, and how many "Bulk sync ... timed out" lines dockerd wrote during
the `up`. Ends with the distribution, as bench/results.md shows it.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time

from tools.lab import labs

ROOT = labs.ROOT
PY = str(ROOT / ".venv" / "bin" / "python")


def sh(cmd: list[str], check: bool = True) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        sys.exit(f"loops: {' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n"
                 f"{proc.stderr[-3000:]}")
    return time.monotonic() - start, proc


def stalls() -> int:
    """"Bulk sync ... timed out" lines in every host's dockerd log so far."""
    return sum(log.read_text(errors="replace").count("Bulk sync to node")
               for log in labs.lab_dir().glob("hosts/*/dockerd.log"))


def validate() -> dict[str, object]:
    seconds, proc = sh(["make", "-s", "validate"], check=False)
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-300:]
    counts = {k: int(v) for v, k in re.findall(r"(\d+) (passed|failed|skipped|error)", summary)}
    return {"validate_s": round(seconds, 1), "validate_ok": proc.returncode == 0, **counts,
            "validate_summary": summary}


def fresh() -> dict[str, object]:
    sh([PY, "-m", "hosts", "down", "--quiet"])
    sh([PY, "-m", "hosts", "up", "--quiet"])
    before = stalls()
    seconds, _ = sh(["make", "-s", "up"])
    return {"up_s": round(seconds, 1), "bulk_sync_timeouts": stalls() - before, **validate()}


def rejoin() -> dict[str, object]:
    sh(["ssh", "-F", str(labs.lab_dir() / "ssh_config"), "worker", "docker", "swarm", "leave",
        "--force"])
    before = stalls()
    seconds, _ = sh(["make", "-s", "up"])
    return {"up_s": round(seconds, 1), "bulk_sync_timeouts": stalls() - before, **validate()}


def distribution(rows: list[dict[str, object]]) -> str:
    ups = [float(r["up_s"]) for r in rows]  # type: ignore[arg-type]
    ok = sum(1 for r in rows if r["validate_ok"])
    timeouts = sum(int(r["bulk_sync_timeouts"]) for r in rows)  # type: ignore[call-overload]
    over = sum(1 for u in ups if u > 25)
    return (f"{len(rows)} runs: pulumi up median {statistics.median(ups):.1f} s (min "
            f"{min(ups):.1f}, max {max(ups):.1f}; over 25 s: {over}); make validate passed right "
            f"after up in {ok}/{len(rows)}; dockerd 'Bulk sync timed out': {timeouts}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("fresh", "rejoin"))
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    out = labs.STATE_ROOT / "bench" / f"loops-{args.kind}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    rows = []
    step = fresh if args.kind == "fresh" else rejoin
    if args.kind == "rejoin":
        sh(["make", "-s", "up"])
    for i in range(args.runs):
        row = {"run": i + 1, **step()}
        rows.append(row)
        with out.open("a") as log:
            log.write(json.dumps(row) + "\n")
        print(f"{args.kind} {i + 1}/{args.runs}: up {row['up_s']} s, validate "
              f"{row['validate_summary']}, bulk sync timeouts {row['bulk_sync_timeouts']}",
              flush=True)
    print(distribution(rows))
    return 0 if all(r["validate_ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
