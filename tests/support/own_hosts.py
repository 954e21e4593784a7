"""A lab on hosts the hosts tool did not make (the `hosts` stack, Vagrant): the live tests
reach them as the stack says, with its user, key, known_hosts and ports, and learn what
their kernels have without root."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from hosts.sshfiles import host_block
from modules.ssh import Target, run

# What a user of the docker group can see: a loaded module, IPVS's proc file.
FEATURES = ("esp=$(test -d /sys/module/esp4 && echo 1 || echo 0); "
            "ip_vs=$(test -e /proc/net/ip_vs && echo 1 || echo 0); "
            "echo \"esp=$esp ip_vs=$ip_vs uid=$(id -u)\"")


def ssh_config(targets: Mapping[str, Target]) -> str:
    """An ssh_config for testinfra: each host by its name, as the stack reaches it."""
    return "\n".join(host_block(t.name, t.endpoint, t.port, t.user, t.key_file,
                                t.known_hosts_file, int(t.connect_timeout))
                     for t in targets.values())


def write_ssh_config(path: Path, targets: Mapping[str, Target]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ssh_config(targets))
    return path


def kernel_features(targets: Mapping[str, Target]) -> dict[str, dict[str, bool]]:
    """Per host, esp and ip_vs as a non-root user sees them, whether it is root, and that the
    hosts are not the hosts tool's ("own")."""
    def one(target: Target) -> dict[str, bool]:
        said = dict(part.split("=", 1) for part in run(target, FEATURES).stdout.split())
        return {"esp": said["esp"] == "1", "ip_vs": said["ip_vs"] == "1",
                "root": said["uid"] == "0", "own": True}
    with ThreadPoolExecutor(max_workers=max(1, len(targets))) as pool:
        return dict(zip(targets, pool.map(one, targets.values()), strict=True))


def inventory(spec: Any, targets: Mapping[str, Target]) -> list[dict[str, Any]]:
    """The hosts as the live tests list them (the shape of the hosts tool's inventory)."""
    return [{"name": h.name, "address": h.address, "role": h.role,
             "ssh": {"host": targets[h.name].endpoint, "port": targets[h.name].port}}
            for h in spec.hosts]
