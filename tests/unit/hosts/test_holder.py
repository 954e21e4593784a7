"""holder.holds: a daemon is the host's when it shares the holder's network and UTS namespaces
(how `hosts up` knows a dockerd without asking /info, which waits on the swarm's raft)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hosts.onebox import holder
from hosts.paths import LabPaths

HOLDER, DAEMON = 100, 200


@pytest.mark.parametrize(("holder_pid", "inodes", "held"), [
    (HOLDER, {(HOLDER, "net"): 1, (HOLDER, "uts"): 2, (DAEMON, "net"): 1, (DAEMON, "uts"): 2}, True),
    (None, {(DAEMON, "net"): 1, (DAEMON, "uts"): 2}, False),
    (HOLDER, {(HOLDER, "net"): 1, (HOLDER, "uts"): 2, (DAEMON, "net"): 1, (DAEMON, "uts"): 9}, False),
    (HOLDER, {(HOLDER, "net"): 1, (HOLDER, "uts"): 2, (DAEMON, "net"): 7, (DAEMON, "uts"): 2}, False),
    # Neither readable (a process gone meanwhile) is not "the same".
    (HOLDER, {}, False),
])
def test_a_daemon_is_the_host_s_when_it_shares_the_holder_s_namespaces(
        monkeypatch, tmp_path: Path, holder_pid: int | None, inodes: dict, held: bool):
    asked: list[str] = []

    def running(netns: str, hp: object) -> int | None:
        asked.append(netns)
        return holder_pid
    monkeypatch.setattr(holder, "running", running)
    monkeypatch.setattr(holder.procs, "namespace", lambda pid, kind: inodes.get((pid, kind)))
    hp = LabPaths(tmp_path).host("manager")
    assert holder.holds("swarmlab-manager", hp, DAEMON) is held
    assert asked == ["swarmlab-manager"]
