"""Loops for flakes: build the bench's lab (bench/lab.py) again and again, and prove it right
after each `pulumi up` returns with the held-out suite (`make validate`, not the readiness
gate's own checks).

    python -m bench.loops fresh  --runs 20   # fresh hosts, then a plain `pulumi up`
    python -m bench.loops rejoin --runs 10   # the worker leaves, then a plain `pulumi up`

Each run is one JSON line in .lab/bench/loops-<kind>.jsonl: how long `pulumi up` took, what
`make validate` reported, and how many "Bulk sync ... timed out" lines dockerd wrote during
the `up`. Ends with the distribution, written to its section of bench/results.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys

from bench import lab
from bench.lab import fresh_hosts, pulumi, sh
from bench.report import write_section
from tools.lab import labs

TITLES = {"fresh": "Loop: fresh hosts, then a plain `pulumi up`",
          "rejoin": "Loop: the worker leaves the swarm, then a plain `pulumi up`"}


def stalls() -> int:
    """"Bulk sync ... timed out" lines in every host's dockerd log so far."""
    return sum(log.read_text(errors="replace").count("Bulk sync to node")
               for log in lab.lab_dir().glob("hosts/*/dockerd.log"))


def up_then_validate() -> dict[str, object]:
    before = stalls()
    seconds, _ = sh(pulumi("up", "--yes", "--skip-preview"))
    timeouts = stalls() - before
    validate_s, counts, summary = lab.validate()
    ok = bool(counts.get("passed")) and not counts.get("failed") and not counts.get("error")
    return {"up_s": round(seconds, 1), "bulk_sync_timeouts": timeouts,
            "validate_s": round(validate_s, 1), "validate_ok": ok, **counts,
            "validate_summary": summary}


def fresh() -> dict[str, object]:
    fresh_hosts()
    return up_then_validate()


def rejoin() -> dict[str, object]:
    sh(["ssh", "-F", str(lab.lab_dir() / "ssh_config"), "worker", "docker", "swarm", "leave",
        "--force"])
    return up_then_validate()


def distribution(rows: list[dict[str, object]]) -> str:
    ups = sorted(float(r["up_s"]) for r in rows)  # type: ignore[arg-type]
    ok = sum(1 for r in rows if r["validate_ok"])
    timeouts = sum(int(r["bulk_sync_timeouts"]) for r in rows)  # type: ignore[call-overload]
    over = sum(1 for u in ups if u > 25)
    return (f"{len(rows)} runs: `pulumi up` median {statistics.median(ups):.1f} s (min "
            f"{ups[0]:.1f}, max {ups[-1]:.1f}; over 25 s: {over}); every run: "
            f"{', '.join(f'{u:.1f}' for u in ups)} s.\n\n`make validate` right after `up` "
            f"passed in {ok}/{len(rows)}; dockerd's 'Bulk sync ... timed out': {timeouts}.")


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
    try:
        fresh_hosts()  # the stack takes its LAN from the hosts: they come first
        lab.select_stack()
        if args.kind == "rejoin":
            sh(pulumi("up", "--yes", "--skip-preview"))
        for i in range(args.runs):
            row = {"run": i + 1, **step()}
            rows.append(row)
            with out.open("a") as log:
                log.write(json.dumps(row) + "\n")
            print(f"{args.kind} {i + 1}/{args.runs}: up {row['up_s']} s, validate "
                  f"{row['validate_summary']}, bulk sync timeouts {row['bulk_sync_timeouts']}",
                  flush=True)
    finally:
        lab.take_down()
    text = distribution(rows)
    write_section(TITLES[args.kind], text)
    print(text)
    return 0 if all(r["validate_ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
