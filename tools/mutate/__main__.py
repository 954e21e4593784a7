"""`python -m tools.mutate` (`make mutate`): mutation testing of the packages that hold the
lab's guarantees, scored per package (docs/testing.md).

mutmut 3 mutates what pyproject.toml's [tool.mutmut] only_mutate names, runs the root-free
tests that cover each mutant, and this prints and writes the score per package:
.lab/mutate/scores.md, the survivors in .lab/mutate/survivors.tsv, mutmut's log in
.lab/mutate/mutmut.log.

    --mutants GLOB   only the mutants whose names match (e.g. 'hosts.topology*')
    --resume         keep mutants/ and the results so far (an interrupted run goes on)
    --report         only read the results of the last run and print the scores
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import time
import tomllib
from pathlib import Path

from tools.mutate import run, score, venv

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / ".lab" / "mutate"
MUTANTS_DIR = ROOT / "mutants"
# Mutant names are dotted module paths and function names (methods carry a `ǁ`).
MUTANT_GLOB = re.compile(r"[A-Za-z_*][A-Za-z0-9_.*?ǁ]*")
GLOB_RULE = ("a mutant-name glob of letters, digits and _ . * ? ǁ that starts with a letter, _ or * "
             "(for example MUTANTS='hosts.topology*'), or empty for all")


class Refused(Exception):
    pass


def check_glob(value: str) -> str | None:
    if value == "":
        return None
    if not MUTANT_GLOB.fullmatch(value):
        raise Refused(f"MUTANTS={value!r}: {GLOB_RULE}")
    return value


def patterns() -> list[str]:
    """The files mutmut mutates, one score row each: [tool.mutmut] only_mutate."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    found = config.get("tool", {}).get("mutmut", {}).get("only_mutate")
    if not isinstance(found, list) or not found or not all(isinstance(p, str) for p in found):
        raise Refused("pyproject.toml [tool.mutmut] only_mutate: a list of path globs is needed "
                      "(for example [\"modules/spec/*\"])")
    return found


def pinned_version() -> str:
    for line in venv.PINS.read_text().splitlines():
        if line.startswith("mutmut=="):
            return line.removeprefix("mutmut==").strip()
    return "?"


def failure(log: Path, returncode: int) -> str:
    """Why mutmut stopped: the tests that fail before any mutant (they must pass on the
    unmutated copy first), else the end of its log."""
    lines = run.log_tail(log, 400).splitlines()
    failed = [line for line in lines if line.startswith(("FAILED ", "ERROR "))]
    if failed:
        return ("the root-free tests fail in mutmut's copy of the project (mutants/), so no mutant "
                "can be scored; fix these first:\n" + "\n".join(failed[:20]))
    end = "\n".join(lines[-30:])
    return f"mutmut failed (exit {returncode}); the end of {log.relative_to(ROOT)}:\n{end}"


def report(rows: list[score.Row], *, only: str | None, seconds: float | None, stopped: str | None) -> str:
    everything = score.total_of(rows)
    took = "" if seconds is None else f", {run._clock(seconds)} (min:s)"
    lines = [
        "# Mutation scores",
        "",
        f"mutmut {pinned_version()} on the root-free tests (`-m \"not lab and not hosts\"` "
        f"tests/unit tests/static){took}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
    ]
    if only is not None:
        lines.append(f"Only the mutants named `{only}`.")
    lines += [
        "Killed: the tests failed, timed out or crashed on the mutant. Survived: they passed, "
        "no test ran the mutated code (no tests), or mutmut found the result suspicious.",
        "",
        score.table(rows),
        "",
    ]
    if stopped or everything.not_run:
        lines += [f"INCOMPLETE: {everything.not_run} mutants not tested"
                  + (f" (stopped by {stopped})" if stopped else "")
                  + "; `python -m tools.mutate --resume` goes on.", ""]
    lines.append("Survivors: .lab/mutate/survivors.tsv; `.venv-mutate/bin/mutmut show NAME` shows one.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mutate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mutants", default="")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--report", action="store_true")
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--deadline-minutes", type=float, default=55.0)
    parser.add_argument("--every", type=float, default=30.0, help="seconds between progress lines")
    args = parser.parse_args(argv)
    try:
        only = check_glob(args.mutants)
        rows_from = patterns()
    except Refused as e:
        print(f"mutate: {e}", file=sys.stderr)
        return 2

    OUT.mkdir(parents=True, exist_ok=True)
    seconds: float | None = None
    stopped: str | None = None
    if not args.report:
        mutmut = venv.ensure(ROOT)
        if not args.resume and MUTANTS_DIR.exists():
            shutil.rmtree(MUTANTS_DIR)
        log = OUT / "mutmut.log"
        print(f"[mutate] mutmut run (log: {log.relative_to(ROOT)})", flush=True)
        outcome = run.run(mutmut, ROOT, log=log, patterns=rows_from, only=only,
                          max_children=args.max_children, deadline_seconds=args.deadline_minutes * 60,
                          every_seconds=args.every)
        seconds, stopped = outcome.seconds, outcome.stopped
        if outcome.returncode != 0 and not stopped:
            rows = score.tally(score.read_metas(MUTANTS_DIR), rows_from, only) if MUTANTS_DIR.is_dir() else []
            if only is not None and rows and not score.total_of(rows).by_status:
                print(f"mutate: MUTANTS={only!r} matches no mutant; names look like "
                      "hosts.topology.x_plan__mutmut_1", file=sys.stderr)
            else:
                print(f"mutate: {failure(log, outcome.returncode)}", file=sys.stderr)
            return 1

    if not MUTANTS_DIR.is_dir():
        print("mutate: no results yet (mutants/ is missing): run `make mutate` first", file=sys.stderr)
        return 1
    rows = score.tally(score.read_metas(MUTANTS_DIR), rows_from, only)
    if only is not None:
        rows = [row for row in rows if row.tally.by_status]
    text = report(rows, only=only, seconds=seconds, stopped=stopped)
    (OUT / "scores.md").write_text(text)
    (OUT / "survivors.tsv").write_text(score.survivors(rows))
    print(text, end="")
    print(f"[mutate] written to {(OUT / 'scores.md').relative_to(ROOT)}")
    return 1 if stopped or score.total_of(rows).not_run else 0


if __name__ == "__main__":
    sys.exit(main())
