"""`python -m hosts up|down|status|doctor`."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from hosts import doctor, status, teardown, topology
from hosts.paths import LabPaths
from hosts.report import PREFIX, Reporter, StepError
from hosts.up import up


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m hosts",
        description="The one-box lab hosts: network namespaces with dockerd and sshd. "
        "State lives in <repo>/.lab (or $SWARMLAB_LAB_DIR).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up", help="create the hosts (or repair them); no-op when healthy")
    p_up.add_argument("--managers", type=int, help="manager hosts (default 1, $SWARMLAB_MANAGERS)")
    p_up.add_argument("--workers", type=int, help="worker hosts (default 1, $SWARMLAB_WORKERS)")
    p_up.add_argument("--quiet", action="store_true", help="print errors only")
    p_down = sub.add_parser("down", help="remove everything up made (guard routes stay)")
    p_down.add_argument("--quiet", action="store_true", help="print errors only")
    p_status = sub.add_parser("status", help="hosts, daemons and swarm state")
    p_status.add_argument("--json", action="store_true", help="machine-readable output")
    p_doctor = sub.add_parser("doctor", help="kernel features and ports each host needs")
    p_doctor.add_argument("--json", action="store_true", help="machine-readable output")
    p_doctor.add_argument("hosts", nargs="*", help="hosts to check (default: all)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    lab = LabPaths.default()
    try:
        if args.command in ("up", "down", "doctor") and os.geteuid() != 0:
            raise StepError(args.command, "must run as root (namespaces, routes, daemons)")
        if args.command == "up":
            managers, workers = topology.counts_from_env(args.managers, args.workers)
            hosts = topology.plan(managers, workers)
            start = time.monotonic()
            up(lab, hosts, Reporter(quiet=args.quiet))
            Reporter(quiet=args.quiet).say(f"up took {time.monotonic() - start:.1f}s")
            return 0
        if args.command == "down":
            start = time.monotonic()
            teardown.down(lab, Reporter(quiet=args.quiet))
            Reporter(quiet=args.quiet).say(f"down took {time.monotonic() - start:.1f}s")
            return 0
        if args.command == "status":
            entries = status.collect(lab)
            print(json.dumps(entries, indent=2) if args.json else status.render(entries))
            return 0 if entries and all(e["up"] for e in entries) else 1
        if args.command == "doctor":
            results = doctor.check_all(lab, args.hosts or None)
            print(json.dumps(results, indent=2) if args.json else doctor.render(results))
            if len(results) == 1 and not args.json:
                print(f"{PREFIX} no hosts: run `python -m hosts up` first", file=sys.stderr)
            return 0 if len(results) > 1 and all(r["ok"] for r in results) else 1
    except StepError as err:
        print(f"{PREFIX} FAILED: {err}", file=sys.stderr)
        return 1
    except ValueError as err:
        print(f"{PREFIX} {err}", file=sys.stderr)
        return 2
    return 2
