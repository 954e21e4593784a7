"""A mutation score per package from mutmut 3's results.

mutmut keeps each mutant's result as the exit code of its test run, in
mutants/<source file>.meta (JSON, "exit_code_by_key"). Its status names come from mutmut's
own table (mutmut/stats.py `status_by_exit_code`, at the version pinned in
tools/mutate/requirements.txt). The score then asks one question of each status: did the
tests notice the mutant? A mutant is killed when the tests failed on it, ran out of time or
crashed; it survived when they passed, when no test ran its code at all, or when mutmut
found the result suspicious. Skipped mutants (`# pragma: no mutate`) are not counted, and
mutants not tested yet make the result incomplete rather than lower.
"""

from __future__ import annotations

import fnmatch
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

KILLED = "killed"
SURVIVED = "survived"
SKIPPED = "skipped"
NOT_RUN = "not run"

# mutmut 3.8.1's status_by_exit_code; an exit code it does not list is "suspicious" there too.
STATUS_BY_EXIT_CODE: Mapping[int | None, str] = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    2: "check was interrupted by user",
    None: "not checked",
    33: "no tests",
    34: "skipped",
    35: "suspicious",
    36: "timeout",
    37: "caught by type check",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    -11: "segfault",
    -9: "segfault",
}
UNKNOWN_EXIT_STATUS = "suspicious"

OUTCOME_BY_STATUS: Mapping[str, str] = {
    "killed": KILLED,
    # A mutant that makes the tests loop forever is caught: they would never pass.
    "timeout": KILLED,
    # -9 is also what the kernel sends at mutmut's hard CPU limit, one second after SIGXCPU.
    "segfault": KILLED,
    "caught by type check": KILLED,
    "survived": SURVIVED,
    # No test runs the mutated code: nothing would notice the change.
    "no tests": SURVIVED,
    "suspicious": SURVIVED,
    "skipped": SKIPPED,
    "not checked": NOT_RUN,
    "check was interrupted by user": NOT_RUN,
}

# The columns of the table after the score, in order: how the survivors and the slow kills split.
DETAIL_STATUSES = ("survived", "no tests", "suspicious", "timeout")


def status_of(exit_code: int | None) -> str:
    return STATUS_BY_EXIT_CODE.get(exit_code, UNKNOWN_EXIT_STATUS)


def outcome_of(exit_code: int | None) -> str:
    return OUTCOME_BY_STATUS[status_of(exit_code)]


@dataclass
class Tally:
    """The mutants of one package (or of all), counted by mutmut status."""

    by_status: Counter[str] = field(default_factory=Counter)
    survivors: list[tuple[str, str]] = field(default_factory=list)

    def add(self, mutant: str, exit_code: int | None) -> None:
        status = status_of(exit_code)
        self.by_status[status] += 1
        if OUTCOME_BY_STATUS[status] == SURVIVED:
            self.survivors.append((mutant, status))

    def count(self, outcome: str) -> int:
        return sum(n for s, n in self.by_status.items() if OUTCOME_BY_STATUS[s] == outcome)

    @property
    def killed(self) -> int:
        return self.count(KILLED)

    @property
    def total(self) -> int:
        """The mutants that count: killed or survived (not skipped, not yet tested)."""
        return self.killed + self.count(SURVIVED)

    @property
    def not_run(self) -> int:
        return self.count(NOT_RUN)

    @property
    def percent(self) -> float | None:
        return 100.0 * self.killed / self.total if self.total else None

    def merge(self, other: Tally) -> None:
        self.by_status.update(other.by_status)
        self.survivors.extend(other.survivors)


@dataclass
class Row:
    package: str
    tally: Tally


def package_label(pattern: str) -> str:
    """`modules/spec/*` -> `modules/spec`; a single file's pattern is its own label."""
    return pattern.removesuffix("*").rstrip("/")


def package_of(source: str, patterns: Iterable[str]) -> str | None:
    """The label of the first pattern (mutmut's only_mutate) that the source path matches."""
    for pattern in patterns:
        if fnmatch.fnmatch(source, pattern):
            return package_label(pattern)
    return None


def exit_codes(meta_text: str) -> dict[str, int | None]:
    data = json.loads(meta_text)
    codes = data["exit_code_by_key"]
    if not isinstance(codes, dict):
        raise ValueError("exit_code_by_key is not an object")
    return codes


def tally(metas: Mapping[str, str], patterns: list[str], only: str | None = None) -> list[Row]:
    """Rows in the order of `patterns`, from {source path: its .meta text}. `only` is a
    mutant-name glob as `mutmut run` takes it: other mutants are left out."""
    rows = {package_label(p): Row(package_label(p), Tally()) for p in patterns}
    for source, text in sorted(metas.items()):
        package = package_of(source, patterns)
        if package is None:
            continue
        for mutant, code in sorted(exit_codes(text).items()):
            if only is None or fnmatch.fnmatch(mutant, only):
                rows[package].tally.add(mutant, code)
    return list(rows.values())


def read_metas(mutants_dir: Path) -> dict[str, str]:
    """{source path relative to the repo: the text of its .meta} for every mutated file."""
    return {
        str(meta.relative_to(mutants_dir))[: -len(".meta")]: meta.read_text()
        for meta in sorted(mutants_dir.rglob("*.py.meta"))
    }


def total_of(rows: Iterable[Row]) -> Tally:
    everything = Tally()
    for row in rows:
        everything.merge(row.tally)
    return everything


def _percent(t: Tally) -> str:
    return "-" if t.percent is None else f"{t.percent:.1f}%"


def _line(name: str, t: Tally) -> str:
    details = " | ".join(str(t.by_status.get(s, 0)) for s in DETAIL_STATUSES)
    return f"| {name} | {t.killed}/{t.total} | {_percent(t)} | {details} | {t.not_run} |"


def table(rows: list[Row]) -> str:
    """A Markdown table: killed/total and % per package, then how the rest splits."""
    head = ["package", "killed/total", "score", *DETAIL_STATUSES, "not run"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += [_line(row.package, row.tally) for row in rows]
    everything = total_of(rows)
    lines.append(_line("**all**", everything))
    return "\n".join(lines)


def survivors(rows: list[Row]) -> str:
    """Every mutant that survived, with its status, package by package (for `mutmut show`)."""
    out: list[str] = []
    for row in rows:
        for mutant, status in row.tally.survivors:
            out.append(f"{row.package}\t{status}\t{mutant}")
    return "\n".join(out) + ("\n" if out else "")
