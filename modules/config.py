"""The stack's configuration, read once and validated into one typed LabSpec.

Every mistake in a stack file is found here, before any SSH connection or
change, and reported with the key, the bad value and what is allowed.
`parse_spec` is pure (a dict in, a LabSpec or ConfigError out) so the unit
tests can feed it every bad input without Pulumi or hosts.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Any

NAMESPACE = "swarmlab"
ROLES = ("manager", "worker")
ENDPOINT_MODES = ("vip", "dnsrr")
HOST_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
# Docker's reference grammar, simplified: [registry[:port]/]path[:tag][@digest].
IMAGE_REF = re.compile(
    r"^(?:[a-z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$"
)
NETWORK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
BUILTIN_NETWORKS = ("bridge", "host", "none")

KNOWN_KEYS = {
    "hosts": "list of {name, address, role[, user]}",
    "sshUser": "string",
    "sshKeyFile": "path",
    "sshKnownHostsFile": "path",
    "sshConnectTimeout": "seconds (1-120)",
    "sshCommandTimeout": "seconds (1-3600)",
    "lanSubnet": "CIDR",
    "lanGateway": "IPv4 address",
    "endpointMode": "vip | dnsrr",
    "image": "image reference",
    "overlays": "list of {name[, encrypted, subnet]}",
    "macvlan": "{name, parent[, ranges]}",
    "services": "list of {name, network, node[, image, command, replicas]}",
    "singleHostDemos": "boolean",
    "singleHostNodes": "list of host names",
    "autolock": "boolean",
    "certExpiry": "hours, such as 2160h",
    "tokenRotation": "whole number; raise it to rotate the join tokens",
}


class ConfigError(ValueError):
    """A stack configuration error; the message names key, value and what is allowed."""


@dataclass(frozen=True)
class HostSpec:
    name: str
    """Host name: the swarm node name and the name in .lab/ssh_config."""
    address: str
    """IPv4 address on the lab LAN; swarm advertises and listens on it."""
    role: str
    """manager or worker."""
    user: str
    """SSH user."""


@dataclass(frozen=True)
class OverlaySpec:
    name: str
    """Docker network name."""
    encrypted: bool = False
    """IPsec (ESP) encryption of VXLAN traffic between nodes (--opt encrypted)."""
    subnet: str | None = None
    """Optional subnet; Docker picks one from 10.0.0.0/8 otherwise."""


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
        # config-from needs the same config-only network name on every node.
        return f"{self.name}-config"


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    """Service name; tasks resolve it through Docker's DNS."""
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
    def single_host_demos(self) -> bool:
        return bool(self.single_host_nodes)


def _err(key: str, value: Any, allowed: str) -> ConfigError:
    return ConfigError(f"swarmlab:{key}: {value!r} is not valid; allowed: {allowed}")


def _expect(key: str, value: Any, kind: type | tuple[type, ...], allowed: str) -> Any:
    # bool is an int in Python; a boolean where a number belongs is still wrong.
    if isinstance(value, bool) and kind is not bool:
        raise _err(key, value, allowed)
    if not isinstance(value, kind):
        raise _err(key, value, allowed)
    return value


def _int(key: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        value = int(value)
    value = _expect(key, value, int, f"a whole number from {low} to {high}")
    if not low <= value <= high:
        raise _err(key, value, f"a whole number from {low} to {high}")
    return int(value)


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    return bool(_expect(key, value, bool, "true or false"))


def _keys(key: str, obj: Any, required: tuple[str, ...], optional: tuple[str, ...]) -> dict:
    allowed = ", ".join(required + optional)
    obj = _expect(key, obj, dict, f"an object with keys {allowed}")
    for name in obj:
        if name not in required + optional:
            raise ConfigError(f"swarmlab:{key}: unknown key {name!r}; allowed keys: {allowed}")
    for name in required:
        if name not in obj:
            raise ConfigError(f"swarmlab:{key}: missing key {name!r}; required keys: {allowed}")
    return obj


def _ipv4(key: str, value: Any) -> ipaddress.IPv4Address:
    try:
        return ipaddress.IPv4Address(_expect(key, value, str, "an IPv4 address"))
    except ValueError:
        raise _err(key, value, "an IPv4 address such as 192.168.1.10") from None


def _net(key: str, value: Any) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(_expect(key, value, str, "an IPv4 CIDR"))
    except ValueError:
        raise _err(key, value, "an IPv4 network in CIDR form such as 192.168.1.0/24") from None


def _image(key: str, value: Any) -> str:
    value = _expect(key, value, str, "an image reference such as nginx:1.27")
    if not IMAGE_REF.match(value):
        raise _err(key, value, "an image reference such as nginx:1.27 or registry:5000/app:tag")
    return str(value)


def _parse_hosts(raw: Any, default_user: str, lan: ipaddress.IPv4Network,
                 gateway: ipaddress.IPv4Address) -> tuple[HostSpec, ...]:
    hosts_list = _expect("hosts", raw, list, "a list of {name, address, role[, user]}")
    if not hosts_list:
        raise ConfigError("swarmlab:hosts: the list is empty; a lab needs at least one manager")
    hosts: list[HostSpec] = []
    for i, item in enumerate(hosts_list):
        key = f"hosts[{i}]"
        obj = _keys(key, item, ("name", "address", "role"), ("user",))
        name = _expect(f"{key}.name", obj["name"], str, "a host name")
        if not HOST_NAME.match(name):
            raise _err(f"{key}.name", name, "lowercase letters, digits and '-', starting with a letter")
        address = _ipv4(f"{key}.address", obj["address"])
        if address not in lan or address in (lan.network_address, lan.broadcast_address):
            raise _err(f"{key}.address", str(address), f"a host address inside lanSubnet {lan}")
        if address == gateway:
            raise _err(f"{key}.address", str(address), f"any address but the gateway {gateway}")
        role = obj["role"]
        if role not in ROLES:
            raise _err(f"{key}.role", role, " | ".join(ROLES))
        user = _expect(f"{key}.user", obj.get("user", default_user), str, "a user name")
        for other in hosts:
            if other.name == name:
                raise ConfigError(f"swarmlab:{key}.name: host {name!r} is listed twice")
            if other.address == str(address):
                raise ConfigError(
                    f"swarmlab:{key}.address: {address} is already the address of host {other.name!r}"
                )
        hosts.append(HostSpec(name=name, address=str(address), role=role, user=user))
    managers = [h for h in hosts if h.role == "manager"]
    if not managers:
        raise ConfigError("swarmlab:hosts: no host has role 'manager'; a swarm needs 1, 3 or 5")
    if len(managers) % 2 == 0:
        raise ConfigError(
            f"swarmlab:hosts: {len(managers)} managers is an even number; use 1, 3 or 5: raft "
            f"needs a majority, and {len(managers)} managers tolerate no more failures than "
            f"{len(managers) - 1}"
        )
    return tuple(hosts)


def _parse_overlays(raw: Any, lan: ipaddress.IPv4Network) -> tuple[OverlaySpec, ...]:
    items = _expect("overlays", raw, list, "a list of {name[, encrypted, subnet]}")
    overlays: list[OverlaySpec] = []
    seen_nets: list[tuple[str, ipaddress.IPv4Network]] = [("lanSubnet", lan)]
    for i, item in enumerate(items):
        key = f"overlays[{i}]"
        obj = _keys(key, item, ("name",), ("encrypted", "subnet", "driver"))
        name = _expect(f"{key}.name", obj["name"], str, "a network name")
        if not NETWORK_NAME.match(name) or name in BUILTIN_NETWORKS:
            raise _err(f"{key}.name", name, "letters, digits, '_', '.', '-'; not bridge/host/none")
        if obj.get("driver", "overlay") != "overlay":
            raise _err(f"{key}.driver", obj["driver"], "overlay (macvlan is configured under macvlan)")
        encrypted = _bool(f"{key}.encrypted", obj.get("encrypted", False))
        subnet = None
        if "subnet" in obj:
            net = _net(f"{key}.subnet", obj["subnet"])
            for other_key, other in seen_nets:
                if net.overlaps(other):
                    raise ConfigError(
                        f"swarmlab:{key}.subnet: {net} overlaps {other_key} {other}; "
                        "allowed: a subnet that overlaps no other lab network"
                    )
            seen_nets.append((f"{key}.subnet", net))
            subnet = str(net)
        if any(o.name == name for o in overlays):
            raise ConfigError(f"swarmlab:{key}.name: network {name!r} is listed twice")
        overlays.append(OverlaySpec(name=name, encrypted=encrypted, subnet=subnet))
    return tuple(overlays)


def default_macvlan_ranges(hosts: tuple[HostSpec, ...], lan: ipaddress.IPv4Network
                           ) -> dict[str, str]:
    """One /29 per host from the top half of the LAN, away from host addresses (.10-.99)."""
    blocks = list(lan.subnets(new_prefix=29))
    upper = [b for b in blocks if b.network_address >= lan.network_address + 128]
    return {h.name: str(upper[i]) for i, h in enumerate(hosts)}


def _parse_macvlan(raw: Any, hosts: tuple[HostSpec, ...], lan: ipaddress.IPv4Network,
                   gateway: ipaddress.IPv4Address) -> MacvlanSpec:
    obj = _keys("macvlan", raw, ("name", "parent"), ("ranges",))
    name = _expect("macvlan.name", obj["name"], str, "a network name")
    if not NETWORK_NAME.match(name):
        raise _err("macvlan.name", name, "letters, digits, '_', '.', '-'")
    parent = _expect("macvlan.parent", obj["parent"], str, "an interface name such as eth1")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,15}", parent):
        raise _err("macvlan.parent", parent, "an interface name such as eth1 (at most 15 characters)")
    if len(hosts) > 16 and not obj.get("ranges"):
        raise ConfigError("swarmlab:hosts: at most 16 hosts fit the default macvlan ranges; "
                          "set swarmlab:macvlan.ranges")
    ranges_raw = obj.get("ranges") or default_macvlan_ranges(hosts, lan)
    ranges_raw = _expect("macvlan.ranges", ranges_raw, dict, "an object host name -> CIDR")
    host_names = {h.name for h in hosts}
    ranges: dict[str, ipaddress.IPv4Network] = {}
    for host_name, cidr in ranges_raw.items():
        key = f"macvlan.ranges.{host_name}"
        if host_name not in host_names:
            raise _err(key, host_name, "one of the hosts: " + ", ".join(sorted(host_names)))
        net = _net(key, cidr)
        if not net.subnet_of(lan):
            raise _err(key, str(net), f"an ip-range inside lanSubnet {lan}")
        for h in hosts:
            if ipaddress.IPv4Address(h.address) in net:
                raise _err(key, str(net), f"a range that leaves out host {h.name} ({h.address})")
        if gateway in net:
            raise _err(key, str(net), f"a range that leaves out the gateway {gateway}")
        for other_name, other in ranges.items():
            if net.overlaps(other):
                raise ConfigError(
                    f"swarmlab:{key}: {net} overlaps the range of host {other_name!r} ({other}); "
                    "allowed: disjoint ranges, one per host"
                )
        ranges[host_name] = net
    missing = host_names - set(ranges)
    if missing:
        raise ConfigError(f"swarmlab:macvlan.ranges: no range for host(s) {', '.join(sorted(missing))}")
    return MacvlanSpec(name=name, parent=parent, ranges={k: str(v) for k, v in ranges.items()})


def default_services(spec_hosts: tuple[HostSpec, ...], image: str, overlays: tuple[OverlaySpec, ...],
                     macvlan_name: str) -> list[dict[str, Any]]:
    """The seed's pair (web serves, app pings it) on every swarm network, on different hosts."""
    first = spec_hosts[0].name
    second = spec_hosts[1].name if len(spec_hosts) > 1 else first
    pairs = [(o.name, "" if i == 0 else f"{o.name.replace('_', '-')}-") for i, o in
             enumerate(overlays)]
    pairs.append((macvlan_name, f"{macvlan_name}-"))
    services: list[dict[str, Any]] = []
    for network, prefix in pairs:
        services.append({"name": f"{prefix}web", "network": network, "node": second,
                         "image": image, "command": ["httpd", "-f", "-p", "80", "-h", "/www"]})
        services.append({"name": f"{prefix}app", "network": network, "node": first,
                         "image": image, "command": ["sleep", "100000"]})
    return services


def _parse_services(raw: Any, hosts: tuple[HostSpec, ...], image: str,
                    networks: set[str]) -> tuple[ServiceSpec, ...]:
    items = _expect("services", raw, list, "a list of {name, network, node[, image, command, replicas]}")
    host_names = sorted(h.name for h in hosts)
    services: list[ServiceSpec] = []
    for i, item in enumerate(items):
        key = f"services[{i}]"
        obj = _keys(key, item, ("name", "network", "node"), ("image", "command", "replicas"))
        name = _expect(f"{key}.name", obj["name"], str, "a service name")
        if not NETWORK_NAME.match(name):
            raise _err(f"{key}.name", name, "letters, digits, '_', '.', '-'")
        if any(s.name == name for s in services):
            raise ConfigError(f"swarmlab:{key}.name: service {name!r} is listed twice")
        network = obj["network"]
        if network not in networks:
            raise _err(f"{key}.network", network, "one of the lab's swarm networks: "
                       + ", ".join(sorted(networks)))
        node = obj["node"]
        if node not in host_names:
            raise _err(f"{key}.node", node, "one of the hosts: " + ", ".join(host_names))
        svc_image = _image(f"{key}.image", obj.get("image", image))
        command = _expect(f"{key}.command", obj.get("command", []), list, "a list of strings")
        if not all(isinstance(c, str) for c in command):
            raise _err(f"{key}.command", command, "a list of strings")
        replicas = _int(f"{key}.replicas", obj.get("replicas", 1), 0, 100)
        services.append(ServiceSpec(name=name, network=network, node=node, image=svc_image,
                                    command=tuple(command), replicas=replicas))
    return tuple(services)


def parse_spec(raw: dict[str, Any]) -> LabSpec:
    """Validate the stack's `swarmlab:*` values (already JSON-decoded) into a LabSpec."""
    if not raw:
        raise ConfigError("swarmlab: the stack has no swarmlab configuration; "
                          "required: swarmlab:hosts (see stacks/Pulumi.local.yaml)")
    for key in raw:
        if key not in KNOWN_KEYS:
            raise ConfigError(f"swarmlab:{key}: unknown key; allowed keys: {', '.join(KNOWN_KEYS)}")
    if "hosts" not in raw:
        raise ConfigError("swarmlab:hosts: missing; a lab needs a list of hosts with a manager")
    lan = _net("lanSubnet", raw.get("lanSubnet", "192.168.1.0/24"))
    gateway = _ipv4("lanGateway", raw.get("lanGateway", "192.168.1.1"))
    if gateway not in lan:
        raise _err("lanGateway", str(gateway), f"an address inside lanSubnet {lan}")
    user = _expect("sshUser", raw.get("sshUser", "root"), str, "a user name")
    hosts = _parse_hosts(raw["hosts"], user, lan, gateway)
    ssh = SshSpec(
        key_file=_expect("sshKeyFile", raw.get("sshKeyFile", ".lab/id_ed25519"), str, "a path"),
        known_hosts_file=_expect("sshKnownHostsFile", raw.get("sshKnownHostsFile",
                                 ".lab/known_hosts"), str, "a path"),
        connect_timeout=_int("sshConnectTimeout", raw.get("sshConnectTimeout", 5), 1, 120),
        command_timeout=_int("sshCommandTimeout", raw.get("sshCommandTimeout", 120), 1, 3600),
    )
    endpoint_mode = raw.get("endpointMode", "vip")
    if endpoint_mode not in ENDPOINT_MODES:
        raise _err("endpointMode", endpoint_mode, " | ".join(ENDPOINT_MODES))
    image = _image("image", raw.get("image", "swarmlab/busybox:lab"))
    overlays = _parse_overlays(raw.get("overlays", [
        {"name": "myoverlay"}, {"name": "secure_net", "encrypted": True}]), lan)
    macvlan = _parse_macvlan(raw.get("macvlan", {"name": "mymacvlan", "parent": "eth1"}),
                             hosts, lan, gateway)
    if any(o.name == macvlan.name for o in overlays):
        raise ConfigError(f"swarmlab:macvlan.name: {macvlan.name!r} is also an overlay's name")
    swarm_networks = {o.name for o in overlays} | {macvlan.name}
    services_raw = raw.get("services")
    if services_raw is None:
        services_raw = default_services(hosts, image, overlays, macvlan.name)
    services = _parse_services(services_raw, hosts, image, swarm_networks)
    return LabSpec(
        hosts=hosts, ssh=ssh, lan_subnet=str(lan), lan_gateway=str(gateway),
        endpoint_mode=endpoint_mode, image=image, overlays=overlays, macvlan=macvlan,
        services=services,
        single_host_nodes=_parse_single_host_nodes(raw, hosts),
        hardening=_parse_hardening(raw),
    )


def _parse_single_host_nodes(raw: dict[str, Any], hosts: tuple[HostSpec, ...]
                             ) -> tuple[str, ...]:
    """Where the single-host demos run. By default on the first two hosts: the lesson needs
    one host, and a second one to reach the host-network server from. Every further node
    would only repeat them (and on a small machine, seven containers a node dominate the
    time of `pulumi up`; see bench/results.md)."""
    if not _bool("singleHostDemos", raw.get("singleHostDemos", True)):
        return ()
    names = [h.name for h in hosts]
    chosen = raw.get("singleHostNodes")
    if chosen is None:
        return tuple(names[:2])
    allowed = "a non-empty list of host names from: " + ", ".join(names)
    chosen = _expect("singleHostNodes", chosen, list, allowed)
    if not chosen:
        raise _err("singleHostNodes", chosen, allowed)
    for i, name in enumerate(chosen):
        if name not in names:
            raise _err(f"singleHostNodes[{i}]", name, "one of the hosts: " + ", ".join(names))
        if name in chosen[:i]:
            raise ConfigError(f"swarmlab:singleHostNodes[{i}]: host {name!r} is listed twice")
    return tuple(chosen)


def _parse_hardening(raw: dict[str, Any]) -> HardeningSpec:
    expiry = raw.get("certExpiry") or None
    if expiry is not None:
        expiry = _expect("certExpiry", expiry, str, "hours such as 2160h (at least 1h)")
        if not re.fullmatch(r"[1-9][0-9]{0,5}h", expiry):
            raise _err("certExpiry", expiry, "hours such as 2160h (at least 1h)")
    return HardeningSpec(
        autolock=_bool("autolock", raw.get("autolock", False)),
        cert_expiry=expiry,
        token_rotation=_int("tokenRotation", raw.get("tokenRotation", 0), 0, 1_000_000),
    )


def raw_from_pulumi_config(config: dict[str, Any]) -> dict[str, Any]:
    """The `swarmlab:*` entries of Pulumi's config map, values JSON-decoded where they are JSON."""
    raw: dict[str, Any] = {}
    prefix = f"{NAMESPACE}:"
    for full_key, value in config.items():
        if not full_key.startswith(prefix):
            continue
        key = full_key[len(prefix):]
        if key.startswith("config:"):  # older CLIs send "swarmlab:config:key"
            key = key[len("config:"):]
        if isinstance(value, str):
            try:
                decoded = json.loads(value)
            except ValueError:
                decoded = value
            # Keep plain strings that happen to parse as numbers as strings for string keys.
            value = decoded if isinstance(decoded, (list, dict, bool, int)) else value
        raw[key] = value
    return raw


def load_spec() -> LabSpec:
    """Read the running stack's configuration (inside a Pulumi program)."""
    from pulumi.runtime.config import CONFIG

    return parse_spec(raw_from_pulumi_config(dict(CONFIG.get())))
