"""A node after `docker swarm leave --force`, as the leave's polling sees it: the task
containers `docker ps` lists poll after poll, and the swarm state `docker info` reports."""

from __future__ import annotations

import json
from collections.abc import Iterable

from tests.support.fakes import Answer, Handler


def leaving_node(containers_per_poll: Iterable[str], state: str = "inactive") -> Handler:
    """`docker ps` answers the next of `containers_per_poll` (container ids, one a line);
    `docker info` answers `state`; every other command succeeds with no output."""
    polls = iter(containers_per_poll)

    def handle(host: str, command: str, stdin: bytes | None) -> Answer:
        if command.startswith("docker ps"):
            return 0, next(polls), ""
        if command.startswith("docker info"):
            return 0, json.dumps({"LocalNodeState": state}), ""
        return 0, "", ""
    return handle
