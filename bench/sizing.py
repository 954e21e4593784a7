"""How much memory a one-box host takes: every process in its network namespace (its
containerd, dockerd, sshd, the containers' shims; not the containers' own processes, which
live in namespaces of their own), by proportional set size (PSS: a page
shared by N processes counts 1/N to each, so the hosts' sum is what the lab costs, where RSS
would count the shared binaries once per process).

Usage: python -m bench.sizing [--lab NAME]   (a lab that is up on one-box hosts)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from hosts import topology
from hosts.onebox.network import NETNS_DIR

PROC = Path("/proc")


def kib(status_text: str, field: str) -> int:
    """A `Field:   1234 kB` line's number (0 when the field is absent)."""
    for line in status_text.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def namespaces(tag: str, netns_dir: Path = NETNS_DIR) -> dict[int, str]:
    """Network namespace inode -> host name, for the lab whose names begin with `tag-`."""
    return {(netns_dir / name).stat().st_ino: name.removeprefix(f"{tag}-")
            for name in sorted(os.listdir(netns_dir)) if name.startswith(f"{tag}-")}


def processes(proc: Path = PROC) -> Iterable[tuple[int, str, int, int]]:
    """(netns inode, command name, PSS KiB, RSS KiB) of every process that can be read."""
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            inode = (entry / "ns" / "net").stat().st_ino
            comm = (entry / "comm").read_text().strip()
            pss = kib((entry / "smaps_rollup").read_text(), "Pss")
            rss = kib((entry / "status").read_text(), "VmRSS")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        yield inode, comm, pss, rss


def by_host(hosts: dict[int, str], procs: Iterable[tuple[int, str, int, int]]
            ) -> dict[str, dict[str, int]]:
    """Host -> command name -> PSS KiB, summed over its processes."""
    found: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for inode, comm, pss, _ in procs:
        if inode in hosts:
            found[hosts[inode]][comm] += pss
    return {h: dict(v) for h, v in found.items()}


def mem_total_kib(meminfo: str) -> int:
    return kib(meminfo, "MemTotal")


def report(usage: dict[str, dict[str, int]], total_kib: int) -> str:
    per_host = [sum(v.values()) / 1024 for v in usage.values()]
    if not per_host:
        return "no one-box host of that lab is up"
    median = statistics.median(per_host)
    names = sorted({c for v in usage.values() for c in v},
                   key=lambda c: -sum(v.get(c, 0) for v in usage.values()))
    lines = [f"{len(per_host)} hosts: {median:.0f} MiB each (median PSS; {min(per_host):.0f}"
             f"-{max(per_host):.0f}), {sum(per_host):.0f} MiB in all", "",
             "| process | median MiB per host |", "| --- | --- |"]
    lines += [f"| {c} | {statistics.median([v.get(c, 0) / 1024 for v in usage.values()]):.1f} |"
              for c in names]
    if median > 0:
        lines += ["", f"This machine's {total_kib / 1024 / 1024:.0f} GiB would hold about "
                  f"{int(total_kib / 1024 / median):d} such hosts (memory alone; their "
                  "containers' own processes come on top)."]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lab", default=os.environ.get("SWARMLAB_LAB") or topology.DEFAULT_LAB)
    args = ap.parse_args()
    tag = topology.lab_net(args.lab).tag
    usage = by_host(namespaces(tag), processes())
    print(report(usage, mem_total_kib(Path("/proc/meminfo").read_text())))
    return 0 if usage else 1


if __name__ == "__main__":
    sys.exit(main())
