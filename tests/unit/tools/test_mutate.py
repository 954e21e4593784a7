"""`make mutate`'s scoring of mutmut 3's results (tools/mutate): which mutant counts as killed,
which package it belongs to, and the table and progress built from mutmut's .meta files."""

from __future__ import annotations

import fnmatch
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path

import pytest

from tools.lab import labs
from tools.mutate import run, score
from tools.mutate.__main__ import OUT, ROOT, patterns

PATTERNS = ["modules/spec/*", "modules/ssh/*", "hosts/topology.py"]


def meta(codes: Mapping[str, int | None]) -> str:
    """A .meta file as mutmut 3 writes it (mutants/<source>.meta)."""
    return json.dumps({
        "exit_code_by_key": codes,
        "hash_by_function_name": {"x_f": "0" * 64},
        "type_check_error_by_key": {},
        "durations_by_key": {k: 0.1 for k, v in codes.items() if v is not None},
        "estimated_durations_by_key": {k: 0.1 for k in codes},
    }, indent=4)


# One mutant per exit code mutmut 3.8.1 can record, and one it does not know (42).
SPEC_CODES: dict[str, int | None] = {
    "modules.spec.parse.x_f__mutmut_1": 1,      # killed
    "modules.spec.parse.x_f__mutmut_2": 3,      # killed (pytest internal error)
    "modules.spec.parse.x_f__mutmut_3": 36,     # timeout
    "modules.spec.parse.x_f__mutmut_4": -24,    # timeout (SIGXCPU)
    "modules.spec.parse.x_f__mutmut_5": 152,    # timeout
    "modules.spec.parse.x_f__mutmut_6": -9,     # segfault (SIGKILL at the hard CPU limit)
    "modules.spec.parse.x_f__mutmut_7": 0,      # survived
    "modules.spec.parse.x_f__mutmut_8": 33,     # no tests
    "modules.spec.parse.x_f__mutmut_9": 5,      # no tests (pytest collected none)
    "modules.spec.parse.x_f__mutmut_10": 35,    # suspicious
    "modules.spec.parse.x_f__mutmut_11": 42,    # unknown: suspicious
    "modules.spec.parse.x_f__mutmut_12": 34,    # skipped: not counted
}


def test_timeouts_and_crashes_are_killed_no_tests_and_suspicious_survive() -> None:
    rows = score.tally({"modules/spec/parse.py": meta(SPEC_CODES)}, PATTERNS)
    spec = rows[0].tally
    assert (spec.killed, spec.total) == (6, 11)
    assert spec.percent is not None and round(spec.percent, 1) == 54.5
    assert dict(spec.by_status) == {"killed": 2, "timeout": 3, "segfault": 1, "survived": 1,
                                    "no tests": 2, "suspicious": 2, "skipped": 1}
    assert sorted(spec.survivors) == sorted([
        ("modules.spec.parse.x_f__mutmut_7", "survived"),
        ("modules.spec.parse.x_f__mutmut_8", "no tests"),
        ("modules.spec.parse.x_f__mutmut_9", "no tests"),
        ("modules.spec.parse.x_f__mutmut_10", "suspicious"),
        ("modules.spec.parse.x_f__mutmut_11", "suspicious"),
    ])


def test_each_exit_code_scores_as_the_rule_says() -> None:
    killed = [1, 3, 36, 24, -24, 152, 255, -11, -9, 37]
    survived = [0, 5, 33, 35, 42, -15]
    assert [score.outcome_of(c) for c in killed] == [score.KILLED] * len(killed)
    assert [score.outcome_of(c) for c in survived] == [score.SURVIVED] * len(survived)
    assert score.outcome_of(34) == score.SKIPPED
    assert score.outcome_of(None) == score.NOT_RUN
    assert score.outcome_of(2) == score.NOT_RUN


def test_untested_mutants_make_the_run_incomplete_not_the_score_lower() -> None:
    codes = {"hosts.topology.x_plan__mutmut_1": 1, "hosts.topology.x_plan__mutmut_2": None}
    topology = score.tally({"hosts/topology.py": meta(codes)}, PATTERNS)[2].tally
    assert (topology.killed, topology.total, topology.not_run, topology.percent) == (1, 1, 1, 100.0)


def test_each_file_counts_for_the_first_pattern_it_matches_and_others_are_left_out() -> None:
    metas = {
        "modules/ssh/session.py": meta({"modules.ssh.session.x_run__mutmut_1": 0}),
        "modules/ssh/target.py": meta({"modules.ssh.target.xǁTargetǁas_dict__mutmut_1": 1}),
        "hosts/topology.py": meta({"hosts.topology.x_plan__mutmut_1": 1}),
        "hosts/onebox/up.py": meta({"hosts.onebox.up.x_up__mutmut_1": 0}),
    }
    rows = score.tally(metas, PATTERNS)
    assert [(r.package, r.tally.killed, r.tally.total) for r in rows] == [
        ("modules/spec", 0, 0), ("modules/ssh", 1, 2), ("hosts/topology.py", 1, 1)]


def test_a_file_with_a_row_of_its_own_is_not_counted_again_in_its_package() -> None:
    metas = {"modules/spec/parse.py": meta({"modules.spec.parse.x_f__mutmut_1": 1})}
    rows = score.tally(metas, ["modules/spec/parse.py", "modules/spec/*"])
    assert [(r.package, r.tally.total) for r in rows] == [("modules/spec/parse.py", 1), ("modules/spec", 0)]


def test_a_mutant_glob_scores_only_the_mutants_it_names() -> None:
    codes = {"modules.ssh.session.x_run__mutmut_1": 0, "modules.ssh.session.x_open__mutmut_1": 1}
    rows = score.tally({"modules/ssh/session.py": meta(codes)}, PATTERNS, only="*x_open*")
    assert (rows[1].tally.killed, rows[1].tally.total) == (1, 1)


def test_the_table_shows_killed_of_total_and_percent_per_package_and_for_all() -> None:
    metas = {"modules/spec/parse.py": meta(SPEC_CODES),
             "hosts/topology.py": meta({"hosts.topology.x_plan__mutmut_1": 1,
                                        "hosts.topology.x_plan__mutmut_2": None})}
    assert score.table(score.tally(metas, PATTERNS)).splitlines() == [
        "| package | killed/total | score | survived | no tests | suspicious | timeout | not run |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        "| modules/spec | 6/11 | 54.5% | 1 | 2 | 2 | 3 | 0 |",
        "| modules/ssh | 0/0 | - | 0 | 0 | 0 | 0 | 0 |",
        "| hosts/topology.py | 1/1 | 100.0% | 0 | 0 | 0 | 0 | 1 |",
        "| **all** | 7/12 | 58.3% | 1 | 2 | 2 | 3 | 1 |",
    ]


def test_results_are_read_from_the_meta_beside_each_mutated_file(tmp_path: Path) -> None:
    (tmp_path / "modules" / "spec").mkdir(parents=True)
    codes = {"modules.spec.parse.x_f__mutmut_1": 1}
    (tmp_path / "modules" / "spec" / "parse.py.meta").write_text(meta(codes))
    (tmp_path / "modules" / "spec" / "parse.py.spans").write_text("{}")
    (tmp_path / "mutmut-stats.json").write_text("{}")
    assert list(score.read_metas(tmp_path)) == ["modules/spec/parse.py"]


def test_progress_skips_a_meta_that_mutmut_is_rewriting(tmp_path: Path) -> None:
    (tmp_path / "modules" / "spec").mkdir(parents=True)
    (tmp_path / "modules" / "spec" / "parse.py.meta").write_text(
        meta({"modules.spec.parse.x_f__mutmut_1": 1, "modules.spec.parse.x_f__mutmut_2": None}))
    (tmp_path / "modules" / "spec" / "rules.py.meta").write_text('{"exit_code_by_key": {"modules.sp')
    assert run.progress(tmp_path, PATTERNS, None) == "1/2 mutants tested (killed 1, survived 0)"


def test_every_package_mutmut_is_told_to_mutate_has_source_files() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    sources = [str(p.relative_to(ROOT)) for base in config["source_paths"]
               for p in sorted((ROOT / base).rglob("*.py"))]
    found = patterns()
    assert found == config["only_mutate"]
    assert [p for p in found if not any(fnmatch.fnmatch(s, p) for s in sources)] == []


def test_forgetting_the_default_lab_keeps_the_mutation_results(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert OUT.parent == labs.STATE_ROOT
    monkeypatch.setattr(labs, "lab_dir", lambda name: tmp_path)
    (tmp_path / OUT.name).mkdir()
    (tmp_path / OUT.name / "scores.md").write_text("# Mutation scores\n")
    (tmp_path / "inventory.json").write_text("[]")
    labs.remove_lab_files(labs.DEFAULT_LAB)
    assert sorted(p.name for p in tmp_path.rglob("*")) == [OUT.name, "scores.md"]
