"""One one-box host's dockerd stopped and started again (`make node-stop`/`node-start`, and
`make heal`): a node failure the swarm sees, while the host, its containerd and its sshd
stay up (the tool still reaches it)."""

from __future__ import annotations

from hosts import procs
from hosts.inventory import read_choice
from hosts.onebox import dockerd, engine, engines, holder
from hosts.paths import LabPaths
from hosts.report import StepError
from hosts.topology import Host

STOP_SECONDS = 20.0


def stop_docker(lab: LabPaths, host: Host) -> str:
    """TERM to the dockerd of its pidfile, KILL after STOP_SECONDS."""
    pid = dockerd.running(lab.host(host.name))
    if pid is None:
        return "dockerd was not running"
    left = procs.stop([pid], STOP_SECONDS)
    return f"dockerd (pid {pid}) {'killed' if left else 'stopped'}"


def start_docker(lab: LabPaths, host: Host) -> str:
    """dockerd again, on the lab's engine, in the host's namespace (its containerd runs)."""
    hp = lab.host(host.name)
    if dockerd.healthy(host, hp):
        return f"dockerd running, pid {dockerd.running(hp)}"
    holder_pid = holder.running(host.netns, hp)
    if holder_pid is None:
        raise StepError("node-start", "the host itself is gone: run `make hosts` (hosts up)",
                        host.name)
    found = engine.find(read_choice(lab, "engine") or engines.SYSTEM, lambda line: None)
    dockerd.start(host, holder_pid, hp, found)
    return f"dockerd {dockerd.wait_ready(host, hp)} started, pid {dockerd.running(hp)}"
