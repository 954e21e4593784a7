"""The Makefile, run for real on a copy of itself (tests/support/make_sandbox.py): a value
given to make is data that reaches the tools exactly as typed, never make or shell code; a
bad one stops make before anything runs; a stack that cannot be read makes no hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.make_sandbox import Sandbox

LAB_ALLOWED = "allowed: swarmlab (the default: leave LAB out), or 1 to 6 lowercase letters"


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    return Sandbox.make_in(tmp_path)


def marker(sandbox: Sandbox) -> Path:
    return sandbox.root / "ran"


def lab_tool_call(sandbox: Sandbox, verb: str) -> list[str]:
    found = [c for c in sandbox.calls() if c[:2] == ["-m", "tools.lab"] and verb in c]
    assert len(found) == 1, sandbox.calls()
    return found[0]


# Values the verbs take as data: each reaches the lab tool as one argument, exactly as typed.
AS_TYPED = [
    ("exec", "CMD", "echo $(shell touch {m})"),
    ("exec", "CMD", "echo `touch {m}` $(touch {m}); touch {m}"),
    ("exec", "CMD", "printf '%s\\n' \"it's\" && touch {m}\ntouch {m}"),
    ("exec", "CMD", "-c touch {m}"),
    ("exec", "NODE", "$(shell touch {m})"),
    ("exec", "NODE", "manager;touch {m}"),
    ("exec", "SERVICE", "web`touch {m}`"),
    ("capture", "FILTER", "$(shell touch {m})"),
    ("capture", "IFACE", "eth1\ntouch {m}"),
    ("capture", "DURATION", "5 || touch {m}"),
    ("inspect", "FORMAT", "json || touch {m}"),
    ("inspect", "FORMAT", "$(shell touch {m})"),
]


@pytest.mark.parametrize(("target", "variable", "value"), AS_TYPED,
                         ids=[f"{t}-{v}-{i}" for i, (t, v, _) in enumerate(AS_TYPED)])
def test_a_verbs_value_reaches_the_tool_as_typed_and_nothing_in_it_runs(
        sandbox: Sandbox, target: str, variable: str, value: str) -> None:
    typed = value.format(m=marker(sandbox))
    proc = sandbox.make(target, **{variable: typed})
    assert proc.returncode == 0, proc.stderr
    assert not marker(sandbox).exists()
    option = "--" + {"CMD": "cmd", "NODE": "node", "SERVICE": "service", "FILTER": "filter",
                     "IFACE": "iface", "DURATION": "duration", "FORMAT": "format"}[variable]
    assert f"{option}={typed}" in lab_tool_call(sandbox, target)


def test_an_unknown_variable_s_make_code_never_runs(sandbox: Sandbox) -> None:
    """make exports every command-line variable to the recipes, and expands it to do so."""
    proc = sandbox.make("exec", CMD="true", EXTRA=f"$(shell touch {marker(sandbox)})")
    assert proc.returncode == 0, proc.stderr
    assert not marker(sandbox).exists()


# Values make itself uses (paths, lab.env, the hosts tool's options): refused before anything.
REFUSED = [
    ("status", "LAB", "`touch {m}`"),
    ("status", "LAB", "$(touch {m})"),
    ("status", "LAB", "$(shell touch {m})"),
    ("status", "LAB", "a;touch {m}"),
    ("status", "LAB", "a\ntouch {m}"),
    ("destroy", "LAB", "../../x"),
    ("lab", "STACK", "local;touch {m}"),
    ("lab", "BACKEND", "$(shell touch {m})"),
    ("hosts", "MANAGERS", "1 --workers 9; touch {m}"),
    ("hosts", "WORKERS", "`touch {m}`"),
    ("bench", "RUNS", "3;touch {m}"),
]


@pytest.mark.parametrize(("target", "variable", "value"), REFUSED,
                         ids=[f"{t}-{v}-{i}" for i, (t, v, _) in enumerate(REFUSED)])
def test_a_bad_value_stops_make_before_anything_runs(sandbox: Sandbox, target: str, variable: str,
                                                     value: str) -> None:
    typed = value.format(m=marker(sandbox))
    proc = sandbox.make(target, **{variable: typed})
    assert proc.returncode == 2
    assert f"{variable}='{typed.replace(chr(10), chr(92) + 'n')}' is not valid; allowed: " \
        in proc.stderr
    assert not marker(sandbox).exists()
    assert sandbox.calls() == []


def test_an_empty_lab_is_refused_not_taken_for_the_default(sandbox: Sandbox) -> None:
    for proc in (sandbox.make("env", LAB=""), sandbox.make("env", env={"LAB": ""})):
        assert proc.returncode == 2
        assert f"LAB='' is not valid; {LAB_ALLOWED}" in proc.stderr
        assert "export" not in proc.stdout
    assert 'SWARMLAB_LAB="swarmlab"' in sandbox.make("env").stdout


def test_a_lab_from_the_environment_is_checked_too(sandbox: Sandbox) -> None:
    proc = sandbox.make("status", env={"LAB": f"$(shell touch {marker(sandbox)})"})
    assert proc.returncode == 2 and "LAB='$(shell touch " in proc.stderr
    assert not marker(sandbox).exists()


def test_make_env_still_prints_the_labs_environment(sandbox: Sandbox) -> None:
    out = sandbox.make("env", LAB="blue").stdout.splitlines()
    assert all(line.startswith("export ") for line in out) and len(out) == 6
    assert f'SWARMLAB_LAB="blue" SWARMLAB_LAB_DIR="{sandbox.root}/.lab/labs/blue"' in out[1]
    assert 'PULUMI_STACK="blue"' in out[3]


def test_a_stack_that_cannot_be_read_makes_no_hosts(sandbox: Sandbox) -> None:
    proc = sandbox.make("hosts", env={"FAKE_SUBNET": "", "FAKE_SUBNET_STATUS": "2"})
    assert proc.returncode != 0
    assert lab_tool_call(sandbox, "subnet")[-1] == "--stack=local"
    assert [c for c in sandbox.calls() if c[:2] == ["-m", "hosts"]] == []


def test_the_stacks_lan_and_the_counts_reach_the_hosts_tool(sandbox: Sandbox) -> None:
    proc = sandbox.make("hosts", MANAGERS="3", WORKERS="0", STACK="blue",
                        env={"FAKE_SUBNET": "192.168.2.0/24"})
    assert proc.returncode == 0, proc.stderr
    up = [c for c in sandbox.calls() if c[:2] == ["-m", "hosts"]]
    assert up == [["-m", "hosts", "up", "--backend=onebox", "--managers=3", "--workers=0",
                   "--subnet=192.168.2.0/24"]]


def test_vagrant_hosts_are_not_the_hosts_tools(sandbox: Sandbox) -> None:
    proc = sandbox.make("hosts", BACKEND="vagrant")
    assert proc.returncode == 2 and "BACKEND=vagrant" in proc.stderr and "make vagrant-lab" in proc.stderr
    assert [c for c in sandbox.calls() if "hosts" in c[:2]] == []


def test_what_lab_env_recorded_picks_the_backend_and_stack(sandbox: Sandbox) -> None:
    sandbox.lab_dir.mkdir()
    (sandbox.lab_dir / "lab.env").write_text("LAB_STACK=blue\nLAB_BACKEND=vm\n")
    assert sandbox.make("stack").returncode == 0
    assert lab_tool_call(sandbox, "stack")[-2:] == ["--stack=blue", "--backend=vm"]


@pytest.mark.parametrize("text", [
    "LAB_BACKEND=qemu\n",
    "LAB_STACK=../../x\n",
    "LAB_STACK=$(shell touch {m})\n",
    "LAB_BACKEND=vm\nLAB_BACKEND=onebox\n",
    "LAB_STACK=local\n$(shell touch {m})\nLAB_BACKEND=onebox\n",
])
def test_a_changed_lab_env_adds_no_make_code_and_is_refused(sandbox: Sandbox, text: str) -> None:
    sandbox.lab_dir.mkdir()
    (sandbox.lab_dir / "lab.env").write_text(text.format(m=marker(sandbox)))
    proc = sandbox.make("status")
    assert not marker(sandbox).exists()
    if "LAB_STACK=local\n$(shell" in text:
        # Not a setting: ignored (the file is read as text, never included).
        assert proc.returncode == 0, proc.stderr
        return
    key = "LAB_BACKEND" if "LAB_BACKEND" in text else "LAB_STACK"
    assert proc.returncode == 2
    assert f"{sandbox.lab_dir}/lab.env: {key} is not one of " in proc.stderr
    assert sandbox.calls() == []


@pytest.mark.parametrize(("variables", "refusal"), [
    ({"ENGINE": "28", "BACKEND": "vm"},
     "ENGINE=28 is for the one-box hosts (BACKEND=onebox); BACKEND=vm runs its hosts' own Docker"),
    ({"ENGINE": "26", "BACKEND": "vagrant"}, "ENGINE=26 is for the one-box hosts (BACKEND=onebox)"),
    ({"DEBIAN": "forky"},
     "DEBIAN=forky is for the vm backend (BACKEND=vm); BACKEND=onebox does not build its hosts "
     "from Debian"),
])
def test_an_engine_or_a_suite_for_the_other_backend_is_refused_before_anything_runs(
        sandbox: Sandbox, variables: dict[str, str], refusal: str) -> None:
    proc = sandbox.make("hosts", **variables)
    assert proc.returncode == 2 and refusal in proc.stderr
    assert sandbox.calls() == []


@pytest.mark.parametrize(("variables", "passed"), [
    ({}, []),
    ({"ENGINE": "28"}, ["--engine=28"]),
    ({"ENGINE": "system", "BACKEND": "vm", "DEBIAN": "forky"}, ["--engine=system", "--debian=forky"]),
    ({"DEBIAN": "bookworm"}, ["--debian=bookworm"]),
])
def test_the_engine_and_the_suite_reach_the_hosts_tool_only_when_given(
        sandbox: Sandbox, variables: dict[str, str], passed: list[str]) -> None:
    proc = sandbox.make("hosts", **variables)
    assert proc.returncode == 0, proc.stderr
    up = next(c for c in sandbox.calls() if c[:3] == ["-m", "hosts", "up"])
    assert [a for a in up if a.startswith(("--engine", "--debian"))] == passed
