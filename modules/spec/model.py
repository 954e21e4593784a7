"""The typed lab the program builds from. Plain frozen data: parse.py makes it, nothing
else does, and nothing changes it afterwards."""

from __future__ import annotations

from dataclasses import dataclass, field

from modules.spec.links import Impairment


@dataclass(frozen=True)
class HostSpec:
    name: str
    """Host name: the swarm node name and the name in the lab's ssh_config."""
    address: str
    """IPv4 address on the lab LAN; the swarm advertises and listens on it."""
    role: str
    """manager or worker."""
    user: str
    """SSH user."""
    ssh_host: str | None = None
    """Where SSH reaches the host when that is not its lab address (a VM's forwarded port on
    127.0.0.1, a host behind NAT); None means the lab address."""
    ssh_port: int = 22


@dataclass(frozen=True)
class OverlaySpec:
    name: str
    """Docker network name."""
    encrypted: bool = False
    """IPsec (ESP) encryption of VXLAN traffic between nodes (--opt encrypted)."""
    subnet: str | None = None
    """Optional subnet; Docker picks one from its default pools otherwise."""


@dataclass(frozen=True)
class MacvlanSpec:
    name: str
    """The swarm-scoped macvlan network's name."""
    parent: str
    """Parent interface on every host (eth1 on the lab hosts)."""
    ranges: dict[str, str]
    """Per host, the disjoint --ip-range its containers take addresses from."""

    @property
    def config_name(self) -> str:
        # --config-from needs the same config-only network name on every node.
        return f"{self.name}-config"


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    """Service name; tasks resolve it (and tasks.<name>) through Docker's DNS."""
    network: str
    """The swarm network (overlay or macvlan) it attaches to."""
    node: str
    """The host it is pinned to (node.hostname constraint), so traffic crosses hosts."""
    image: str
    """Image reference."""
    command: tuple[str, ...]
    """Command and arguments; empty means the image's own."""
    replicas: int = 1
    """Number of tasks."""


@dataclass(frozen=True)
class SshSpec:
    key_file: str
    known_hosts_file: str
    connect_timeout: int
    command_timeout: int


@dataclass(frozen=True)
class HardeningSpec:
    autolock: bool = False
    """Swarm autolock: a restarted manager stays locked until given the unlock key (CIS 7.5)."""
    cert_expiry: str | None = None
    """Node certificate lifetime, e.g. 2160h (CIS 7.7); Docker's default is 2160h."""
    token_rotation: int = 0
    """Raise to rotate both join tokens once (CIS 7.6); nodes already in stay in."""


@dataclass(frozen=True)
class CheckSpec:
    """One check a stack declares (swarmlab:validate), already checked against the lab."""

    kind: str
    """ping, dns, http, tcp or udp."""
    source_kind: str
    """service (one of its running tasks), container (a single-host demo) or host."""
    source: str
    host: str
    """The lab host it is tried from (a service's is the node it is pinned to)."""
    target: str
    """A lab name, a lab address, or `@<container>`: that demo container's address on
    `network`, looked up when the check runs."""
    port: int = 0
    network: str = ""
    expect: str = "pass"
    timeout: int = 2
    retries: int = 0
    name: str = ""


@dataclass(frozen=True)
class LabSpec:
    hosts: tuple[HostSpec, ...]
    ssh: SshSpec
    lan_subnet: str
    lan_gateway: str
    endpoint_mode: str
    image: str
    overlays: tuple[OverlaySpec, ...]
    macvlan: MacvlanSpec
    services: tuple[ServiceSpec, ...]
    single_host_nodes: tuple[str, ...]
    """The hosts that run the seed's single-host demos; empty when they are off."""
    hardening: HardeningSpec = HardeningSpec()
    ready_timeout: int = 120
    """Seconds `pulumi up` waits, at its end, for the lab to work."""
    checks: tuple[CheckSpec, ...] = ()
    """The stack's own checks (swarmlab:validate), which `make validate` runs."""
    links: dict[str, Impairment] = field(default_factory=dict)
    """Per host, in spec order, the netem `pulumi up` puts on its LAN interface
    (swarmlab:links); a host not named keeps whatever its interface has."""
    managers: tuple[HostSpec, ...] = field(init=False)
    workers: tuple[HostSpec, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "managers", tuple(h for h in self.hosts if h.role == "manager"))
        object.__setattr__(self, "workers", tuple(h for h in self.hosts if h.role == "worker"))

    @property
    def leader(self) -> HostSpec:
        """The manager that runs `docker swarm init`: the first one listed."""
        return self.managers[0]

    def host(self, name: str) -> HostSpec:
        return next(h for h in self.hosts if h.name == name)

    @property
    def swarm_networks(self) -> tuple[str, ...]:
        return (*(o.name for o in self.overlays), self.macvlan.name)
