"""The corpus of bad inputs the project refuses, by surface, and its count.

Each test module under tests/unit/badinput/ declares its cases as `CASES: list[Bad]` and
parametrizes one test over them; `python -m tests.support.badinput` counts every module's
cases by surface for the table in docs/testing.md, so the table is the tests, never typed.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import Counter
from dataclasses import dataclass

SURFACES = ("stack keys", "checks", "make variables", "files")


@dataclass(frozen=True)
class Bad:
    """One bad input: where it enters, a short label, the input itself, and the words the
    refusal must contain (the key or variable it names, and what is allowed)."""

    surface: str
    label: str
    value: object
    refusal: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.surface not in SURFACES:
            raise ValueError(f"surface {self.surface!r}; allowed: {', '.join(SURFACES)}")

    @property
    def id(self) -> str:
        return self.label


def ids(cases: list[Bad]) -> list[str]:
    return [c.id for c in cases]


def corpus() -> list[Bad]:
    """Every case every module of tests.unit.badinput declares."""
    import tests.unit.badinput as package

    found: list[Bad] = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        found.extend(getattr(module, "CASES", []))
    return found


def table() -> str:
    counts = Counter(c.surface for c in corpus())
    rows = ["| surface | bad inputs refused |", "| --- | --- |"]
    rows += [f"| {s} | {counts.get(s, 0)} |" for s in SURFACES]
    rows.append(f"| **all** | **{sum(counts.values())}** |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
