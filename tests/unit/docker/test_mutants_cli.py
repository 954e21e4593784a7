"""modules.docker.cli exactly: the command line sent, how each daemon error is classified and
worded, what counts as "not found", and inspect/remove around it."""

from __future__ import annotations

import json

import pytest

from modules.docker import cli
from modules.ssh import RemoteError, TransientError
from tests.support.fakes import TARGET, FakeHosts, answers

LABEL = "worker (192.168.1.11)"


@pytest.mark.parametrize("marker", [m for m in cli.TRANSIENT_MARKERS
                                    if m != "Cannot connect to the Docker daemon"])
def test_each_transient_marker_makes_a_transient_error_with_no_hint(marker):
    err = cli.classify(TARGET, "docker x", f"Error: {marker} here")
    assert type(err) is TransientError
    assert str(err) == f"{LABEL}: `docker x` failed: Error: {marker} here"


@pytest.mark.parametrize("marker", cli.DAEMON_DOWN)
def test_each_daemon_down_marker_is_a_daemon_down_error_with_the_hint(marker):
    err = cli.classify(TARGET, "docker info", f"x {marker} y")
    assert type(err) is cli.DaemonDownError
    assert str(err) == (f"{LABEL}: `docker info` failed: x {marker} y; dockerd is not running on "
                        "worker: start it (one-box hosts: `python -m hosts up`) and run "
                        "`pulumi up` again")


def test_the_daemon_markers_are_exact():
    assert cli.TRANSIENT_MARKERS == (
        "rpc error: code = Unavailable", "rpc error: code = DeadlineExceeded",
        "context deadline exceeded", "connection reset by peer", "i/o timeout",
        "Cannot connect to the Docker daemon", "update out of sequence", "has active endpoints",
        "node lost leader status", "does not have a leader")
    assert cli.DAEMON_DOWN == ("Cannot connect to the Docker daemon",
                               "failed to open the raw stream connection")


def test_another_error_is_a_plain_remote_error_and_secrets_are_redacted():
    token = "SWMTKN-1-" + "a" * 50
    err = cli.classify(TARGET, f"docker swarm join --token {token}", f"bad {token}")
    assert type(err) is RemoteError
    assert str(err) == f"{LABEL}: `docker swarm join --token [secret]` failed: bad [secret]"


def test_the_command_line_quotes_every_argument():
    assert cli.command_line(["network", "create", "a b", "--", "x;y"]) == \
        "docker network create 'a b' -- 'x;y'"
    assert cli.command_line([]) == "docker "


def test_docker_sends_the_command_stdin_and_timeout_and_returns_stdout(monkeypatch):
    hosts = FakeHosts(answers({}, (0, " out\n", "warn"))).install(monkeypatch)
    assert cli.docker(TARGET, ["info"], stdin="body", timeout=7) == " out\n"
    assert hosts.commands == [("worker", "docker info")]
    assert hosts.stdins == [b"body"]
    assert hosts.limits == [7]


def test_docker_without_a_timeout_takes_the_hosts(monkeypatch):
    hosts = FakeHosts(answers({}, (0, "", ""))).install(monkeypatch)
    cli.docker(TARGET, ["info"])
    assert hosts.limits == [TARGET.command_timeout]
    assert hosts.stdins == [None]


def test_a_failure_is_classified_from_stderr_else_stdout(monkeypatch):
    FakeHosts(answers({}, (1, "rpc error: code = Unavailable\n", "  \n"))).install(monkeypatch)
    with pytest.raises(TransientError) as caught:
        cli.docker(TARGET, ["node", "ls"])
    assert str(caught.value) == f"{LABEL}: `docker node ls` failed: rpc error: code = Unavailable"


def test_stderr_wins_over_stdout(monkeypatch):
    FakeHosts(answers({}, (1, "the out", " the err \n"))).install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        cli.docker(TARGET, ["ps"])
    assert str(caught.value) == f"{LABEL}: `docker ps` failed: the err"


def test_unchecked_failure_returns_stdout(monkeypatch):
    FakeHosts(answers({}, (1, "partial", "boom"))).install(monkeypatch)
    assert cli.docker(TARGET, ["ps"], check=False) == "partial"


def test_json_lines_skips_blank_lines():
    assert cli.json_lines('{"a": 1}\n\n  \n{"b": 2}\n') == [{"a": 1}, {"b": 2}]
    assert cli.json_lines("") == []


@pytest.mark.parametrize(("message", "expected"), [
    ("Error: No such network: x", True),
    ("service x NOT FOUND", True),
    ("This node is not a swarm manager.", True),
    ("This Node Is Not A Swarm Manager", True),
    ("permission denied", False),
    ("not a swarm", False),
])
def test_not_found(message, expected):
    assert cli.not_found(RemoteError(message)) is expected


def test_inspect_returns_the_document(monkeypatch):
    hosts = FakeHosts(answers({}, (0, '{"Id": "n1"}\n', ""))).install(monkeypatch)
    assert cli.inspect(TARGET, "network", "n1") == {"Id": "n1"}
    assert hosts.ran() == ["docker network inspect --format '{{json .}}' -- n1"]


def test_inspect_raises_what_is_not_a_missing_object(monkeypatch):
    FakeHosts(answers({}, (1, "", "permission denied"))).install(monkeypatch)
    with pytest.raises(RemoteError, match="permission denied"):
        cli.inspect(TARGET, "node", "x")


def test_inspect_all_of_nothing_runs_nothing(monkeypatch):
    hosts = FakeHosts(answers({}, (0, "[1]", ""))).install(monkeypatch)
    assert cli.inspect_all(TARGET, "node", []) == []
    assert hosts.commands == []


def test_inspect_all_is_one_unchecked_command(monkeypatch):
    docs = [{"ID": "a"}, {"ID": "b"}]
    hosts = FakeHosts(answers({}, (1, json.dumps(docs), "Error: No such node: c"))
                      ).install(monkeypatch)
    assert cli.inspect_all(TARGET, "node", ["a", "b", "c"]) == docs
    assert hosts.ran() == ["docker node inspect -- a b c"]


def test_inspect_all_with_no_output_is_empty(monkeypatch):
    FakeHosts(answers({}, (1, "", "Error: No such node: c"))).install(monkeypatch)
    assert cli.inspect_all(TARGET, "node", ["c"]) == []


def test_remove_of_a_missing_object_is_done(monkeypatch):
    hosts = FakeHosts(answers({}, (1, "", "Error: No such container: x"))).install(monkeypatch)
    cli.remove(TARGET, ["rm", "--", "x"])
    assert hosts.ran() == ["docker rm -- x"]


def test_remove_raises_another_error(monkeypatch):
    FakeHosts(answers({}, (1, "", "device busy"))).install(monkeypatch)
    with pytest.raises(RemoteError, match="device busy"):
        cli.remove(TARGET, ["rm", "--", "x"])
