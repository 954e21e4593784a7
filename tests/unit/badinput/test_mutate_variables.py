"""`make mutate MUTANTS=...`: the mutant-name glob handed to `mutmut run` is refused unless it
is one (names, dots and glob wildcards), before anything is installed or run."""

from __future__ import annotations

import pytest

from tests.support.badinput import Bad, ids
from tools.mutate.__main__ import main

ALLOWED = "letters, digits and _ . * ? ǁ"

CASES = [
    Bad("make variables", "MUTANTS starts with a dash (a mutmut option)", "--max-children=64",
        ("MUTANTS='--max-children=64'", ALLOWED)),
    Bad("make variables", "MUTANTS holds two globs", "hosts.topology* modules.ssh*",
        ("MUTANTS='hosts.topology* modules.ssh*'", ALLOWED)),
    Bad("make variables", "MUTANTS is a file path, not a module name", "hosts/topology.py",
        ("MUTANTS='hosts/topology.py'", ALLOWED)),
    Bad("make variables", "MUTANTS holds a command substitution", "$(id)",
        ("MUTANTS='$(id)'", ALLOWED)),
    Bad("make variables", "MUTANTS holds a semicolon", "hosts;id",
        ("MUTANTS='hosts;id'", ALLOWED)),
    Bad("make variables", "MUTANTS holds a newline", "hosts\nmodules",
        ("MUTANTS='hosts\\nmodules'", ALLOWED)),
    Bad("make variables", "MUTANTS starts with a dot", ".topology*",
        ("MUTANTS='.topology*'", ALLOWED)),
    Bad("make variables", "MUTANTS starts with a digit", "1*",
        ("MUTANTS='1*'", ALLOWED)),
    Bad("make variables", "MUTANTS holds a character class", "hosts.[a-z]*",
        ("MUTANTS='hosts.[a-z]*'", ALLOWED)),
    Bad("make variables", "MUTANTS is only spaces", "   ",
        ("MUTANTS='   '", ALLOWED)),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_a_bad_mutant_glob_is_refused_naming_it(case: Bad, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--report", f"--mutants={case.value}"]) == 2
    err = capsys.readouterr().err
    for text in case.refusal:
        assert text in err
    assert "Traceback" not in err
