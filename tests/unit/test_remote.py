"""Retries (sleep patched out), transient-error classification and secret redaction."""

from __future__ import annotations

import json
import threading
import time

import pytest

from modules import dockercli
from modules.remote import RemoteError, Result, Target, TransientError, redact, retry, run

TARGET = Target(name="worker", address="192.168.1.11", user="root", key_file="k",
                known_hosts_file="kh")


def test_retry_retries_transient_errors_a_bounded_number_of_times():
    calls, sleeps = [], []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise TransientError("connection reset by peer")
        return "ok"

    assert retry(flaky, attempts=4, delay=0.5, sleep=sleeps.append) == "ok"
    assert len(calls) == 3
    assert sleeps == [0.5, 1.0]


def test_retry_gives_up_after_the_last_attempt():
    sleeps: list[float] = []

    def always() -> None:
        raise TransientError("i/o timeout")

    with pytest.raises(TransientError):
        retry(always, attempts=3, delay=1.0, sleep=sleeps.append)
    assert sleeps == [1.0, 2.0]


def test_retry_does_not_retry_other_errors():
    calls, sleeps = [], []

    def broken() -> None:
        calls.append(1)
        raise RemoteError("invalid join token")

    with pytest.raises(RemoteError):
        retry(broken, attempts=5, sleep=sleeps.append)
    assert (len(calls), sleeps) == (1, [])


@pytest.mark.parametrize(("stderr", "kind"), [
    ("Error response from daemon: rpc error: code = Unavailable desc = ...", TransientError),
    ("Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?",
     dockercli.DaemonDownError),
    ("Error response from daemon: network myoverlay has active endpoints", TransientError),
    ("Error response from daemon: invalid join token", RemoteError),
])
def test_docker_errors_are_classified(monkeypatch, stderr, kind):
    monkeypatch.setattr(dockercli, "run", lambda *a, **k: Result(1, "", stderr))
    with pytest.raises(RemoteError) as caught:
        dockercli.docker(TARGET, ["swarm", "join"])
    assert type(caught.value) is kind
    assert str(caught.value).startswith("worker (192.168.1.11): `docker swarm join` failed:")


def test_a_stopped_daemon_error_says_what_to_do(monkeypatch):
    monkeypatch.setattr(dockercli, "run", lambda *a, **k: Result(
        1, "", "Cannot connect to the Docker daemon at unix:///x.sock"))
    with pytest.raises(TransientError, match="dockerd is not running on worker: start it"):
        dockercli.docker(TARGET, ["info"])


def test_tokens_and_keys_are_redacted_from_messages(monkeypatch):
    token = "SWMTKN-1-" + "a" * 50 + "-" + "b" * 25
    key = "SWMKEY-1-" + "C" * 43
    assert redact(f"join --token {token} and unlock {key}") == "join --token [secret] and unlock [secret]"
    monkeypatch.setattr(dockercli, "run", lambda *a, **k: Result(1, "", f"bad token {token}"))
    with pytest.raises(RemoteError) as caught:
        dockercli.docker(TARGET, ["swarm", "join", "--token", token, "192.168.1.10:2377"])
    assert "SWMTKN" not in str(caught.value)


def test_the_join_token_travels_on_stdin_not_in_the_command(monkeypatch):
    seen = {}

    def fake_run(target, command, *, stdin=None, check=True, timeout=None):
        seen.update(command=command, stdin=stdin)
        return Result(0, "", "")

    monkeypatch.setattr(dockercli, "run", fake_run)
    dockercli.swarm_join(TARGET, "SWMTKN-1-secret", "192.168.1.11", "192.168.1.10", timeout=5)
    assert "SWMTKN" not in seen["command"] and '--token "$(cat)"' in seen["command"]
    assert seen["stdin"] == "SWMTKN-1-secret"


class LeavingHost:
    """A host after `docker swarm leave`: dockerd is still removing some task containers."""

    def __init__(self, rm_stderr: str) -> None:
        self.containers = ["aaa", "bbb"]
        self.rm_stderr = rm_stderr
        self.commands: list[str] = []

    def run(self, target, command, *, stdin=None, check=True, timeout=None):
        self.commands.append(command)
        if command.startswith("docker ps"):
            return Result(0, "\n".join(self.containers), "")
        if command.startswith("docker rm"):
            stderr, self.rm_stderr = self.rm_stderr, ""
            if not stderr:
                self.containers = []
            return Result(1 if stderr else 0, "", stderr)
        return Result(0, "", "")


def test_leave_waits_for_task_containers_docker_is_already_removing(monkeypatch):
    host = LeavingHost("Error response from daemon: removal of container aaa is already in "
                       "progress\nError: No such container: bbb")
    monkeypatch.setattr(dockercli, "run", host.run)
    monkeypatch.setattr(dockercli.time, "sleep", lambda _: None)
    dockercli.swarm_leave(TARGET)
    assert [c.split()[1] for c in host.commands] == ["swarm", "ps", "rm", "ps", "rm", "ps"]


def test_leave_reports_a_task_container_that_cannot_be_removed(monkeypatch):
    host = LeavingHost("Error response from daemon: container aaa: driver failed")
    monkeypatch.setattr(dockercli, "run", host.run)
    monkeypatch.setattr(dockercli.time, "sleep", lambda _: None)
    with pytest.raises(RemoteError, match="task containers left after `docker swarm leave` "
                       "cannot be removed: Error response from daemon: container aaa: driver"):
        dockercli.swarm_leave(TARGET)


def test_a_rejoined_nodes_old_entries_are_stale_but_a_namesake_elsewhere_is_not(monkeypatch):
    nodes = {  # ID: (hostname, state, address)
        "new": ("worker", "ready", "192.168.1.11"),
        "old-ready": ("worker", "ready", "192.168.1.11"),  # the manager has not noticed yet
        "old-down": ("worker", "down", "192.168.1.11"),
        "namesake": ("worker", "ready", "192.168.1.50"),  # another machine, same hostname
    }

    def fake_run(target, command, *, stdin=None, check=True, timeout=None):
        if command.startswith("docker node ls"):
            return Result(0, "\n".join(nodes), "")
        asked = command.split()[3:]  # docker node inspect ID...: one command for all of them
        return Result(0, json.dumps([{"ID": i, "Description": {"Hostname": nodes[i][0]},
                                      "Status": {"State": nodes[i][1], "Addr": nodes[i][2]}}
                                     for i in asked]), "")

    monkeypatch.setattr(dockercli, "run", fake_run)
    assert dockercli.stale_nodes(TARGET, "worker", "192.168.1.11", "new") == ["old-ready",
                                                                              "old-down"]


@pytest.mark.parametrize(("config_only", "message"), [
    (True, "reference-count leak \\(moby/moby#35101\\)"),
    (False, "network mynetwork is in use"),  # a user's container: not Docker's leak
])
def test_a_network_still_in_use_is_blamed_on_dockers_leak_only_if_config_only(
        monkeypatch, config_only, message):
    def fake_run(target, command, *, stdin=None, check=True, timeout=None):
        if command.startswith("docker network rm"):
            return Result(1, "", "Error response from daemon: network mynetwork is in use")
        if command.startswith("docker network ls"):
            return Result(0, "aaa\n", "")
        if command.startswith("docker network inspect aaa"):
            return Result(0, json.dumps([{"Name": "other", "ConfigFrom": {"Network": ""}}]), "")
        return Result(0, json.dumps({"Name": "mynetwork", "ConfigOnly": config_only}), "")

    monkeypatch.setattr(dockercli, "run", fake_run)
    with pytest.raises(RemoteError, match=message):
        dockercli.network_rm(TARGET, "mynetwork", timeout=0)


def test_a_read_retries_a_dockerd_that_came_back_a_moment_ago(monkeypatch):
    from modules import providers

    answers = [TransientError("worker (192.168.1.11): context deadline exceeded"),
               {"Id": "c1", "Name": "/web1", "State": {"Running": True}}]

    def container_inspect(target, ident):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(providers.d, "container_inspect", container_inspect)
    slept: list[float] = []
    monkeypatch.setattr("modules.remote.time.sleep", slept.append)
    props = {"target": TARGET.as_dict()}
    result = providers.ContainerProvider().read("c1", props)
    assert result.id == "c1" and not answers
    assert slept == [1.0]


def test_a_read_does_not_retry_a_real_error(monkeypatch):
    from modules import providers

    calls = []

    def container_inspect(target, ident):
        calls.append(ident)
        raise RemoteError("worker (192.168.1.11): permission denied")

    monkeypatch.setattr(providers.d, "container_inspect", container_inspect)
    with pytest.raises(RemoteError, match="permission denied"):
        providers.ContainerProvider().read("c1", {"target": TARGET.as_dict()})
    assert calls == ["c1"]


def test_a_read_reports_a_stopped_dockerd_at_once(monkeypatch):
    from modules import providers

    calls = []

    def container_inspect(target, ident):
        calls.append(ident)
        raise dockercli.DaemonDownError("worker (192.168.1.11): Cannot connect to the Docker "
                                        "daemon; dockerd is not running on worker")

    monkeypatch.setattr(providers.d, "container_inspect", container_inspect)
    with pytest.raises(RemoteError, match="dockerd is not running on worker"):
        providers.ContainerProvider().read("c1", {"target": TARGET.as_dict()})
    assert calls == ["c1"]


def test_commands_to_one_host_share_at_most_sessions_per_host_channels(monkeypatch):
    from modules import remote

    open_now, most = [0], [0]
    lock = threading.Lock()

    def session(target, command, stdin, limit):
        with lock:
            open_now[0] += 1
            most[0] = max(most[0], open_now[0])
        time.sleep(0.02)
        with lock:
            open_now[0] -= 1
        return 0, "", ""

    monkeypatch.setattr(remote, "_session", session)
    threads = [threading.Thread(target=run, args=(TARGET, "true")) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == remote.SESSIONS_PER_HOST < 10  # below OpenSSH's default MaxSessions


class RefusingTransport:
    """A live connection whose sshd refuses one more channel (MaxSessions reached)."""

    def is_active(self) -> bool:
        return True

    def open_session(self, timeout=None):
        import paramiko
        raise paramiko.ChannelException(2, "Connect failed")


def test_a_refused_channel_is_transient_and_keeps_the_shared_connection(monkeypatch):
    from modules import remote

    class Client:
        def get_transport(self):
            return RefusingTransport()

    forgotten = []
    monkeypatch.setattr(remote, "_client", lambda target: Client())
    monkeypatch.setattr(remote, "forget", forgotten.append)
    with pytest.raises(TransientError, match=r"worker .* SSH session failed: .*Connect failed"):
        run(TARGET, "docker info")
    assert forgotten == []


def test_a_create_that_finds_the_name_taken_by_another_network_says_so(monkeypatch):
    from modules import providers

    def taken(target, props):
        raise RemoteError("manager (192.168.1.10): network with name myoverlay already exists")

    monkeypatch.setattr(providers.d, "network_create", taken)
    monkeypatch.setattr(providers.d, "network_inspect",
                        lambda target, ident: {"Id": "n1", "Driver": "bridge"})
    with pytest.raises(RemoteError, match="a different network named 'myoverlay' exists"):
        providers.NetworkProvider().create({"target": TARGET.as_dict(), "name": "myoverlay",
                                            "driver": "overlay"})


def test_a_create_that_finds_a_stopped_container_of_that_name_replaces_it(monkeypatch):
    from modules import providers

    commands: list[str] = []
    containers = {"web1": {"Id": "old", "Name": "/web1", "State": {"Running": False}},
                  "new": {"Id": "new", "Name": "/web1", "State": {"Running": True}}}

    def docker(target, args, **_):
        commands.append(args[0])
        if len(commands) == 1:
            raise RemoteError('Conflict. The container name "/web1" is already in use')
        return "new\n"

    monkeypatch.setattr(providers.d, "docker", docker)
    monkeypatch.setattr(providers.d, "container_inspect", lambda t, ident: containers.get(ident))
    monkeypatch.setattr(providers.d, "container_rm",
                        lambda t, ident: commands.append(f"rm {ident}"))
    result = providers.ContainerProvider().create(
        {"target": TARGET.as_dict(), "name": "web1", "image": "busybox", "network": "bridge",
         "command": ["sleep", "1d"]})
    assert result.id == "new"
    assert commands == ["run", "rm old", "run"]
