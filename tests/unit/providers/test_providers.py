"""What every provider promises: reads settle, creates adopt only what is the lab's, outputs
are declared once."""

from __future__ import annotations

import dataclasses
import json

import pytest

from modules.docker import snapshot
from modules.docker.cli import DaemonDownError
from modules.docker.container import ContainerSettings
from modules.docker.network import NetworkState
from modules.providers import container, network, readiness, service, swarm_init, swarm_join
from modules.providers.base import output_names, settings_inputs
from modules.ssh import RemoteError, TransientError
from tests.support.fakes import TARGET, FakeHosts
from tests.support.http import http
from tests.support.inspected import container_doc

PROPS = {"target": TARGET.as_dict()}
WEB1 = ContainerSettings("web1", "busybox", "bridge", ["sleep", "1d"])


def test_network_outputs_are_its_states_fields():
    assert output_names(network.Network) == [f.name for f in dataclasses.fields(NetworkState)]


@pytest.mark.parametrize(("resource", "names"), [
    (swarm_init.SwarmInit, ["cluster_id", "node_id", "worker_token", "manager_token",
                            "unlock_key", "autolock_on", "cert_expiry_ns"]),
    (swarm_join.SwarmJoin, ["node_id", "hostname", "state"]),
    (service.Service, ["service_id", "tasks"]),
    (container.Container, ["container_id", "addresses"]),
    (readiness.Readiness, ["passed", "skipped"]),
])
def test_outputs_are_declared_once_as_annotations(resource, names):
    assert output_names(resource) == names


def test_the_join_tokens_and_unlock_key_are_secret_outputs():
    assert set(swarm_init.SECRET_OUTPUTS) == {"worker_token", "manager_token", "unlock_key"}
    assert set(swarm_init.SECRET_OUTPUTS) <= set(output_names(swarm_init.SwarmInit))


class Seen:
    """A host snapshot with one running container."""

    def container(self, ident):
        return {"c1": {"Id": "c1", "Name": "/web1", "State": {"Running": True}}}.get(ident)


def test_a_read_retries_a_dockerd_that_came_back_a_moment_ago(monkeypatch):
    answers = [TransientError("worker (192.168.1.11): context deadline exceeded"), Seen()]

    def of(target):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(snapshot, "of", of)
    slept: list[float] = []
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", slept.append)
    result = container.ContainerProvider().read("c1", PROPS)
    assert result.id == "c1" and not answers
    assert slept == [1.0]


@pytest.mark.parametrize(("error", "message"), [
    (RemoteError("worker (192.168.1.11): permission denied"), "permission denied"),
    (DaemonDownError("worker (192.168.1.11): Cannot connect to the Docker daemon; dockerd is "
                     "not running on worker"), "dockerd is not running on worker"),
])
def test_a_read_reports_a_real_error_or_a_stopped_dockerd_at_once(monkeypatch, error, message):
    calls = []

    def of(target):
        calls.append(target.name)
        raise error

    monkeypatch.setattr(snapshot, "of", of)
    with pytest.raises(RemoteError, match=message):
        container.ContainerProvider().read("c1", PROPS)
    assert calls == ["worker"]


def test_a_network_of_the_labs_name_with_another_subnet_is_refused_naming_the_field(monkeypatch):
    def handle(host, command, stdin):
        if command.startswith("docker network create"):
            return 1, "", "Error response from daemon: network with name myoverlay already exists"
        return 0, json.dumps({"Id": "n1", "Name": "myoverlay", "Driver": "overlay", "Scope": "swarm",
                              "Attachable": True, "Labels": {"swarmlab": "true"},
                              "IPAM": {"Config": [{"Subnet": "10.9.9.0/24"}]}}), ""

    hosts = FakeHosts(handle).install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        network.NetworkProvider().create({**PROPS, "name": "myoverlay", "driver": "overlay",
                                          "attachable": True, "subnet": "10.0.5.0/24"})
    assert str(caught.value) == (
        "worker (192.168.1.11): a network named 'myoverlay' already exists and is not the lab's: "
        "subnet: has '10.9.9.0/24', the lab wants '10.0.5.0/24'. Remove it (`docker network rm "
        "myoverlay`) or rename it, then run `pulumi up` again")
    assert not hosts.ran("docker network rm")


def test_a_change_drops_the_hosts_snapshot_first(monkeypatch):
    forgotten = []
    monkeypatch.setattr(snapshot, "forget", lambda target: forgotten.append(target.name))
    monkeypatch.setattr(container.container, "rm", lambda target, ident: None)
    container.ContainerProvider().delete("c1", PROPS)
    assert forgotten == ["worker"]


def test_a_snapshot_asks_the_engine_api_once_and_names_tasks_like_the_cli(monkeypatch):
    answers = [http(200, {"Swarm": {"LocalNodeState": "active", "NodeID": "n1"}}),
               http(200, [{"Id": "a", "Name": "myoverlay"}]),
               http(200, [{"Id": "c1", "Names": ["/web1"], "State": "running"}]),
               http(200, [{"ID": "s1", "Spec": {"Name": "web"}}]),
               http(200, [{"ServiceID": "s1", "Slot": 1, "NodeID": "n2",
                           "Status": {"State": "running"}}]),
               http(200, [{"ID": "n2", "Description": {"Hostname": "worker"}}]),
               http(503, {"message": "This node is not a swarm manager."})]
    hosts = FakeHosts(lambda h, c, s: (0, "".join(answers), "")).install(monkeypatch)
    seen = snapshot.take(TARGET)
    assert hosts.ran() == ["docker system dial-stdio"]
    assert seen.info["NodeID"] == "n1" and seen.network("myoverlay") == {"Id": "a", "Name": "myoverlay"}
    assert seen.container("web1") is seen.container("c1") is not None
    service = seen.service("web")
    assert service is not None
    assert seen.service_tasks(service) == [{"Name": "web.1", "Node": "worker", "State": "running"}]
    assert seen.tokens == {}


def test_a_stopped_container_of_the_labs_own_is_replaced(monkeypatch):
    old = container_doc(WEB1, ident="old", running=False)
    state = {"old": old}
    runs = []

    def handle(host, command, stdin):
        if command.startswith("docker run"):
            runs.append(command)
            if len(runs) == 1:
                return 125, "", 'Conflict. The container name "/web1" is already in use'
            state["new"] = container_doc(WEB1, ident="new")
            return 0, "new\n", ""
        if command.startswith("docker rm"):
            state.pop("old")
            return 0, "", ""
        ident = command.rsplit(" ", 1)[1]
        found = state.get("old" if ident == "web1" and "old" in state else ident)
        return (0, json.dumps(found), "") if found else (1, "", "Error: No such object")

    hosts = FakeHosts(handle).install(monkeypatch)
    result = container.ContainerProvider().create(
        {**PROPS, **settings_inputs(WEB1)})
    assert result.id == "new"
    assert [c.split()[1] for c in hosts.ran("docker r")] == ["run", "rm", "run"]


def test_a_create_whose_connection_failed_after_docker_made_it_adopts_it(monkeypatch):
    """The first `docker run` made the container, then the connection died under it: the
    retry finds the name taken and adopts the lab's own container instead of failing."""
    made = container_doc(WEB1)
    runs = []

    def handle(host, command, stdin):
        if command.startswith("docker run"):
            runs.append(command)
            if len(runs) == 1:
                raise TransientError("worker (192.168.1.11): SSH session failed: the connection "
                                     "to the host was lost while the command ran")
            return 125, "", 'Conflict. The container name "/web1" is already in use'
        return 0, json.dumps(made), ""

    FakeHosts(handle).install(monkeypatch)
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", lambda seconds: None)
    result = container.ContainerProvider().create(
        {**PROPS, **settings_inputs(WEB1)})
    assert result.id == "c1" and len(runs) == 2


def test_a_join_is_refused_at_once_while_docker_still_holds_the_old_gossip_port(monkeypatch):
    from modules.docker import node

    listening = ["LISTEN 0 4096 192.168.1.11:7946 0.0.0.0:*\n"]
    hosts = FakeHosts(lambda host, command, stdin: (0, listening[0], "")).install(monkeypatch)
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", lambda seconds: None)
    with pytest.raises(RemoteError, match=r"still listens on the gossip port 7946.*Restart that "
                                          r"dockerd"):
        node.wait_gossip_port_free(TARGET, timeout=0.05)
    assert hosts.ran("ss -Hltn 'sport = :7946'")
    listening[0] = ""
    node.wait_gossip_port_free(TARGET, timeout=0.05)


def _web_seen(states: list[str]) -> snapshot.Snapshot:
    return snapshot.Snapshot(
        info={}, networks=[], containers=[], nodes=[{"ID": "n2", "Description": {"Hostname": "worker"}}],
        services=[{"ID": "s1", "Spec": {"Name": "web", "Mode": {"Replicated": {"Replicas": 2}}}}],
        tasks=[{"ServiceID": "s1", "Slot": slot, "NodeID": "n2", "Status": {"State": state}}
               for slot, state in enumerate(states, 1)], tokens={})


@pytest.mark.parametrize(("states", "replicas", "tasks"), [
    (["running", "running"], 2, ["web.1", "web.2"]),
    (["running", "preparing"], 1, ["web.1"]),
    ([], 0, []),
    (["running", "running", "running"], 2, ["web.1", "web.2", "web.3"]),
])
def test_a_service_with_fewer_tasks_running_than_declared_reads_as_drift(monkeypatch, states,
                                                                          replicas, tasks):
    monkeypatch.setattr(snapshot, "of", lambda target: _web_seen(states))
    provider = service.ServiceProvider()
    read = provider.read("s1", {**PROPS, "replicas": 2})
    assert read.outs is not None
    assert read.outs["replicas"] == replicas
    assert [t["name"] for t in read.outs["tasks"]] == tasks
    changed = provider.diff("s1", read.outs, {**PROPS, "replicas": 2}).changes
    assert changed is (replicas != 2)
