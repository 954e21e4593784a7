"""Command lines of networks, services and containers (the image always after `--`), leaving
a swarm, stale nodes, and networks Docker still holds. (Whether an existing object of the
lab's name is the lab's: test_adoption.py.)"""

from __future__ import annotations

import json

import pytest

from modules.docker import container, network, node, service, swarm
from modules.docker.container import ContainerSettings
from modules.docker.network import NetworkSettings
from modules.docker.service import ServiceSettings
from modules.ssh import RemoteError
from tests.support.fakes import TARGET, FakeHosts, answers


def test_an_image_never_becomes_a_flag():
    s = ServiceSettings("web", "-ex/y", ["--mount", "type=bind,source=/,target=/host"])
    args = service.create_args(s)
    assert args[args.index("--") + 1:] == ["-ex/y", "--mount", "type=bind,source=/,target=/host"]
    c = ContainerSettings("web1", "--privileged/x", "bridge", ["sh"])
    args = container.run_args(c)
    assert args[args.index("--") + 1:] == ["--privileged/x", "sh"]
    assert network.create_args(NetworkSettings("-n"))[-2:] == ["--", "-n"]


def test_the_seeds_network_commands():
    assert network.create_args(NetworkSettings("secure_net", driver="overlay", attachable=True,
                                               options={"encrypted": ""})) == [
        "network", "create", "-d", "overlay", "--attachable", "-o", "encrypted",
        "--label", "swarmlab=true", "--", "secure_net"]
    assert network.create_args(NetworkSettings("mymacvlan", driver="macvlan", scope="swarm",
                                               config_from="mymacvlan-config")) == [
        "network", "create", "--config-from", "mymacvlan-config", "-d", "macvlan", "--scope",
        "swarm", "--", "mymacvlan"]


class LeavingHost:
    """A host after `docker swarm leave`: dockerd is still removing some task containers."""

    def __init__(self, rm_stderr: str) -> None:
        self.containers = ["aaa", "bbb"]
        self.rm_stderr = rm_stderr

    def __call__(self, host: str, command: str, stdin: bytes | None) -> tuple[int, str, str]:
        if command.startswith("docker ps"):
            return 0, "\n".join(self.containers), ""
        if command.startswith("docker rm"):
            stderr, self.rm_stderr = self.rm_stderr, ""
            if not stderr:
                self.containers = []
            return 1 if stderr else 0, "", stderr
        if command.startswith("docker info"):
            return 0, '{"LocalNodeState": "inactive"}', ""
        return 0, "", ""


def test_leave_waits_for_task_containers_docker_is_already_removing(monkeypatch):
    hosts = FakeHosts(LeavingHost("Error response from daemon: removal of container aaa is "
                                  "already in progress\nError: No such container: bbb"))
    hosts.install(monkeypatch)
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", lambda _: None)
    swarm.leave(TARGET)
    quiet = ["ps", "info"] * swarm.QUIET_POLLS
    assert [c.split()[1] for c in hosts.ran()] == ["swarm", "ps", "rm", "ps", "rm", *quiet]


def test_leave_reports_a_task_container_that_cannot_be_removed(monkeypatch):
    FakeHosts(LeavingHost("Error response from daemon: container aaa: driver failed")
              ).install(monkeypatch)
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", lambda _: None)
    with pytest.raises(RemoteError, match="task containers left after `docker swarm leave` "
                       "cannot be removed: Error response from daemon: container aaa: driver"):
        swarm.leave(TARGET)


def test_a_rejoined_nodes_old_entries_are_stale_but_a_namesake_elsewhere_is_not(monkeypatch):
    nodes = {  # ID: (hostname, state, address)
        "new": ("worker", "ready", "192.168.1.11"),
        "old-ready": ("worker", "ready", "192.168.1.11"),  # the manager has not noticed yet
        "old-down": ("worker", "down", "192.168.1.11"),
        "namesake": ("worker", "ready", "192.168.1.50"),  # another machine, same hostname
    }

    def handle(host: str, command: str, stdin: bytes | None) -> tuple[int, str, str]:
        if command.startswith("docker node ls"):
            return 0, "\n".join(nodes), ""
        asked = command.split(" -- ")[1].split()  # docker node inspect -- ID...: one command
        return 0, json.dumps([{"ID": i, "Description": {"Hostname": nodes[i][0]},
                               "Status": {"State": nodes[i][1], "Addr": nodes[i][2]}}
                              for i in asked]), ""

    FakeHosts(handle).install(monkeypatch)
    assert node.stale(TARGET, "worker", "192.168.1.11", "new") == ["old-ready", "old-down"]


@pytest.mark.parametrize(("config_only", "message"), [
    (True, "reference-count leak \\(moby/moby#35101\\)"),
    (False, "network mynetwork is in use"),  # a user's container: not Docker's leak
])
def test_a_network_still_in_use_is_blamed_on_dockers_leak_only_if_config_only(
        monkeypatch, config_only, message):
    FakeHosts(answers({
        "docker network rm": (1, "", "Error response from daemon: network mynetwork is in use"),
        "docker network ls": (0, "aaa\n", ""),
        "docker network inspect -- aaa": (0, json.dumps([{"Name": "other",
                                                          "ConfigFrom": {"Network": ""}}]), ""),
        "docker network inspect": (0, json.dumps({"Name": "mynetwork",
                                                  "ConfigOnly": config_only}), ""),
    })).install(monkeypatch)
    with pytest.raises(RemoteError, match=message):
        network.rm(TARGET, "mynetwork", timeout=0)


def test_a_node_is_ready_for_tasks_once_its_ingress_is_set_up(monkeypatch):
    FakeHosts(answers({"docker network inspect --format": (0, json.dumps(
        {"Containers": {"ingress-sbox": {"Name": "ingress-endpoint"}}}), "")})).install(monkeypatch)
    assert node.ingress_ready(TARGET)
