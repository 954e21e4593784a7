"""A two-node swarm that is not there: a FakeHosts handler answering the commands and Engine
API requests of swarm init, join, update, token rotation and unlock, as dockerd would. An
unknown command fails the test, so what the providers run is all known here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.support.http import http

TOKENS = {"worker": "SWMTKN-1-" + "w" * 50 + "-" + "a" * 25,
          "manager": "SWMTKN-1-" + "m" * 50 + "-" + "a" * 25}
UNLOCK_KEY = "SWMKEY-1-" + "K" * 43


@dataclass
class FakeSwarm:
    """manager (192.168.1.10) and worker (192.168.1.11), in no swarm at first."""

    state: dict[str, str] = field(default_factory=lambda: {"manager": "inactive",
                                                            "worker": "inactive"})
    autolock: bool = False
    tokens: dict[str, str] = field(default_factory=lambda: dict(TOKENS))
    rotations: int = 0
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(path, body) of every Engine API request."""

    def __call__(self, host: str, command: str, stdin: bytes | None) -> tuple[int, str, str]:
        if command == "docker system dial-stdio":
            return 0, self._api(host, stdin or b""), ""
        for prefix, answer in self._answers(host).items():
            if command.startswith(prefix):
                return 0, answer(command) if callable(answer) else answer, ""
        raise AssertionError(f"the fake swarm does not know {command!r} (on {host})")

    def _info(self, host: str) -> str:
        leads = host == "manager" and self.state[host] == "active"
        info: dict[str, Any] = {"LocalNodeState": self.state[host], "NodeID": f"{host[0]}1",
                                "ControlAvailable": leads}
        if leads:
            info["Cluster"] = {"ID": "cluster1", "Spec": {
                "EncryptionConfig": {"AutoLockManagers": self.autolock}, "CAConfig": {}}}
        return json.dumps(info)

    def _answers(self, host: str) -> dict[str, Any]:
        node = {"ID": "w1", "Description": {"Hostname": "worker"},
                "Status": {"State": "ready", "Addr": "192.168.1.11"}}
        return {
            "docker info --format": lambda _: self._info(host),
            "docker swarm init": self._init,
            "docker swarm update": self._update,
            "docker swarm join-token --rotate -q ": self._rotate,
            "docker swarm join-token -q ": lambda c: self.tokens[c.rsplit(" ", 1)[1]] + "\n",
            "docker swarm unlock-key -q": UNLOCK_KEY + "\n",
            "docker network ls --filter scope=local": "",
            "docker ps --format": "",
            "docker network inspect --format '{{json .}}' -- ingress": json.dumps(
                {"Containers": {"ingress-sbox": {"Name": "ingress-endpoint"}}}),
            "docker network inspect --verbose --format '{{json .Peers}}' -- ingress": json.dumps(
                [{"IP": "192.168.1.10"}, {"IP": "192.168.1.11"}]),
            "ss -Hltn 'sport = :7946'": "",
            "docker node inspect --format '{{json .}}' -- w1": json.dumps(node),
            "docker node ls -q --filter name=worker": "w1\n",
            "docker node ls --format '{{json .}}'": json.dumps({"ID": "w1", "Status": "Ready"}),
            "docker service ls -q --filter label=swarmlab=true": "",
            "docker node update --availability": "",
        }

    def _init(self, command: str) -> str:
        self.state["manager"] = "active"
        return "Swarm initialized\n"

    def _update(self, command: str) -> str:
        self.autolock = "--autolock=true" in command
        return ""

    def _rotate(self, command: str) -> str:
        role = command.rsplit(" ", 1)[1]
        self.rotations += 1
        self.tokens[role] = f"SWMTKN-1-{'r' * 49}{self.rotations}-{role[0] * 25}"
        return self.tokens[role] + "\n"

    def _api(self, host: str, stream: bytes) -> str:
        head, _, body = stream.decode().partition("\r\n\r\n")
        path = head.split(" ", 2)[1]
        self.requests.append((path, json.loads(body or "{}")))
        if path == "/swarm/join":
            self.state[host] = "active"
        return http(200)
