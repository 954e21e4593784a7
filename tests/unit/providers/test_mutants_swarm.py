"""The swarm init and join providers in detail, against a Docker that answers only the calls
each step must make: every state a node can be found in, the exact calls in their order,
the exact outputs, and the messages of a refusal."""

from __future__ import annotations

import pytest

from modules.docker import container, node, service, snapshot, swarm
from modules.docker.swarm import SwarmSettings
from modules.providers import swarm_init, swarm_join
from modules.ssh import RemoteError, TransientError
from tests.support.fakes import MANAGER, TARGET
from tests.support.strict_docker import Seq

INIT = {"target": MANAGER.as_dict(), "advertise_addr": "192.168.1.10", "autolock": False,
        "cert_expiry": "", "token_rotation": 0}
TOKENS = {"worker": "SWMTKN-1-w", "manager": "SWMTKN-1-m"}


def _info(state: str = "active", control: bool = True, autolock: bool = False,
          expiry: int | None = None, cluster: str = "cl1") -> dict:
    ca = {} if expiry is None else {"NodeCertExpiry": expiry}
    return {"LocalNodeState": state, "ControlAvailable": control, "NodeID": "m1",
            "Cluster": {"ID": cluster, "Spec": {"EncryptionConfig": {"AutoLockManagers": autolock},
                                                "CAConfig": ca}}}


def _snap(info: dict | None = None, nodes: list | None = None, tokens: dict | None = None,
          unanswered: dict | None = None) -> snapshot.Snapshot:
    return snapshot.Snapshot(info=info or {}, networks=[], containers=[], nodes=nodes or [],
                             tokens=tokens or {}, unanswered=unanswered or {})


def _outs(props: dict, **changes: object) -> dict:
    return {**props, "cluster_id": "cl1", "node_id": "m1", "worker_token": "SWMTKN-1-w",
            "manager_token": "SWMTKN-1-m", "unlock_key": "", "autolock_on": False,
            "cert_expiry_ns": 0, **changes}


def _tokens(docker) -> None:
    docker.on(swarm, "join_token", lambda target, role: TOKENS[role])


def test_init_of_a_fresh_node_makes_the_swarm_and_outputs_its_tokens(docker):
    docker.on(swarm, "info", Seq([_info("inactive"), _info()]))
    docker.on(swarm, "init").on(container, "register_names_again").on(node, "wait_ingress")
    _tokens(docker)
    got = swarm_init.SwarmInitProvider().create(dict(INIT))
    assert (got.id, got.outs) == ("cl1", _outs(INIT))
    assert docker.calls == [
        ("snapshot.forget", MANAGER), ("swarm.info", MANAGER),
        ("swarm.init", MANAGER, "192.168.1.10"), ("container.register_names_again", MANAGER),
        ("node.wait_ingress", MANAGER), ("swarm.info", MANAGER),
        ("swarm.join_token", MANAGER, "worker"), ("swarm.join_token", MANAGER, "manager")]


@pytest.mark.parametrize("state", ["pending", "error"])
def test_init_of_a_node_left_half_way_leaves_first(docker, state):
    docker.on(swarm, "info", Seq([_info(state), _info()])).on(swarm, "leave")
    docker.on(swarm, "init").on(container, "register_names_again").on(node, "wait_ingress")
    _tokens(docker)
    swarm_init.SwarmInitProvider().create(dict(INIT))
    assert docker.names()[1:5] == ["swarm.info", "swarm.leave", "swarm.init",
                                   "container.register_names_again"]
    assert docker.calls[2] == ("swarm.leave", MANAGER)


def test_init_of_an_autolocked_swarm_hardens_it_and_outputs_its_unlock_key(docker):
    props = {**INIT, "autolock": True, "cert_expiry": "720h"}
    docker.on(swarm, "info", Seq([_info("inactive"), _info(autolock=True, expiry=7 * 10**9)]))
    docker.on(swarm, "init").on(container, "register_names_again").on(node, "wait_ingress")
    docker.on(swarm, "update").on(swarm, "unlock_key", "SWMKEY-1-k")
    _tokens(docker)
    got = swarm_init.SwarmInitProvider().create(props)
    assert got.outs == _outs(props, unlock_key="SWMKEY-1-k", autolock_on=True,
                             cert_expiry_ns=7 * 10**9)
    assert ("swarm.update", MANAGER, SwarmSettings(True, "720h")) in docker.calls
    assert docker.names().index("swarm.update") == docker.names().index("swarm.init") + 2
    assert docker.calls[-1] == ("swarm.unlock_key", MANAGER)


@pytest.mark.parametrize(("asked", "settings"), [
    ({"autolock": True}, SwarmSettings(True, "")),
    ({"cert_expiry": "48h"}, SwarmSettings(False, "48h")),
])
def test_init_hardens_a_new_swarm_that_asks_for_any_setting(docker, asked, settings):
    docker.on(swarm, "info", Seq([_info("inactive"), _info()]))
    docker.on(swarm, "init").on(container, "register_names_again").on(node, "wait_ingress")
    docker.on(swarm, "update")
    _tokens(docker)
    swarm_init.SwarmInitProvider().create({**INIT, **asked})
    assert ("swarm.update", MANAGER, settings) in docker.calls


def test_init_adopts_the_swarm_its_manager_runs_and_puts_its_settings_back(docker):
    docker.on(swarm, "info", Seq([_info(), _info()])).on(swarm, "update")
    docker.on(node, "wait_ingress")
    _tokens(docker)
    props = {k: v for k, v in INIT.items() if k not in ("autolock", "cert_expiry")}
    got = swarm_init.SwarmInitProvider().create(props)
    assert got.outs == _outs(props)
    assert docker.names() == ["snapshot.forget", "swarm.info", "swarm.update", "node.wait_ingress",
                              "swarm.info", "swarm.join_token", "swarm.join_token"]
    assert docker.calls[2] == ("swarm.update", MANAGER, SwarmSettings(False, ""))


def test_init_retries_a_transient_info(docker):
    docker.on(swarm, "info", Seq([TransientError("busy"), _info("inactive"), _info()]))
    docker.on(swarm, "init").on(container, "register_names_again").on(node, "wait_ingress")
    _tokens(docker)
    assert swarm_init.SwarmInitProvider().create(dict(INIT)).id == "cl1"


@pytest.mark.parametrize(("info", "message"), [
    (_info(control=False), "manager (192.168.1.10) is a worker of another swarm; run `docker swarm "
     "leave --force` on it (or `make destroy`) and `pulumi up` again"),
    ({"LocalNodeState": "active"}, "manager (192.168.1.10) is a worker of another swarm; run "
     "`docker swarm leave --force` on it (or `make destroy`) and `pulumi up` again"),
    (_info("locked"), "manager (192.168.1.10) is a locked swarm manager (autolock); unlock it with "
     "`docker swarm unlock` and the unlockKey output, then `pulumi up` again"),
])
def test_init_refuses_a_node_it_must_not_touch(docker, info, message):
    docker.on(swarm, "info", info)
    with pytest.raises(RemoteError) as caught:
        swarm_init.SwarmInitProvider().create(dict(INIT))
    assert str(caught.value) == message and type(caught.value) is RemoteError
    assert docker.names() == ["snapshot.forget", "swarm.info"]


def test_init_outputs_of_a_swarm_without_a_spec(docker):
    docker.on(swarm, "info", Seq([_info("inactive"), {"Cluster": {"ID": "cl1"}, "NodeID": "m1"}]))
    docker.on(swarm, "init").on(container, "register_names_again").on(node, "wait_ingress")
    _tokens(docker)
    assert swarm_init.SwarmInitProvider().create(dict(INIT)).outs == _outs(INIT)


def test_init_read_reports_the_swarm_and_its_hardening_as_inputs(docker, monkeypatch):
    props = {**INIT, "autolock": False, "cert_expiry": "720h", "token_rotation": 2,
             "worker_token": "old"}
    seen = _snap(_info(autolock=True, expiry=5), tokens=TOKENS)
    monkeypatch.setattr(snapshot, "of", lambda target: seen if target == MANAGER else None)
    docker.on(swarm, "unlock_key", "SWMKEY-1-k")
    provider = swarm_init.SwarmInitProvider()
    read = provider.read("cl1", props)
    assert read.id == "cl1"
    assert read.outs == _outs(props, unlock_key="SWMKEY-1-k", autolock_on=True, cert_expiry_ns=5)
    assert read.inputs == {"target": MANAGER.as_dict(), "advertise_addr": "192.168.1.10",
                           "cert_expiry": "720h", "token_rotation": 2, "autolock": True}
    for info in (_info("inactive"), _info(cluster="other"), {"LocalNodeState": "active"}):
        seen.info = info
        gone = provider.read("cl1", props)
        assert (gone.id, gone.outs) == ("", {})


def test_init_read_waits_for_a_swarm_that_cannot_say_which_it_is(docker, monkeypatch):
    """A manager whose raft has no leader says "active" with an empty cluster ID: read as
    another swarm, the swarm was dropped from the state and destroy never left it."""
    slept: list[float] = []
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", slept.append)
    electing = {**_info(cluster=""), "Error": "rpc error: The swarm does not have a leader."}
    monkeypatch.setattr(snapshot, "of", lambda target: _snap(electing, tokens=TOKENS))
    with pytest.raises(TransientError, match=r"^manager \(192.168.1.10\): the swarm does not "
                       r"say which it is \(no cluster ID\): rpc error: The swarm does not "
                       r"have a leader.$"):
        swarm_init.SwarmInitProvider().read("cl1", INIT)
    assert slept == [1.0, 2.0, 3.0, 4.0]
    monkeypatch.setattr(snapshot, "of", lambda target: _snap(
        _info(), tokens=TOKENS, unanswered={"info": "manager: GET /info answered HTTP 500: x"}))
    with pytest.raises(TransientError, match="GET /info answered HTTP 500"):
        swarm_init.SwarmInitProvider().read("cl1", INIT)


def test_swarm_info_is_settled_only_with_a_cluster_id_on_a_manager():
    assert swarm.settled("m", {"ControlAvailable": False}) == {"ControlAvailable": False}
    assert swarm.settled("m", {}) == {}
    found = {"ControlAvailable": True, "Cluster": {"ID": "c"}}
    assert swarm.settled("m", found) is found
    for info in ({"ControlAvailable": True}, {"ControlAvailable": True, "Cluster": None},
                 {"ControlAvailable": True, "Cluster": {"ID": ""}}):
        with pytest.raises(TransientError, match="^m: the swarm does not say which it is "
                           r"\(no cluster ID\): no error given$"):
            swarm.settled("m", info)


def test_init_update_hardens_and_rotates_tokens_only_when_asked(docker):
    docker.on(swarm, "update").on(swarm, "rotate_join_token").on(swarm, "info", _info())
    _tokens(docker)
    provider = swarm_init.SwarmInitProvider()
    news = {**INIT, "cert_expiry": "24h"}
    got = provider.update("cl1", dict(INIT), news)
    assert got.outs == _outs(news)
    assert docker.calls[:3] == [("snapshot.forget", MANAGER),
                                ("swarm.update", MANAGER, SwarmSettings(False, "24h")),
                                ("swarm.info", MANAGER)]
    docker.calls.clear()
    provider.update("cl1", {**INIT, "token_rotation": 1.0}, {**INIT, "token_rotation": 2})
    assert docker.calls[:4] == [("snapshot.forget", MANAGER),
                                ("swarm.update", MANAGER, SwarmSettings(False, "")),
                                ("swarm.rotate_join_token", MANAGER, "worker"),
                                ("swarm.rotate_join_token", MANAGER, "manager")]
    docker.calls.clear()
    provider.update("cl1", {**INIT, "token_rotation": None}, {**INIT, "token_rotation": 0})
    provider.update("cl1", {**INIT, "token_rotation": 1}, {**INIT, "token_rotation": 1.0})
    assert "swarm.rotate_join_token" not in docker.names()
    provider.update("cl1", {k: v for k, v in INIT.items() if k != "token_rotation"},
                    {**INIT, "token_rotation": 1})
    assert docker.names().count("swarm.rotate_join_token") == 2


def test_init_diff_and_delete(docker):
    docker.on(swarm, "leave")
    provider = swarm_init.SwarmInitProvider()
    provider.delete("cl1", INIT)
    assert docker.calls == [("snapshot.forget", MANAGER), ("swarm.leave", MANAGER)]
    for key, replaces in (("target", ["target"]), ("advertise_addr", ["advertise_addr"]),
                          ("autolock", []), ("cert_expiry", []), ("token_rotation", [])):
        got = provider.diff("cl1", INIT, {**INIT, key: "x"})
        assert (got.changes, got.replaces) == (True, replaces), key
    assert provider.diff("cl1", INIT, {**INIT, "worker_token": "x"}).changes is False


# --- join ------------------------------------------------------------------------------------

JOIN = {"target": TARGET.as_dict(), "manager": MANAGER.as_dict(), "token": "SWMTKN-1-w",
        "advertise_addr": "192.168.1.11", "manager_addr": "192.168.1.10", "role": "worker"}
READY = {"ID": "w1", "Description": {"Hostname": "worker"}, "Status": {"State": "ready"}}
JOINED = {k: v for k, v in JOIN.items() if k != "token"}


def _joins(docker, first: dict, stale: list[str] | None = None,
           held: list[tuple[str, int]] | None = None) -> None:
    docker.on(swarm, "info", Seq([first, {"LocalNodeState": "active", "NodeID": "w1"}]))
    docker.on(swarm, "leave").on(node, "wait_gossip_port_free").on(swarm, "join")
    docker.on(container, "register_names_again").on(node, "wait_ready", READY)
    docker.on(node, "wait_gossip").on(node, "stale", stale or []).on(node, "set_availability")
    docker.on(service, "pinned_to", held or []).on(service, "scale")
    docker.on(service, "wait_running").on(node, "rm")


def test_a_fresh_node_joins_drained_and_is_then_let_in(docker):
    _joins(docker, {"LocalNodeState": "inactive", "NodeID": ""})
    got = swarm_join.SwarmJoinProvider().create(dict(JOIN))
    assert (got.id, got.outs) == ("w1", {**JOINED, "node_id": "w1", "hostname": "worker",
                                         "state": "ready"})
    assert docker.calls == [
        ("snapshot.forget", TARGET), ("snapshot.forget", MANAGER), ("swarm.info", TARGET),
        ("node.wait_gossip_port_free", TARGET),
        ("swarm.join", TARGET, "SWMTKN-1-w", "192.168.1.11", "192.168.1.10",
         {"availability": "drain"}),
        ("container.register_names_again", TARGET), ("swarm.info", TARGET),
        ("node.wait_ready", MANAGER, "w1"), ("node.wait_gossip", MANAGER, TARGET),
        ("node.stale", MANAGER, "worker", "192.168.1.11", "w1"),
        ("service.pinned_to", MANAGER, "worker"),
        ("node.set_availability", MANAGER, "w1", "active")]


@pytest.mark.parametrize("state", ["pending", "error", "locked"])
def test_a_node_left_half_way_leaves_before_it_joins(docker, state):
    _joins(docker, {"LocalNodeState": state})
    swarm_join.SwarmJoinProvider().create(dict(JOIN))
    assert docker.names()[2:6] == ["swarm.info", "swarm.leave", "node.wait_gossip_port_free",
                                   "swarm.join"]
    assert docker.calls[3] == ("swarm.leave", TARGET)


def test_a_node_already_in_this_swarm_is_kept_as_it_is(docker):
    _joins(docker, {"LocalNodeState": "active", "NodeID": "w1"})
    docker.on(node, "node_inspect", READY)
    got = swarm_join.SwarmJoinProvider().create(dict(JOIN))
    assert got.id == "w1"
    names = docker.names()
    assert "swarm.join" not in names and "container.register_names_again" not in names
    assert docker.calls[3] == ("node.node_inspect", MANAGER, "w1")


@pytest.mark.parametrize(("info", "inspected"), [
    ({"LocalNodeState": "active", "NodeID": "x9"}, [None]),
    ({"LocalNodeState": "active", "NodeID": ""}, []),
    ({"LocalNodeState": "active"}, []),
])
def test_a_node_in_another_swarm_is_refused(docker, info, inspected):
    docker.on(swarm, "info", info).on(node, "node_inspect", None)
    with pytest.raises(RemoteError) as caught:
        swarm_join.SwarmJoinProvider().create(dict(JOIN))
    assert str(caught.value) == ("worker (192.168.1.11) is already in another swarm; run `docker "
                                 "swarm leave --force` on worker and `pulumi up` again")
    assert type(caught.value) is RemoteError
    assert [c for c in docker.calls if c[0] == "node.node_inspect"] == [
        ("node.node_inspect", MANAGER, "x9") for _ in inspected]


def test_a_join_is_tried_three_times_a_second_more_apart(docker, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", slept.append)
    docker.on(swarm, "info", {"LocalNodeState": "inactive"}).on(node, "wait_gossip_port_free")
    docker.on(swarm, "join", TransientError("i/o timeout"))
    with pytest.raises(TransientError):
        swarm_join.SwarmJoinProvider().create(dict(JOIN))
    assert docker.names().count("swarm.join") == 3 and slept == [1.0, 2.0]


def test_a_rejoined_node_gets_its_pinned_services_back_one_by_one_and_loses_its_old_entry(docker):
    _joins(docker, {"LocalNodeState": "inactive"}, stale=["old1", "old2"],
           held=[("s1", 2), ("s2", 1)])
    swarm_join.SwarmJoinProvider().create(dict(JOIN))
    tail = docker.calls[docker.names().index("node.stale") + 1:]
    assert tail == [
        ("node.set_availability", MANAGER, "old1", "drain"),
        ("node.set_availability", MANAGER, "old2", "drain"),
        ("service.pinned_to", MANAGER, "worker"),
        ("service.scale", MANAGER, "s1", 0), ("service.scale", MANAGER, "s2", 0),
        ("node.set_availability", MANAGER, "w1", "active"),
        ("service.scale", MANAGER, "s1", 2), ("service.wait_running", MANAGER, "s1", 2),
        ("service.scale", MANAGER, "s2", 1), ("service.wait_running", MANAGER, "s2", 1),
        ("node.rm", MANAGER, "old1"), ("node.rm", MANAGER, "old2")]


def test_join_read_reports_the_node_state_and_no_token(docker, monkeypatch):
    seen = {"worker": _snap({"LocalNodeState": "active", "NodeID": "w1"}),
            "manager": _snap(nodes=[{"ID": "w1", "Status": {"State": "down"}}])}
    monkeypatch.setattr(snapshot, "of", lambda target: seen[target.name])
    provider = swarm_join.SwarmJoinProvider()
    read = provider.read("w1", JOIN)
    assert (read.id, read.outs) == ("w1", {**JOINED, "state": "down"})
    assert provider.read("w9", JOIN).id == ""
    for info in ({"LocalNodeState": "inactive", "NodeID": "w1"}, {"NodeID": "w1"}):
        seen["worker"].info = info
        gone = provider.read("w1", JOIN)
        assert (gone.id, gone.outs) == ("", {})
    seen["worker"].info = {"LocalNodeState": "active", "NodeID": "w2"}
    gone = provider.read("w2", JOIN)
    assert (gone.id, gone.outs) == ("", {})


def test_join_read_waits_for_a_node_that_is_reconnecting(docker, monkeypatch):
    """A node whose dockerd came back while the swarm elects says "pending": read as gone, a
    refresh dropped it from the state and `pulumi destroy` left it in the swarm."""
    slept: list[float] = []
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", slept.append)
    infos = iter([{"LocalNodeState": "pending", "NodeID": "w1"}] * 2
                 + [{"LocalNodeState": "active", "NodeID": "w1"}])
    seen = {"worker": _snap(),
            "manager": _snap(nodes=[{"ID": "w1", "Status": {"State": "ready"}}])}

    def of(target):
        if target.name == "worker":
            seen["worker"].info = next(infos)
        return seen[target.name]
    monkeypatch.setattr(snapshot, "of", of)
    read = swarm_join.SwarmJoinProvider().read("w1", JOIN)
    assert (read.id, read.outs["state"], slept) == ("w1", "ready", [1.0, 2.0])
    monkeypatch.setattr(snapshot, "of", lambda target: _snap(
        {"LocalNodeState": "pending", "NodeID": "w1"}))
    with pytest.raises(RemoteError, match=r"worker \(192.168.1.11\): still reconnecting to its "
                       r"swarm \(pending\)"):
        swarm_join.SwarmJoinProvider().read("w1", JOIN)
    # Another node's pending is not this one's.
    monkeypatch.setattr(snapshot, "of", lambda target: _snap(
        {"LocalNodeState": "pending", "NodeID": "w2"}))
    assert swarm_join.SwarmJoinProvider().read("w1", JOIN).id == ""


def test_join_delete_leaves_patiently_then_removes_the_node(docker, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", slept.append)
    busy = TransientError("context deadline exceeded")
    docker.on(swarm, "leave", Seq([busy, busy, busy, busy, []])).on(node, "rm")
    swarm_join.SwarmJoinProvider().delete("w1", JOIN)
    assert slept == [1.0, 2.0, 3.0, 4.0]
    assert docker.calls[-2:] == [("swarm.leave", TARGET), ("node.rm", MANAGER, "w1")]
    assert docker.calls[:2] == [("snapshot.forget", TARGET), ("snapshot.forget", MANAGER)]


def test_a_manager_is_demoted_through_the_leader_before_it_leaves(docker):
    # Managers leaving with --force at once took the raft quorum with them: the leader then
    # removed no node ("node lost leader status"), and a 3-manager `pulumi destroy` failed.
    docker.on(node, "demote").on(swarm, "leave", []).on(node, "rm")
    swarm_join.SwarmJoinProvider().delete("m2", {**JOIN, "role": "manager"})
    assert docker.calls[-3:] == [("node.demote", MANAGER, "m2"), ("swarm.leave", TARGET),
                                 ("node.rm", MANAGER, "m2")]
    docker.calls.clear()
    swarm_join.SwarmJoinProvider().delete("w1", JOIN)
    assert "node.demote" not in docker.names()


def test_join_diff_ignores_a_rotated_token():
    provider = swarm_join.SwarmJoinProvider()
    assert provider.diff("w1", JOIN, {**JOIN, "token": "SWMTKN-1-new"}).changes is False
    for key in ("target", "manager", "advertise_addr", "manager_addr", "role"):
        got = provider.diff("w1", JOIN, {**JOIN, key: "x"})
        assert (got.changes, got.replaces) == (True, [key])


def test_join_delete_gives_up_after_five_tries(docker, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", slept.append)
    docker.on(swarm, "leave", TransientError("context deadline exceeded")).on(node, "rm")
    with pytest.raises(TransientError):
        swarm_join.SwarmJoinProvider().delete("w1", JOIN)
    assert docker.names().count("swarm.leave") == 5 and "node.rm" not in docker.names()


def test_join_says_whether_it_joined(docker):
    docker.on(swarm, "info", {"LocalNodeState": "active", "NodeID": "w1"})
    docker.on(node, "node_inspect", READY)
    assert swarm_join.SwarmJoinProvider()._join(JOIN, TARGET, MANAGER) is False
    docker.on(swarm, "info", {"LocalNodeState": "inactive"}).on(node, "wait_gossip_port_free")
    docker.on(swarm, "join")
    assert swarm_join.SwarmJoinProvider()._join(JOIN, TARGET, MANAGER) is True
