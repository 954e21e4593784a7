"""bench/results.md in sections: `make bench` and each loop rewrite only their own, so one
file holds every measurement and none overwrites another's."""

from __future__ import annotations

import os
import re
import statistics
from pathlib import Path

from bench.lab import ROOT

RESULTS = ROOT / "bench" / "results.md"
TITLE = "# swarmlab measurements\n"


def write_section(heading: str, body: str) -> None:
    """Replace (or add) the section `## <heading>` of bench/results.md."""
    text = RESULTS.read_text() if RESULTS.exists() else TITLE
    if not text.startswith(TITLE):
        text = TITLE
    section = f"## {heading}\n\n{body.rstrip()}\n"
    pattern = re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    text = pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else \
        text.rstrip() + "\n\n" + section
    RESULTS.write_text(text.rstrip() + "\n")


def spread(values: list[float], digits: int = 1) -> str:
    """`median s (min-max)` of several measurements; one alone as it is."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f} s"
    return (f"{statistics.median(values):.{digits}f} s ({min(values):.{digits}f}-"
            f"{max(values):.{digits}f})")


def machine() -> str:
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
    return f"{os.cpu_count()} cores, {mem_kb / 1024 / 1024:.0f} GiB memory"
