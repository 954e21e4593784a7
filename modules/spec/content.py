"""What the lab runs unless a stack says otherwise: the seed's web/app pair on every swarm
network, and its single-host demos. The program, the readiness gate, the scale test and the
raw-CLI bench all take them from here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

HTTP_PORT = 80
HTTPD = ("httpd", "-f", "-p", str(HTTP_PORT), "-h", "/www")
IDLE = ("sleep", "100000")
# The host-network demo serves on the host's own address, on this port.
HOST_PORT = 8080

# The seed's single-host networks: Docker's three, and the two it creates.
DOCKER_NETWORKS = ("bridge", "host", "none")
DEMO_NETWORKS = ("mynetwork", "myappnet")
SINGLE_HOST_NETWORKS = ("bridge", "mynetwork", "myappnet", "host", "none")
# Names Docker itself gives networks on a swarm node.
SWARM_SYSTEM_NETWORKS = ("ingress", "docker_gwbridge")


@dataclass(frozen=True)
class DemoContainer:
    name: str
    network: str
    """A Docker network (bridge, host, none) or one of DEMO_NETWORKS."""
    command: tuple[str, ...]


def demo_containers(host_address: str) -> tuple[DemoContainer, ...]:
    """The seed's single-host lesson on one host:
    web1, web2 on the default bridge (reachable by IP, not by name); app on mynetwork;
    db and web on myappnet (web pings db by name); hostweb on the host's own network,
    serving on its address; isolated with no network at all."""
    return (
        DemoContainer("web1", "bridge", HTTPD),
        DemoContainer("web2", "bridge", HTTPD),
        DemoContainer("app", "mynetwork", IDLE),
        DemoContainer("db", "myappnet", IDLE),
        DemoContainer("web", "myappnet", HTTPD),
        DemoContainer("hostweb", "host",
                      ("httpd", "-f", "-p", f"{host_address}:{HOST_PORT}", "-h", "/www")),
        DemoContainer("isolated", "none", IDLE),
    )


def service_prefix(network: str, index: int, macvlan: bool) -> str:
    """The first overlay's pair is plain web/app (the seed's); the others carry their network."""
    if index == 0 and not macvlan:
        return ""
    return f"{network.replace('_', '-')}-"


def default_services(host_names: Sequence[str], image: str, overlays: Sequence[str],
                     macvlan: str) -> list[dict[str, Any]]:
    """The seed's pair on every swarm network: web serves on the second host, app (a client
    that idles) on the first, so their traffic crosses hosts."""
    first = host_names[0]
    second = host_names[1] if len(host_names) > 1 else first
    networks = [(name, service_prefix(name, i, False)) for i, name in enumerate(overlays)]
    networks.append((macvlan, service_prefix(macvlan, 0, True)))
    services: list[dict[str, Any]] = []
    for network, prefix in networks:
        services.append({"name": f"{prefix}web", "network": network, "node": second,
                         "image": image, "command": list(HTTPD)})
        services.append({"name": f"{prefix}app", "network": network, "node": first,
                         "image": image, "command": list(IDLE)})
    return services
