"""modules.docker.swarm exactly: each command line and request body, and leave's polling,
its pauses, its bound and its messages."""

from __future__ import annotations

import json

import pytest

from modules.docker import engine, swarm
from modules.ssh import RemoteError
from tests.support.clock import patch_waiting_time
from tests.support.fakes import TARGET, FakeHosts, answers
from tests.support.http import http
from tests.support.leaving_node import leaving_node

LABEL = "worker (192.168.1.11)"


@pytest.fixture
def clock(monkeypatch):
    return patch_waiting_time(monkeypatch, now=1000.0)


def test_info_is_the_swarm_section(monkeypatch):
    hosts = FakeHosts(answers({}, (0, '{"LocalNodeState": "active"}\n', ""))).install(monkeypatch)
    assert swarm.info(TARGET) == {"LocalNodeState": "active"}
    assert hosts.ran() == ["docker info --format '{{json .Swarm}}'"]


def test_init_listens_on_the_advertised_address(monkeypatch):
    hosts = FakeHosts(answers({})).install(monkeypatch)
    swarm.init(TARGET, "192.168.1.10")
    assert hosts.ran() == ["docker swarm init --advertise-addr 192.168.1.10 "
                           "--listen-addr 192.168.1.10:2377"]


def test_join_defaults_to_active_within_a_minute(monkeypatch):
    hosts = FakeHosts(lambda h, c, s: (0, http(200, ""), "")).install(monkeypatch)
    swarm.join(TARGET, "tok", "192.168.1.11", "192.168.1.10")
    assert hosts.limits == [60]
    assert hosts.stdins == [engine._request("POST", "/swarm/join", {
        "ListenAddr": "192.168.1.11:2377", "AdvertiseAddr": "192.168.1.11",
        "RemoteAddrs": ["192.168.1.10:2377"], "JoinToken": "tok", "Availability": "active"})]


def test_join_takes_its_timeout(monkeypatch):
    hosts = FakeHosts(lambda h, c, s: (0, http(200, ""), "")).install(monkeypatch)
    swarm.join(TARGET, "tok", "a", "b", timeout=5)
    assert hosts.limits == [5]


def _join_timed_out_then(states: list[str], error: str = ""):
    """dockerd's answer to a join that outlived its own timeout, then `docker info`'s state."""
    said = iter(states)

    def handle(host, command, stdin):
        if command == "docker system dial-stdio":
            return 0, http(500, json.dumps({"message": swarm.JOIN_GOES_ON + ". The attempt to "
                                            "join the swarm will continue in the background."})), ""
        return 0, json.dumps({"LocalNodeState": next(said), "Error": error}), ""
    return handle


def test_a_join_dockerd_goes_on_with_is_waited_for(monkeypatch, clock):
    hosts = FakeHosts(_join_timed_out_then(["pending", "pending", "active"])).install(monkeypatch)
    swarm.join(TARGET, "tok", "192.168.1.11", "192.168.1.10")
    assert hosts.ran() == ["docker system dial-stdio"] + [
        "docker info --format '{{json .Swarm}}'"] * 3
    assert clock.slept == [0.1, 0.2]


def test_a_join_that_fails_in_the_background_says_why(monkeypatch, clock):
    FakeHosts(_join_timed_out_then(["pending", "error"], "manager refused")).install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        swarm.join(TARGET, "tok", "192.168.1.11", "192.168.1.10")
    assert str(caught.value) == (f"{LABEL}: the join dockerd went on with in the background "
                                 "ended error: manager refused")


def test_a_join_still_pending_after_the_timeout_is_an_error(monkeypatch, clock):
    FakeHosts(_join_timed_out_then(["pending"] * 100)).install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        swarm.join(TARGET, "tok", "192.168.1.11", "192.168.1.10", timeout=5)
    assert str(caught.value) == (f"{LABEL}: still pending 5s after dockerd's own join timeout; "
                                 "see its log")


def test_other_join_refusals_are_raised_at_once(monkeypatch, clock):
    FakeHosts(lambda h, c, s: (0, http(400, '{"message": "invalid join token"}'), "")
              ).install(monkeypatch)
    with pytest.raises(RemoteError, match="invalid join token"):
        swarm.join(TARGET, "tok", "192.168.1.11", "192.168.1.10")
    assert clock.slept == []


def test_unlock_sends_the_key_in_the_body(monkeypatch):
    hosts = FakeHosts(lambda h, c, s: (0, http(200, ""), "")).install(monkeypatch)
    swarm.unlock(TARGET, "SWMKEY-1-abc")
    assert hosts.ran() == ["docker system dial-stdio"]
    assert hosts.stdins == [engine._request("POST", "/swarm/unlock", {"UnlockKey": "SWMKEY-1-abc"})]


def test_unlock_raises_the_daemons_refusal(monkeypatch):
    FakeHosts(lambda h, c, s: (0, http(500, {"message": "invalid key"}), "")).install(monkeypatch)
    with pytest.raises(RemoteError, match="invalid key"):
        swarm.unlock(TARGET, "k")


def test_tokens_and_keys(monkeypatch):
    hosts = FakeHosts(answers({}, (0, " SWMTKN-x \n", ""))).install(monkeypatch)
    assert swarm.join_token(TARGET, "worker") == "SWMTKN-x"
    swarm.rotate_join_token(TARGET, "manager")
    assert swarm.unlock_key(TARGET) == "SWMTKN-x"
    assert hosts.ran() == ["docker swarm join-token -q worker",
                           "docker swarm join-token --rotate -q manager",
                           "docker swarm unlock-key -q"]


@pytest.mark.parametrize(("settings", "command"), [
    (swarm.SwarmSettings(), "docker swarm update --autolock=false"),
    (swarm.SwarmSettings(autolock=True), "docker swarm update --autolock=true"),
    (swarm.SwarmSettings(cert_expiry="720h"),
     "docker swarm update --autolock=false --cert-expiry 720h"),
])
def test_update(monkeypatch, settings, command):
    hosts = FakeHosts(answers({})).install(monkeypatch)
    swarm.update(TARGET, settings)
    assert hosts.ran() == [command]


def test_swarm_settings_default_to_dockers():
    assert swarm.SwarmSettings() == swarm.SwarmSettings(autolock=False, cert_expiry="")
    assert swarm.QUIET_POLLS == 4


def _leaving(state: str = "inactive", leave: tuple[int, str, str] = (0, "", ""),
             ps: str = "") -> FakeHosts:
    return FakeHosts(answers({
        "docker swarm leave": leave,
        "docker ps": (0, ps, ""),
        "docker info": (0, json.dumps({"LocalNodeState": state}), ""),
    }))


def test_a_clean_leave_polls_half_a_second_apart(monkeypatch, clock):
    hosts = _leaving().install(monkeypatch)
    assert swarm.leave(TARGET) == []
    assert hosts.ran()[:3] == ["docker swarm leave --force",
                               "docker ps -aq --filter label=com.docker.swarm.task.id",
                               "docker info --format '{{json .Swarm}}'"]
    assert clock.slept == [0.5] * (swarm.QUIET_POLLS - 1)


def test_a_node_in_no_swarm_leaves_quietly(monkeypatch, clock):
    _leaving(leave=(1, "", "Error response from daemon: This node is not part of a swarm")
             ).install(monkeypatch)
    assert swarm.leave(TARGET) == []


def test_another_leave_error_is_raised(monkeypatch, clock):
    hosts = _leaving(leave=(1, "", "Error response from daemon: permission denied")
                     ).install(monkeypatch)
    with pytest.raises(RemoteError, match="permission denied"):
        swarm.leave(TARGET)
    assert hosts.ran() == ["docker swarm leave --force"]


def test_a_node_that_stays_in_the_swarm_is_reported_after_30s(monkeypatch, clock):
    _leaving(state="pending").install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        swarm.leave(TARGET)
    assert str(caught.value) == (f"{LABEL}: still pending 30s after `docker swarm leave --force`")
    assert clock.slept == [0.5] * 60


def test_a_missing_state_reads_as_none(monkeypatch, clock):
    FakeHosts(answers({"docker ps": (0, "", ""), "docker info": (0, "{}", "")})).install(monkeypatch)
    with pytest.raises(RemoteError, match=r": still None 2s after"):
        swarm.leave(TARGET, timeout=2)


def test_an_active_then_inactive_node_needs_quiet_polls_in_a_row(monkeypatch, clock):
    states = iter(["inactive", "inactive", "active"] + ["inactive"] * 10)

    def handle(host: str, command: str, stdin: bytes | None) -> tuple[int, str, str]:
        if command.startswith("docker info"):
            return 0, json.dumps({"LocalNodeState": next(states)}), ""
        return 0, "", ""

    hosts = FakeHosts(handle).install(monkeypatch)
    assert swarm.leave(TARGET) == []
    assert len(hosts.ran("docker info")) == 3 + swarm.QUIET_POLLS


def test_a_task_container_between_quiet_polls_starts_the_count_again(monkeypatch, clock):
    hosts = FakeHosts(leaving_node(["", "", "", "late", "", "", "", "", "", ""])).install(monkeypatch)
    assert swarm.leave(TARGET) == ["late"]
    assert len(hosts.ran("docker info")) == 3 + swarm.QUIET_POLLS
    assert hosts.ran("docker rm") == ["docker rm --force -- late"]


def test_containers_that_never_go_are_reported(monkeypatch, clock):
    hosts = _leaving(ps="aaa\nb'b\n").install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        swarm.leave(TARGET, timeout=1)
    assert str(caught.value) == (f"{LABEL}: task containers still there 1s after "
                                 "`docker swarm leave`: aaa b'b")
    assert hosts.ran("docker rm")[0] == "docker rm --force -- aaa 'b'\"'\"'b'"


def test_each_removed_container_is_reported_once(monkeypatch, clock):
    FakeHosts(leaving_node(["a\nb", "b\nc", "", "", "", ""])).install(monkeypatch)
    assert swarm.leave(TARGET) == ["a", "b", "c"]


def test_removal_failures_are_each_named(monkeypatch, clock):
    _leaving(ps="a\nb").install(monkeypatch)
    monkeypatch.setattr(swarm, "run", lambda target, command, check: type(
        "R", (), {"stderr": "Error: a: already in progress\nbad one\nNo such container: b\nbad two\n"})())
    with pytest.raises(RemoteError) as caught:
        swarm.leave(TARGET)
    assert str(caught.value) == (f"{LABEL}: task containers left after `docker swarm leave` "
                                 "cannot be removed: bad one; bad two")


def test_removal_is_unchecked(monkeypatch, clock):
    seen = []

    def fake_run(target: object, command: str, check: bool = True) -> object:
        seen.append((command, check))
        return type("R", (), {"stderr": ""})()

    _leaving(ps="a").install(monkeypatch)
    monkeypatch.setattr(swarm, "run", fake_run)
    with pytest.raises(RemoteError, match="still there"):
        swarm.leave(TARGET, timeout=0)
    assert seen == [("docker rm --force -- a", False)]


def test_a_node_with_no_state_is_still_in_a_swarm(monkeypatch, clock):
    _leaving(state="").install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        swarm.leave(TARGET, timeout=1)
    assert str(caught.value) == f"{LABEL}: still in a swarm 1s after `docker swarm leave --force`"
