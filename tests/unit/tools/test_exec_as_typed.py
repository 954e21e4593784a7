"""exec's promises, kept: the command runs as typed by `sh -c`, on a host and in a task; the
service and container are single quoted words; and the command is ended after EXEC_SECONDS
on the host and inside the container (ending the `docker` CLI alone leaves it running there).

The commands the code sends are run here by a real `sh`, with a stand-in `docker` on PATH
that prints the arguments it got, one JSON list a line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from modules.checks.model import Check, Source
from modules.docker import probe
from modules.ssh import session as ssh_session
from tests.support.fakes import MANAGER, TARGET, FakeHosts
from tools.lab import execute

README = Path(__file__).resolve().parents[3] / "README.md"
# Quotes of both kinds, `$`, command substitutions, `;` and a newline.
TYPED = "printf '%s|' \"$HOME\" '$HOME' `echo bq` $(echo sub); echo\necho 2nd"


def fake_docker(folder: Path) -> dict[str, str]:
    """An environment whose `docker` prints its arguments (and answers `ps` with one task)."""
    script = folder / "docker"
    script.write_text('#!/bin/sh\npython3 -c \'import json,sys; print(json.dumps(sys.argv[1:]))\' "$@"\n')
    script.chmod(0o755)
    return {"PATH": f"{folder}:/usr/bin:/bin", "HOME": "/nowhere"}


def sh(command: str, env: dict[str, str]) -> str:
    return subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True,
                          timeout=30, check=False).stdout


def test_a_command_on_hosts_runs_as_typed_by_sh_under_the_bound(monkeypatch, tmp_path):
    limits: list[float] = []
    hosts = FakeHosts(lambda host, command, stdin: (0, "", "")).install(monkeypatch)
    original = hosts.session

    def session(target, command, stdin, deadline, limit, hold_stdin=False):
        limits.append(limit)
        return original(target, command, stdin, deadline, limit)

    monkeypatch.setattr(ssh_session, "_session", session)
    execute.on_hosts({"manager": MANAGER, "worker": TARGET}, ["worker", "manager"], TYPED)
    assert sorted(hosts.commands) == [("manager", TYPED), ("worker", TYPED)]
    assert limits == [execute.EXEC_SECONDS] * 2
    # What the host runs: the SSH layer's bound around `sh -c` and the command as typed.
    ran = sh(ssh_session.bounded(TYPED, execute.EXEC_SECONDS), {"PATH": "/usr/bin:/bin",
                                                                 "HOME": "/nowhere"})
    assert ran == "/nowhere|$HOME|bq|sub|\n2nd\n"


def test_in_a_task_the_command_is_one_word_under_the_containers_own_timeout(monkeypatch,
                                                                            tmp_path):
    service = "we b;`x`"   # never a lab's (check_service refuses it): quoting, not luck
    hosts = FakeHosts(lambda host, command, stdin: (0, "c0ffee web.1.abc\n", "")
                      if command.startswith("docker ps") else (0, "", "")).install(monkeypatch)
    execute.in_service({"worker": TARGET}, service, TYPED)
    listing, exec_in_task = (command for _, command in hosts.commands)
    env = fake_docker(tmp_path)
    assert json.loads(sh(listing, env)) == [
        "ps", "--format", "{{.ID}} {{.Names}}", "--filter",
        f"label=com.docker.swarm.service.name={service}"]
    assert json.loads(sh(exec_in_task, env)) == [
        "exec", "c0ffee", "timeout", "-k", str(execute.GRACE), str(execute.EXEC_SECONDS),
        "sh", "-c", "--", TYPED]
    # And in the container: as typed, even a leading dash (which the lab tool refuses anyway).
    inside = json.loads(sh(execute.in_task("c0ffee", "-x"), env))
    assert inside[-3:] == ["-c", "--", "-x"]


def test_the_readme_says_what_exec_does():
    row = next(line for line in README.read_text().splitlines()
               if line.startswith("| `make exec "))
    assert "runs under `sh -c`" in row
    assert f"ended after {execute.EXEC_SECONDS} s" in row
    assert "each once" in row


@pytest.mark.parametrize("source", [Source("container", "web1", "manager"),
                                    Source("service", "app", "manager")])
def test_a_probe_in_a_container_is_bounded_inside_it_too(tmp_path, source):
    check = Check("ping", source, target="web2", network="bridge")
    env = {**fake_docker(tmp_path), "TASKS": "app c0ffee"}
    argv = json.loads(sh(probe.command(check), env))
    bound = ["timeout", "-k", str(probe.GRACE), str(probe.limit(check))]
    assert argv[:2] == ["exec", "c0ffee" if source.kind == "service" else "web1"]
    assert argv[2:] == [*bound, *probe.tool_command(check).split()]
