"""modules.docker.network exactly: every flag of `docker network create`, each compared
field, removal and its retries, Docker's leaked config reference, and the reported state."""

from __future__ import annotations

import json

import pytest

from modules.docker import network
from modules.docker.network import NetworkSettings
from modules.ssh import RemoteError, TransientError
from tests.support.fakes import TARGET, FakeHosts, answers
from tests.support.inspected import network_doc

LABEL = "worker (192.168.1.11)"


def test_defaults():
    s = NetworkSettings("n")
    assert (s.driver, s.scope, s.attachable, s.subnet, s.gateway, s.ip_range, s.options,
            s.config_only, s.config_from, s.labels) == (
        "bridge", None, False, None, None, None, {}, False, None, {"swarmlab": "true"})
    assert network.LAB_LABEL == {"swarmlab": "true"}
    assert s.labels is not network.LAB_LABEL


def test_from_props_takes_known_fields_only():
    s = NetworkSettings.from_props({"name": "n", "driver": "overlay", "other": 1})
    assert s == NetworkSettings("n", driver="overlay")


def test_every_flag():
    s = NetworkSettings("n", driver="overlay", scope="swarm", attachable=True,
                        subnet="10.0.0.0/24", gateway="10.0.0.1", ip_range="10.0.0.0/25",
                        options={"b": "2", "a": "", "encrypted": ""}, labels={"z": "1", "y": "2"})
    assert network.create_args(s) == [
        "network", "create", "-d", "overlay", "--scope", "swarm", "--attachable",
        "--subnet", "10.0.0.0/24", "--gateway", "10.0.0.1", "--ip-range", "10.0.0.0/25",
        "-o", "a", "-o", "b=2", "-o", "encrypted", "--label", "y=2", "--label", "z=1", "--", "n"]


def test_a_config_only_network_has_no_driver():
    s = NetworkSettings("c", driver="macvlan", config_only=True, subnet="192.168.1.0/24",
                        options={"parent": "eth1"}, labels={})
    assert network.create_args(s) == ["network", "create", "--config-only",
                                      "--subnet", "192.168.1.0/24", "-o", "parent=eth1", "--", "c"]


def test_no_driver_no_flag():
    assert network.create_args(NetworkSettings("n", driver="", labels={})) == [
        "network", "create", "--", "n"]


def test_create_returns_the_id(monkeypatch):
    hosts = FakeHosts(answers({}, (0, "abc123\n", ""))).install(monkeypatch)
    assert network.create(TARGET, NetworkSettings("n", labels={})) == "abc123"
    assert hosts.ran() == ["docker network create -d bridge -- n"]


def test_network_inspect(monkeypatch):
    hosts = FakeHosts(answers({}, (0, '{"Id": "x"}', ""))).install(monkeypatch)
    assert network.network_inspect(TARGET, "n") == {"Id": "x"}
    assert hosts.ran() == ["docker network inspect --format '{{json .}}' -- n"]


def test_ipam_of_a_network_without_one():
    assert network._ipam({}) == {}
    assert network._ipam({"IPAM": None}) == {}
    assert network._ipam({"IPAM": {"Config": None}}) == {}
    assert network._ipam({"IPAM": {"Config": [{"Subnet": "a"}, {"Subnet": "b"}]}}) == {"Subnet": "a"}


def test_an_empty_document_differs_in_what_the_lab_sets():
    s = NetworkSettings("n", driver="overlay", scope="swarm", subnet="10.0.0.0/24",
                        gateway="10.0.0.1", ip_range="10.0.0.0/25", options={"encrypted": ""})
    assert network.differences(s, {}) == [
        "options: has {}, the lab wants {'encrypted': ''}",
        "driver: has None, the lab wants 'overlay'",
        "scope: has None, the lab wants 'swarm'",
        "subnet: has None, the lab wants '10.0.0.0/24'",
        "gateway: has None, the lab wants '10.0.0.1'",
        "ip_range: has None, the lab wants '10.0.0.0/25'",
        "labels: has {}, the lab wants {'swarmlab': 'true'}"]


def test_null_fields_read_as_empty():
    s = NetworkSettings("n", labels={})
    doc = {"Driver": "bridge", "ConfigFrom": None, "IPAM": None, "Options": None, "Labels": None}
    assert network.differences(s, doc) == []


def test_addressing_left_to_docker_is_not_compared():
    s = NetworkSettings("n", labels={})
    doc = network_doc(s)
    doc["IPAM"] = {"Config": [{"Subnet": "10.1.0.0/16", "Gateway": "10.1.0.1", "IPRange": "x"}]}
    doc["Scope"] = "global"
    assert network.differences(s, doc) == []


def test_a_config_only_network_is_not_compared_on_driver_or_attachable():
    s = NetworkSettings("c", config_only=True, labels={})
    doc = network_doc(s)
    doc["Driver"], doc["Attachable"] = "null", True
    assert network.differences(s, doc) == []


def test_a_config_from_network_is_not_compared_on_labels():
    s = NetworkSettings("m", driver="macvlan", config_from="c")
    doc = network_doc(s)
    doc["Labels"] = {}
    assert network.differences(s, doc) == []


def test_labels_the_lab_does_not_set_are_ignored_but_its_own_compared():
    s = NetworkSettings("n", labels={"swarmlab": "true"})
    doc = network_doc(s)
    doc["Labels"] = {"swarmlab": "false", "other": "x"}
    assert network.differences(s, doc) == [
        "labels: has {'swarmlab': 'false'}, the lab wants {'swarmlab': 'true'}"]


def test_an_empty_config_from_is_none():
    assert network.config_network({"ConfigFrom": {"Network": ""}}) is None
    assert network.config_network({"ConfigFrom": None}) is None
    assert network.config_network({}) is None
    assert network.config_network({"ConfigFrom": {"Network": "c"}}) == "c"


@pytest.fixture
def no_sleep(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", slept.append)
    return slept


def test_rm(monkeypatch, no_sleep):
    hosts = FakeHosts(answers({})).install(monkeypatch)
    network.rm(TARGET, "n1")
    assert hosts.ran() == ["docker network rm -- n1"]


def test_rm_of_a_missing_network_is_done(monkeypatch, no_sleep):
    hosts = FakeHosts(answers({}, (1, "", "Error: No such network: n1"))).install(monkeypatch)
    network.rm(TARGET, "n1")
    assert len(hosts.ran()) == 1


def test_rm_raises_another_error_at_once(monkeypatch, no_sleep):
    hosts = FakeHosts(answers({}, (1, "", "permission denied"))).install(monkeypatch)
    with pytest.raises(RemoteError, match="permission denied"):
        network.rm(TARGET, "n1")
    assert len(hosts.ran()) == 1


@pytest.mark.parametrize("stderr", ["network n1 is in use", "i/o timeout"])
def test_rm_retries_a_network_in_use_or_transient(monkeypatch, no_sleep, stderr):
    results = iter([(1, "", stderr), (1, "", stderr), (0, "", "")])
    hosts = FakeHosts(lambda h, c, s: next(results)).install(monkeypatch)
    network.rm(TARGET, "n1")
    assert len(hosts.ran()) == 3
    assert no_sleep == [0.25, 0.5]


def test_rm_gives_up_with_the_last_transient_error(monkeypatch):
    now = [0.0]
    monkeypatch.setattr("modules.ssh.waiting.time.monotonic", lambda: now[0])
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", lambda s: now.__setitem__(0, now[0] + s))
    hosts = FakeHosts(answers({}, (1, "", "i/o timeout"))).install(monkeypatch)
    with pytest.raises(TransientError, match="i/o timeout"):
        network.rm(TARGET, "n1")
    assert now[0] == pytest.approx(30.25)
    assert hosts.ran("docker network inspect") == []


def _leak(config: dict[str, object] | None, others: list[dict[str, object]]) -> FakeHosts:
    return FakeHosts(answers({
        "docker network rm": (1, "", "Error response from daemon: network c is in use"),
        "docker network ls": (0, "\n".join(str(i) for i in range(len(others))), ""),
        "docker network inspect -- ": (0, json.dumps(others), ""),
        "docker network inspect --format": (0, json.dumps(config), "") if config is not None
        else (1, "", "Error: No such network: c"),
    }))


def test_the_leak_message(monkeypatch, no_sleep):
    hosts = _leak({"Name": "cfg", "ConfigOnly": True},
                  [{"Name": "x", "ConfigFrom": {"Network": "other"}}, {"Name": "y"}]
                  ).install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        network.rm(TARGET, "0123456789abcdef", timeout=0)
    assert str(caught.value) == (
        f"{LABEL}: dockerd still counts config-only network 0123456789ab as in use "
        "although no network is built from it. This is Docker's reference-count leak "
        "(moby/moby#35101): it happens when dockerd restarts while a macvlan task runs. "
        "Docker offers no way to release it; on the one-box hosts `python -m hosts down` "
        "removes it with the host; on other hosts remove it after `docker swarm leave` by "
        "restarting dockerd with a clean network store, then `pulumi state delete` this "
        "resource")
    assert hosts.ran("docker network inspect --format") == [
        "docker network inspect --format '{{json .}}' -- 0123456789abcdef"]
    assert hosts.ran("docker network ls") == ["docker network ls -q"]
    assert hosts.ran("docker network inspect -- ") == ["docker network inspect -- 0 1"]


def test_a_config_network_still_used_is_no_leak(monkeypatch, no_sleep):
    _leak({"Name": "cfg", "ConfigOnly": True},
          [{"Name": "x", "ConfigFrom": {"Network": "cfg"}}]).install(monkeypatch)
    with pytest.raises(RemoteError, match=r"^worker .*network c is in use$"):
        network.rm(TARGET, "c", timeout=0)


@pytest.mark.parametrize("config", [None, {"Name": "cfg"}, {"Name": "cfg", "ConfigOnly": False}])
def test_only_a_config_only_network_can_leak(monkeypatch, config):
    hosts = _leak(config, []).install(monkeypatch)
    assert network.leaked_config_reference(TARGET, "c") is False
    assert hosts.ran("docker network ls") == []


def test_a_transient_error_last_is_no_leak(monkeypatch, no_sleep):
    hosts = FakeHosts(answers({"docker network rm": (1, "", "i/o timeout")})).install(monkeypatch)
    with pytest.raises(TransientError):
        network.rm(TARGET, "c", timeout=0)
    assert hosts.ran() == ["docker network rm -- c"]


def test_state_of_a_network():
    net = {"Id": "n1", "Driver": "overlay", "Scope": "swarm",
           "IPAM": {"Config": [{"Subnet": "10.0.0.0/24", "Gateway": "10.0.0.1"}]},
           "Options": {"encrypted": ""}}
    assert network.state(net, None) == network.NetworkState("n1", "overlay", "swarm",
                                                            "10.0.0.0/24", "10.0.0.1", True)


def test_state_of_a_config_from_network_is_its_config_networks_addressing():
    net = {"Id": "m", "IPAM": {"Config": [{"Subnet": "x", "Gateway": "y"}]}, "Options": None}
    config = {"IPAM": {"Config": [{"Subnet": "192.168.1.0/24", "Gateway": "192.168.1.1"}]}}
    assert network.state(net, config) == network.NetworkState("m", "", "", "192.168.1.0/24",
                                                             "192.168.1.1", False)
    assert network.state({"Id": "e"}, {}) == network.NetworkState("e", "", "", "", "", False)
