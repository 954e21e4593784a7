"""One containerd per host, started by the hosts tool itself, in the host's namespaces.

dockerd is told which containerd to use (daemon.json's `containerd`), so it never starts or
attaches to any other: a dockerd left to itself uses /run/containerd/containerd.sock when a
system containerd listens there (Docker CE's containerd.io runs one), and then every lab
host would share the machine's containerd. Root, state and sockets live under the host's
directory; the shims' sockets go where containerd keeps them (/run/containerd/s, named by a
hash of this containerd's socket path, so they never meet another's).
"""

from __future__ import annotations

import socket
import time

from hosts import procs
from hosts.commands import clean_env, spawn_daemon
from hosts.onebox import holder
from hosts.onebox.engine import Engine
from hosts.paths import HostPaths, write_if_changed
from hosts.topology import Host


def config(hp: HostPaths) -> str:
    return "\n".join([
        "# containerd of one lab host; written by `python -m hosts up`.",
        "version = 2",
        f'root = "{hp.containerd_root}"',
        f'state = "{hp.containerd_state}"',
        # Kubernetes' CRI is not needed by dockerd.
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        "",
        "[grpc]",
        f'  address = "{hp.containerd_socket}"',
        "",
        "[ttrpc]",
        f'  address = "{hp.containerd_socket}.ttrpc"',
        "",
        "[debug]",
        '  address = ""',
        "",
        "[metrics]",
        '  address = ""',
        "",
    ])


def write_config(hp: HostPaths) -> bool:
    return write_if_changed(hp.containerd_config, config(hp))


def running(hp: HostPaths) -> int | None:
    """The pid of this host's containerd (checked against its command line), if alive."""
    return procs.verified(hp.containerd_pid, str(hp.containerd_config))


def start(host: Host, holder_pid: int, hp: HostPaths, engine: Engine) -> None:
    hp.containerd_pid.unlink(missing_ok=True)
    # sh writes its own pid, then becomes containerd (exec): the pidfile names containerd.
    spawn_daemon([*holder.enter(host.netns, holder_pid), "sh", "-c", 'echo $$ > "$1"; exec "$2" '
                  '--config "$3"', "swarmlab-containerd", str(hp.containerd_pid), engine.containerd,
                  str(hp.containerd_config)], hp.containerd_log, env=clean_env(PATH=engine.path))


def answers(hp: HostPaths) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(str(hp.containerd_socket))
        except OSError:
            return False
    return True


def wait_ready(hp: HostPaths, timeout: float = 30.0) -> int:
    """Wait until containerd answers on its socket; return its pid."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = running(hp)
        if pid is not None and answers(hp):
            return pid
        time.sleep(0.05)
    raise RuntimeError(f"containerd did not answer on {hp.containerd_socket} within "
                       f"{timeout:.0f}s (see {hp.containerd_log})")
