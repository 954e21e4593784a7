"""`python -m tools.lab`: a bad value is one `[lab] ...` line naming the Makefile's variable,
exit 2, never a traceback, and refused before the verb does anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tools.lab import __main__ as lab_tool
from tools.lab import labs, stackfile

LAB_ALLOWED = "allowed: swarmlab, or 1-6 lowercase letters and digits starting with a letter"


@pytest.fixture
def nothing_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A verb that got this far would call pulumi: fail the test instead."""
    def refuse(*args: str) -> None:
        raise AssertionError(f"pulumi {' '.join(args)} ran")
    monkeypatch.setattr(lab_tool, "_pulumi", refuse)


@pytest.mark.parametrize("lab", ["abcdefg", "../x", "Blue", "a b", "1abc", ""])
def test_a_bad_lab_is_one_clean_line_and_exit_2(monkeypatch, capsys, nothing_runs, lab: str) -> None:
    monkeypatch.setenv("SWARMLAB_LAB", lab)   # as make exports it
    assert lab_tool.main([f"--lab={lab}", "require"]) == 2
    assert capsys.readouterr().err == f"[lab] LAB {lab!r} is not valid; {LAB_ALLOWED}, not swl\n"


def test_the_command_itself_says_so_without_a_traceback() -> None:
    proc = subprocess.run([sys.executable, "-m", "tools.lab", "--lab=../x", "require"],
                          cwd=labs.ROOT, env={"SWARMLAB_LAB": "../x", "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60, check=False)
    assert (proc.returncode, proc.stderr) == (2, f"[lab] LAB '../x' is not valid; {LAB_ALLOWED}, "
                                                 "not swl\n")


def test_a_bad_lab_from_the_environment_is_refused_too(monkeypatch, capsys, nothing_runs) -> None:
    monkeypatch.setenv("SWARMLAB_LAB", "Blue")
    assert lab_tool.main(["require"]) == 2
    assert capsys.readouterr().err.startswith(f"[lab] SWARMLAB_LAB 'Blue' is not valid; {LAB_ALLOWED}")


@pytest.mark.parametrize(("args", "refusal"), [
    (["--stack=local", "--backend=qemu"],
     "[lab] BACKEND='qemu' is not valid; allowed: onebox, vm, vagrant"),
    (["--stack=../stacks/local", "--backend=onebox"],
     f"[lab] STACK='../stacks/local' is not valid; allowed: {', '.join(labs.stacks())} "),
    (["--stack=nosuch", "--backend=onebox"], "[lab] STACK='nosuch' is not valid; allowed: "),
    # A committed file, but an example to copy, not a stack's name.
    (["--stack=hosts.example", "--backend=onebox"], "[lab] STACK='hosts.example' is not valid; "),
])
def test_stack_refuses_a_bad_backend_or_stack_before_writing_anything(
        monkeypatch, tmp_path: Path, capsys, nothing_runs, args: list[str], refusal: str) -> None:
    monkeypatch.setenv("SWARMLAB_LAB_DIR", str(tmp_path))
    monkeypatch.setattr(stackfile, "write", lambda *a: pytest.fail("the stack file was written"))
    assert lab_tool.main(["--lab=blue", "stack", *args]) == 2
    assert capsys.readouterr().err.startswith(refusal)
    assert list(tmp_path.iterdir()) == []


def test_stack_records_the_checked_backend_and_stack(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SWARMLAB_LAB_DIR", str(tmp_path / "lab"))
    monkeypatch.setattr(labs, "STATE_ROOT", tmp_path)
    monkeypatch.setattr(stackfile, "write", lambda *a: None)
    monkeypatch.setattr(lab_tool, "_pulumi", lambda *a: subprocess.CompletedProcess(a, 0, "", ""))
    assert lab_tool.main(["--lab=blue", "stack", "--stack=blue", "--backend=vm"]) == 0
    assert (tmp_path / "lab" / "lab.env").read_text() == "LAB_STACK=blue\nLAB_BACKEND=vm\n"


@pytest.mark.parametrize(("argv", "refusal"), [
    (["inspect", "--format=json || touch x"], "[lab] FORMAT='json || touch x' is not valid; "
                                              "allowed: table, json"),
    (["capture", "--node=worker", "--duration=٣"], "[lab] DURATION='٣' is not valid; allowed: "
                                                    "a whole number of seconds from 1 to 300"),
    (["exec", "--cmd="], "[lab] CMD='' is empty; allowed: a shell command"),
    (["subnet", "--stack=a/b"], "[lab] STACK='a/b' is not valid; allowed: "),
    (["validate", "--stack=Local"], "[lab] STACK='Local' is not valid; allowed: "),
])
def test_a_verbs_bad_value_is_refused_before_it_looks_for_the_lab(capsys, nothing_runs,
                                                                   argv: list[str],
                                                                   refusal: str) -> None:
    assert lab_tool.main(["--lab=blue", *argv]) == 2
    assert capsys.readouterr().err.startswith(refusal)
