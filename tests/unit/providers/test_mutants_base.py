"""modules.providers.base in detail: the inputs each resource registers, which methods drop
the hosts' snapshots, how reads settle, how a create adopts, and what a diff says."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from pulumi.dynamic import ResourceProvider

from modules.docker import snapshot
from modules.docker.cli import DaemonDownError
from modules.docker.container import ContainerSettings
from modules.docker.network import NetworkSettings
from modules.docker.service import ServiceSettings
from modules.providers import base, container, network, preflight, readiness, service, swarm_init, swarm_join
from modules.ssh import RemoteError, TransientError
from tests.support.fakes import MANAGER, TARGET


@pytest.fixture()
def registered(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """What each LabResource hands to pulumi's Resource."""
    seen: list[tuple[Any, ...]] = []

    def init(self, provider, name, props, opts=None):
        seen.append((type(provider), name, props, opts))

    monkeypatch.setattr(pulumi.dynamic.Resource, "__init__", init)
    return seen


def test_each_resource_registers_its_inputs_and_its_outputs_as_none(registered):
    web1 = ContainerSettings("web1", "busybox", "bridge", ["sleep", "1d"], init=False)
    opts = [pulumi.ResourceOptions(protect=True) for _ in range(5)]
    container.Container("c", TARGET, web1, "net-id", opts[0])
    net = NetworkSettings("n", driver="overlay", subnet="10.0.5.0/24")
    network.Network("n", MANAGER, net, opts[1])
    web = ServiceSettings("web", "img", ["httpd"], replicas=2)
    service.Service("s", MANAGER, web, ["n1", "n2"], opts[2])
    preflight.Preflight("p", {"manager": MANAGER}, {"manager": "manager"}, "eth0",
                        {"manager": ["img"]}, opts[3])
    readiness.Readiness("r", {"worker": TARGET}, [[{"kind": "ping"}]], 60, opts[4])
    assert [r[3] for r in registered] == opts and all(r[3] is o for r, o in zip(registered, opts,
                                                                                 strict=True))
    (c_type, c_name, c_props, _), *rest = registered
    assert (c_type, c_name) == (container.ContainerProvider, "c")
    assert c_props == {"target": TARGET.as_dict(), "name": "web1", "image": "busybox",
                       "network": "net-id", "command": ["sleep", "1d"], "init": False,
                       "container_id": None, "addresses": None}
    assert rest[0][:2] == (network.NetworkProvider, "n")
    assert rest[0][2] == {"target": MANAGER.as_dict(),
                          **{k: getattr(net, k) for k in net.__dataclass_fields__},
                          **dict.fromkeys(base.output_names(network.Network))}
    assert rest[1][:2] == (service.ServiceProvider, "s")
    assert rest[1][2] == {"target": MANAGER.as_dict(),
                          **{k: getattr(web, k) for k in web.__dataclass_fields__},
                          "networks": ["n1", "n2"], "service_id": None, "tasks": None}
    assert rest[2][:3] == (preflight.PreflightProvider, "p", {
        "targets": {"manager": MANAGER.as_dict()}, "roles": {"manager": "manager"},
        "parent": "eth0", "images": {"manager": ["img"]}, "hosts_checked": None})
    assert rest[3][:3] == (readiness.ReadinessProvider, "r", {
        "targets": {"worker": TARGET.as_dict()}, "checks": [[{"kind": "ping"}]], "timeout": 60,
        "ready": True, "passed": None, "skipped": None})


def test_the_swarm_init_registers_its_secrets_as_secret_outputs(registered):
    mine = pulumi.ResourceOptions(protect=True)
    swarm_init.SwarmInit("init", MANAGER, "192.168.1.10", {"autolock": True}, mine)
    (kind, name, props, opts), = registered
    assert (kind, name) == (swarm_init.SwarmInitProvider, "init")
    assert props == {"target": MANAGER.as_dict(), "advertise_addr": "192.168.1.10",
                     "autolock": True, "cluster_id": None, "node_id": None, "worker_token": None,
                     "manager_token": None, "unlock_key": None, "autolock_on": None,
                     "cert_expiry_ns": None}
    assert opts.additional_secret_outputs == ["worker_token", "manager_token", "unlock_key"]
    assert opts.protect is True


def test_a_join_registers_its_token_as_a_secret(registered, monkeypatch):
    monkeypatch.setattr(pulumi.Output, "secret", staticmethod(lambda value: ("secret", value)))
    swarm_join.SwarmJoin("j", TARGET, MANAGER, "tok", "192.168.1.11", "192.168.1.10", "worker")
    (kind, name, props, opts), = registered
    assert (kind, name, opts) == (swarm_join.SwarmJoinProvider, "j", None)
    assert props == {"target": TARGET.as_dict(), "manager": MANAGER.as_dict(),
                     "token": ("secret", "tok"), "advertise_addr": "192.168.1.11",
                     "manager_addr": "192.168.1.10", "role": "worker", "node_id": None,
                     "hostname": None, "state": None}


def test_settings_inputs_and_target_of():
    web1 = ContainerSettings("web1", "busybox", "bridge")
    assert base.settings_inputs(web1, network="n9", extra=1) == {
        "name": "web1", "image": "busybox", "network": "n9", "command": [], "init": True,
        "extra": 1}
    props = {"target": TARGET.as_dict(), "manager": MANAGER.as_dict()}
    assert base.target_of(props) == TARGET
    assert base.target_of(props, "manager") == MANAGER


class Recorder(ResourceProvider):
    def __init__(self) -> None:
        self.did: list[tuple[str, tuple[Any, ...]]] = []

    def create(self, props):
        self.did.append(("create", (props,)))
        return "created"

    def update(self, id_, olds, news):
        self.did.append(("update", (id_, olds, news)))
        return "updated"

    def delete(self, id_, props):
        self.did.append(("delete", (id_, props)))
        return "deleted"

    def read(self, id_, props):
        self.did.append(("read", (id_, props)))
        return "read"


def test_create_update_and_delete_drop_the_snapshots_of_the_hosts_they_name(monkeypatch):
    forgotten: list[str] = []
    monkeypatch.setattr(snapshot, "forget", lambda target: forgotten.append(target.name))
    changing = base.changes_hosts(type("Changing", (Recorder,), {
        "create": Recorder.create, "update": Recorder.update, "delete": Recorder.delete}))
    both = {"target": TARGET.as_dict(), "manager": MANAGER.as_dict()}
    provider = changing()
    assert provider.create(both) == "created" and forgotten == ["worker", "manager"]
    assert provider.update("i", {"target": MANAGER.as_dict()}, {"manager": MANAGER.as_dict()}) \
        == "updated"
    assert forgotten == ["worker", "manager", "manager"]
    assert provider.delete("i", {"target": TARGET.as_dict()}) == "deleted"
    assert forgotten == ["worker", "manager", "manager", "worker"]
    assert provider.read("i", both) == "read" and len(forgotten) == 4
    assert provider.delete("i", {}) == "deleted" and len(forgotten) == 4
    assert [d for d, _ in provider.did] == ["create", "update", "delete", "read", "delete"]
    assert changing.create.__name__ == "create" and changing.delete.__name__ == "delete"


def test_only_the_methods_a_provider_defines_itself_are_wrapped(monkeypatch):
    forgotten: list[str] = []
    monkeypatch.setattr(snapshot, "forget", lambda target: forgotten.append(target.name))
    only_delete = base.changes_hosts(type("OnlyDelete", (Recorder,), {"delete": Recorder.delete}))
    provider = only_delete()
    provider.create({"target": TARGET.as_dict()})
    provider.update("i", {}, {"target": TARGET.as_dict()})
    assert forgotten == []
    provider.delete("i", {"target": TARGET.as_dict()})
    assert forgotten == ["worker"]


def test_a_read_retries_transient_errors_five_times_a_second_more_apart(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", slept.append)
    calls = []

    @base.settling
    def read(self, id_, props):
        calls.append((self, id_, props))
        raise TransientError("busy")

    with pytest.raises(TransientError, match="busy"):
        read("me", "i1", {"p": 1})
    assert calls == [("me", "i1", {"p": 1})] * 5
    assert slept == [1.0, 2.0, 3.0, 4.0]
    assert read.__name__ == "read"


def test_a_read_of_a_stopped_dockerd_fails_at_once_as_a_plain_remote_error(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", slept.append)
    calls = []

    @base.settling
    def read(self, id_, props):
        calls.append(id_)
        raise DaemonDownError("worker: dockerd is not running")

    with pytest.raises(RemoteError) as caught:
        read(None, "i1", {})
    assert type(caught.value) is RemoteError and str(caught.value) == "worker: dockerd is not running"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert calls == ["i1"] and slept == []


def test_a_settled_read_returns_what_the_read_found():
    assert base.settling(lambda self, id_, props: (id_, props))(None, "i", {"a": 1}) == ("i", {"a": 1})


KIND = base.Kind("network", "already exists", "Id", "docker network rm {name}")


def test_adopt_or_create_creates_first_and_retries_a_transient_failure(monkeypatch):
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", lambda seconds: None)
    tries = [TransientError("reset"), "n1"]

    def create():
        got = tries.pop(0)
        if isinstance(got, Exception):
            raise got
        return got

    def never(*args):
        raise AssertionError("not asked")

    assert base.adopt_or_create(TARGET, KIND, "net", create, never, never) == ("n1", None)
    assert tries == []


def test_adopt_or_create_passes_on_an_error_that_is_not_a_taken_name():
    def create():
        raise RemoteError("worker: permission denied")

    with pytest.raises(RemoteError, match=r"^worker: permission denied$"):
        base.adopt_or_create(TARGET, KIND, "net", create, lambda: {"Id": "x"}, lambda e: [])


def test_adopt_or_create_adopts_a_namesake_that_matches_by_its_id():
    existing = {"Id": 17, "Name": "net"}

    def create():
        raise RemoteError("Error: network with name net already exists")

    compared = []
    got = base.adopt_or_create(TARGET, KIND, "net", create, lambda: existing,
                               lambda e: compared.append(e) or [])
    assert got == ("17", existing) and compared == [existing]


def test_adopt_or_create_creates_again_when_the_namesake_went_away():
    tries = [RemoteError("network with name net already exists"), "n2"]

    def create():
        got = tries.pop(0)
        if isinstance(got, Exception):
            raise got
        return got

    assert base.adopt_or_create(TARGET, KIND, "net", create, lambda: None,
                                lambda e: ["never"]) == ("n2", None)


def test_adopt_or_create_refuses_naming_every_difference():
    def create():
        raise RemoteError("network with name net already exists")

    with pytest.raises(RemoteError) as caught:
        base.adopt_or_create(TARGET, KIND, "net", create, lambda: {"Id": "n"},
                             lambda e: ["a: x", "b: y"])
    assert str(caught.value) == (
        "worker (192.168.1.11): a network named 'net' already exists and is not the lab's: "
        "a: x; b: y. Remove it (`docker network rm net`) or rename it, then run `pulumi up` again")
    assert type(caught.value) is RemoteError


def test_diff_names_replacements_and_updates_and_deletes_first():
    olds = {"a": 1, "b": 2, "c": 3, "d": 4}
    news = {"a": 1, "b": 20, "c": 30, "e": 5}
    got = base.diff(olds, news, ("a", "b", "e"), ("c", "d"))
    assert (got.changes, got.replaces, got.delete_before_replace) == (True, ["b", "e"], True)
    only_updates = base.diff(olds, {**olds, "c": 0}, ("a", "b"), ("c",))
    assert (only_updates.changes, only_updates.replaces) == (True, [])
    same = base.diff(olds, dict(olds), ("a", "b"), ("c", "d"))
    assert (same.changes, same.replaces, same.delete_before_replace) == (False, [], True)
    assert base.diff(olds, news, ("a",)).changes is False
