"""One dockerd per host, inside the host's network and UTS namespaces.

Every setting lives in the host's own daemon.json (passed with --config-file, so
/etc/docker/daemon.json is never read): data-root, exec-root, pidfile and socket under
`.lab/hosts/<name>/`, no TCP listener, and the host's own containerd (hosts.containerd).
iptables and ip_forward are left on: dockerd writes them in its own namespace (netfilter
and /proc/sys/net are per namespace), never in the root one.
"""

from __future__ import annotations

import json
import time
from typing import Any

from hosts import procs
from hosts.commands import clean_env, spawn_daemon
from hosts.onebox import dockerapi, holder
from hosts.onebox.engine import Engine
from hosts.paths import HostPaths, write_if_changed
from hosts.topology import Host


def config(hp: HostPaths, engine: Engine) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "data-root": str(hp.data_root),
        "exec-root": str(hp.exec_root),
        "pidfile": str(hp.dockerd_pid),
        "hosts": [f"unix://{hp.docker_socket}"],
        "containerd": str(hp.containerd_socket),
        # docker-init as PID 1 of every container (docker run --init by
        # default): `sleep` and other signal-deaf workloads stop at once
        # instead of holding every stop for 10 s.
        "init": True,
        # Containers never ask the machine's resolver: names the embedded DNS
        # cannot answer fail at once, inside the container's namespace.
        "dns": ["127.0.0.1"],
        "iptables": True,
        "ip-forward": True,
    }
    if engine.keeps_trust_key:
        # Otherwise every daemon shares (and creates) /etc/docker/key.json, and all engines
        # report the same ID. Newer dockerds keep their ID in their data-root and refuse it.
        settings["deprecated-key-path"] = str(hp.trust_key)
    return settings


def write_config(hp: HostPaths, engine: Engine) -> bool:
    """Write daemon.json; True when its content changed."""
    text = json.dumps(config(hp, engine), indent=2, sort_keys=True) + "\n"
    return write_if_changed(hp.daemon_json, text)


def running(hp: HostPaths) -> int | None:
    """The pid of this host's dockerd (checked against its command line), if alive."""
    return procs.verified(hp.dockerd_pid, str(hp.daemon_json))


def healthy(host: Host, hp: HostPaths) -> bool:
    """Running in the host's namespaces and answering /_ping.

    Never judged by /info: on a manager it waits for the swarm's raft (up to 20 s for the
    cluster and 20 s more for its nodes when there is no leader), so a working daemon of a
    swarm that lost quorum looked dead and was restarted.
    """
    pid = running(hp)
    return (pid is not None and holder.holds(host.netns, hp, pid)
            and dockerapi.answers(hp.docker_socket))


def start(host: Host, holder_pid: int, hp: HostPaths, engine: Engine) -> None:
    hp.dockerd_pid.unlink(missing_ok=True)
    env = clean_env(
        PATH=engine.path,
        # Swarm tasks use the image each host already has: no pull attempt,
        # no lookup of a registry that is not there.
        DOCKER_SERVICE_PREFER_OFFLINE_IMAGE="1",
    )
    spawn_daemon(
        [*holder.enter(host.netns, holder_pid), engine.dockerd, f"--config-file={hp.daemon_json}"],
        hp.dockerd_log,
        env=env,
    )


def log_tail(hp: HostPaths, lines: int = 5) -> str:
    try:
        text = hp.dockerd_log.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return "(no log)"
    return " | ".join(line.strip() for line in text[-lines:])


def wait_ready(host: Host, hp: HostPaths, timeout: float = 60.0) -> str:
    """Wait until the daemon runs in the host's namespaces and answers; return its version.

    dockerd serves its API only once its swarm part has started (or given up after 20 s);
    /version, unlike /info, then answers whatever state the swarm is in.
    """
    deadline = time.monotonic() + timeout
    seen_pid = False
    while time.monotonic() < deadline:
        pid = running(hp)
        if pid is not None:
            seen_pid = True
        elif seen_pid:
            raise RuntimeError(f"dockerd exited; {hp.dockerd_log}: {log_tail(hp)}")
        if pid is not None and dockerapi.answers(hp.docker_socket, timeout=1.0):
            if not holder.holds(host.netns, hp, pid):
                raise RuntimeError(f"dockerd (pid {pid}) is not in {host.name}'s namespaces")
            return str(dockerapi.version(hp.docker_socket).get("Version", "?"))
        time.sleep(0.1)
    raise RuntimeError(
        f"socket {hp.docker_socket} did not answer within {timeout:.0f}s; {hp.dockerd_log}: {log_tail(hp)}"
    )
