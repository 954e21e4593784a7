"""modules.docker.container exactly: `docker run`'s flags, each compared field, addresses,
removal and the restart that registers names again after a leave."""

from __future__ import annotations

from typing import Any

import pytest

from modules.docker import container
from modules.docker.container import ContainerSettings
from modules.ssh import RemoteError
from tests.support.fakes import TARGET, FakeHosts, answers


def test_defaults_and_from_props():
    s = ContainerSettings.from_props({"name": "c", "image": "i", "network": "bridge", "x": 1})
    assert s == ContainerSettings("c", "i", "bridge", [], True)


def test_run_args():
    assert container.run_args(ContainerSettings("c", "img", "net1", ["sleep", "1d"])) == [
        "run", "--detach", "--name", "c", "--network", "net1", "--restart", "unless-stopped",
        "--init", "--", "img", "sleep", "1d"]
    assert container.run_args(ContainerSettings("c", "img", "host", init=False)) == [
        "run", "--detach", "--name", "c", "--network", "host", "--restart", "unless-stopped",
        "--", "img"]


def test_run_inspect_rm(monkeypatch):
    hosts = FakeHosts(answers({"docker run": (0, " cid \n", ""),
                               "docker container inspect": (0, '{"Id": "cid"}', ""),
                               "docker rm": (1, "", "Error: No such container: c")})
                      ).install(monkeypatch)
    assert container.run(TARGET, ContainerSettings("c", "img", "bridge")) == "cid"
    assert container.container_inspect(TARGET, "c") == {"Id": "cid"}
    container.rm(TARGET, "c")
    assert hosts.ran()[1:] == ["docker container inspect --format '{{json .}}' -- c",
                               "docker rm --force -- c"]


def test_rm_raises_another_error(monkeypatch):
    FakeHosts(answers({}, (1, "", "permission denied"))).install(monkeypatch)
    with pytest.raises(RemoteError):
        container.rm(TARGET, "c")


def test_an_empty_document_differs_in_everything():
    s = ContainerSettings("c", "img", "bridge", ["sh"])
    assert container.differences(s, {}) == [
        "image: has None, the lab wants 'img'",
        "command: has [], the lab wants ['sh']",
        "init: has False, the lab wants True",
        "network: has [], the lab wants 'bridge'"]


def test_null_fields_read_as_empty():
    s = ContainerSettings("c", "img", "bridge", init=False)
    doc: dict[str, Any] = {"Config": {"Image": "img", "Cmd": None}, "HostConfig": None,
           "NetworkSettings": {"Networks": {"bridge": {}}}}
    assert container.differences(s, doc) == []
    doc["NetworkSettings"] = None
    assert container.differences(s, doc) == ["network: has [], the lab wants 'bridge'"]


def test_a_network_by_id_or_name():
    doc = {"Config": {"Image": "i"}, "HostConfig": {"Init": True},
           "NetworkSettings": {"Networks": {"mynet": {"NetworkID": "abc"}, "b": {}}}}
    assert container.differences(ContainerSettings("c", "i", "abc"), doc) == []
    assert container.differences(ContainerSettings("c", "i", "mynet"), doc) == []
    assert container.differences(ContainerSettings("c", "i", "zzz"), doc) == [
        "network: has ['b', 'mynet'], the lab wants 'zzz'"]


def test_addresses():
    doc = {"NetworkSettings": {"Networks": {"z": {"IPAddress": "10.0.0.2"}, "a": {}}}}
    assert container.addresses(doc) == {"a": "", "z": "10.0.0.2"}
    assert list(container.addresses(doc)) == ["a", "z"]
    assert container.addresses({}) == {}
    assert container.addresses({"NetworkSettings": {"Networks": None}}) == {}


PS = "docker ps --format '{{.Names}}\t{{.Networks}}\t{{.Label \"com.docker.swarm.task.id\"}}'"


def test_register_names_again_restarts_containers_on_local_networks(monkeypatch):
    rows = ("web1\tmyapp,bridge\t\n"
            "web2\tbridge\t\n"
            "task\tmyapp\tt1\n"
            "\n"
            "web3\tother,myapp2\t\n"
            "web4\thost\t\n")
    hosts = FakeHosts(answers({
        "docker network ls": (0, "bridge\nhost\nnone\nmyapp\nmyapp2\n", ""),
        "docker ps": (0, rows, "")})).install(monkeypatch)
    assert container.register_names_again(TARGET) == ["web1", "web3"]
    assert hosts.ran() == [
        "docker network ls --filter scope=local --format '{{.Name}}'", PS,
        "docker restart --time 1 -- web1 web3"]


def test_register_names_again_with_nothing_to_restart(monkeypatch):
    hosts = FakeHosts(answers({
        "docker network ls": (0, "bridge\nhost\nnone\n", ""),
        "docker ps": (0, "web\tbridge\t\nh\thost\t\nn\tnone\t\n", "")})).install(monkeypatch)
    assert container.register_names_again(TARGET) == []
    assert hosts.ran("docker restart") == []
