"""The stack's sections, checked together into one LabSpec. Pure: a dict of the stack's
`swarmlab:*` values in (already decoded), a LabSpec or a ConfigError out, so the unit tests
feed it every bad input without Pulumi, files or hosts."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from typing import Any

from modules.spec import content, links
from modules.spec.declared import parse_checks
from modules.spec.model import (
    HardeningSpec,
    HostSpec,
    LabSpec,
    MacvlanSpec,
    OverlaySpec,
    ServiceSpec,
    SshSpec,
)
from modules.spec.rules import (
    DNS_NAME,
    HOST_NAME,
    INTERFACE,
    OBJECT_NAME,
    PRINTABLE,
    USER_NAME,
    ConfigError,
    boolean,
    err,
    expect,
    image,
    integer,
    ipv4,
    keys,
    list_of_strings,
    network,
    refuse,
    shown,
    text,
)
from modules.spec.settings import BY_KEY, default

ROLES = ("manager", "worker")
ENDPOINT_MODES = ("vip", "dnsrr")
# Lab addresses live only in private ranges (the hosts tool guards exactly these).
PRIVATE = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
# Networks every swarm node already has: a lab network must not overlap them.
DOCKER_OWN = (("Docker's ingress network", ipaddress.IPv4Network("10.0.0.0/24")),
              ("Docker's default bridge", ipaddress.IPv4Network("172.17.0.0/16")))
PATH = re.compile(r"[^\x00-\x1f\-][^\x00-\x1f]{0,4095}")
# Raft needs a majority: an even count tolerates no more failures than one fewer, and every
# manager past five slows each write for no gain in a lab.
MANAGER_COUNTS = (1, 3, 5)
# What inet_aton reads as an address (3232235777, 0xc0a80101, 192.168.257): a service so
# named would make a check's "lab name" an address anywhere, the machine's own included.
NUMERIC_NAME = re.compile(r"[0-9][0-9A-Fa-fXx.]*")
# A key a message may show as it is; any other is shown quoted (escaped).
PLAIN_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")


def _private(key: str, net: ipaddress.IPv4Network, low: int, high: int) -> None:
    if not any(net.subnet_of(p) for p in PRIVATE) or not low <= net.prefixlen <= high:
        raise err(key, str(net), f"a private IPv4 network (in 10.0.0.0/8, 172.16.0.0/12 or "
                                 f"192.168.0.0/16) from /{low} to /{high}")
    for name, own in DOCKER_OWN:
        if net.overlaps(own):
            raise err(key, str(net), f"a network that does not overlap {name} {own}")


def _lan(raw: dict[str, Any]) -> tuple[ipaddress.IPv4Network, ipaddress.IPv4Address]:
    lan = network("lanSubnet", raw.get("lanSubnet", default("lanSubnet")))
    _private("lanSubnet", lan, 16, 24)
    gateway = ipv4("lanGateway", raw.get("lanGateway", str(lan.network_address + 1)))
    if gateway not in lan or gateway in (lan.network_address, lan.broadcast_address):
        raise err("lanGateway", str(gateway), f"a host address inside lanSubnet {lan} (not "
                                               "its network or broadcast address)")
    return lan, gateway


def _ssh_endpoint(key: str, raw: Any) -> tuple[str, int]:
    obj = keys(key, raw, ("host",), ("port",))
    host = text(f"{key}.host", obj["host"], DNS_NAME, "an IPv4 address or a DNS name")
    port = integer(f"{key}.port", obj.get("port", 22), 1, 65535)
    return host, port


def _hosts(key: str, raw: Any, default_user: str, lan: ipaddress.IPv4Network,
           gateway: ipaddress.IPv4Address) -> tuple[HostSpec, ...]:
    hosts_list = expect(key, raw, list, "a list of {name, address, role[, user, ssh]}")
    if not hosts_list:
        raise refuse(key, "the list is empty; a lab needs at least one manager",
                     "a list of hosts with at least one manager")
    hosts: list[HostSpec] = []
    for i, item in enumerate(hosts_list):
        at = f"{key}[{i}]"
        obj = keys(at, item, ("name", "address", "role"), ("user", "ssh"))
        name = text(f"{at}.name", obj["name"], HOST_NAME,
                    "lowercase letters, digits and '-', starting with a letter")
        address = ipv4(f"{at}.address", obj["address"])
        if address not in lan or address in (lan.network_address, lan.broadcast_address):
            raise err(f"{at}.address", str(address), f"a host address inside lanSubnet {lan}")
        if address == gateway:
            raise err(f"{at}.address", str(address), f"any address but the gateway {gateway}")
        role = obj["role"]
        if role not in ROLES:
            raise err(f"{at}.role", role, " | ".join(ROLES))
        user = text(f"{at}.user", obj.get("user", default_user), USER_NAME,
                    "a user name (lowercase letters, digits, '_', '-')")
        ssh_host, ssh_port = _ssh_endpoint(f"{at}.ssh", obj["ssh"]) if "ssh" in obj else (None, 22)
        for other in hosts:
            if other.name == name:
                raise refuse(f"{at}.name", f"host {name!r} is listed twice",
                             "a name no other host has")
            if other.address == str(address):
                raise refuse(f"{at}.address", f"{address} is already the address of host "
                             f"{other.name!r}", "an address no other host has")
        hosts.append(HostSpec(name=name, address=str(address), role=role, user=user,
                              ssh_host=ssh_host, ssh_port=ssh_port))
    count = sum(1 for h in hosts if h.role == "manager")
    allowed = "hosts of which 1, 3 or 5 have role 'manager'"
    if not count:
        raise refuse(key, "no host has role 'manager'; a swarm needs 1, 3 or 5", allowed)
    if count not in MANAGER_COUNTS:
        if count % 2 == 0:
            raise refuse(key, f"{count} managers is an even number; use 1, 3 or 5: raft needs a "
                         f"majority, and {count} managers tolerate no more failures than "
                         f"{count - 1}", allowed)
        raise refuse(key, f"{count} managers are too many; use 1, 3 or 5: every raft write waits "
                     "for a majority of them, and 5 already tolerate 2 failures", allowed)
    return tuple(hosts)


def _hosts_of_file(path: str, host_list: Any, default_user: str, lan: ipaddress.IPv4Network,
                   gateway: ipaddress.IPv4Address) -> tuple[HostSpec, ...]:
    """The host list read from swarmlab:hostsFile, checked like swarmlab:hosts. Its refusals
    name the entry and what is allowed, never a value from the file: the key may point at any
    file (a credentials file, a key), and its content must not reach a message or a log."""
    try:
        return _hosts("hostsFile", host_list, default_user, lan, gateway)
    except ConfigError as error:
        entry = error.key.removeprefix("hostsFile")
        where = f"entry {entry}" if entry.startswith("[") else "the whole list"
        allowed = error.allowed or "a JSON list of {name, address, role[, user, ssh]}"
        raise ConfigError(f"swarmlab:hostsFile: the host list in {shown(path)} is not valid "
                          f"({where}); allowed: {allowed}", "hostsFile", allowed) from None


def _reserved_names(macvlan_name: str) -> tuple[str, ...]:
    return (*content.DOCKER_NETWORKS, *content.SWARM_SYSTEM_NETWORKS, *content.DEMO_NETWORKS,
            f"{macvlan_name}-config")


def _network_name(key: str, value: Any, reserved: tuple[str, ...]) -> str:
    allowed = "letters, digits, '_', '.', '-' (starting with a letter or digit); not " + \
              ", ".join(reserved)
    name = text(key, value, OBJECT_NAME, allowed)
    if name in reserved:
        raise err(key, name, allowed)
    return name


def _macvlan_name(raw: dict[str, Any]) -> str:
    obj = keys("macvlan", raw.get("macvlan", default("macvlan")), ("name", "parent"), ("ranges",))
    reserved = (*content.DOCKER_NETWORKS, *content.SWARM_SYSTEM_NETWORKS, *content.DEMO_NETWORKS)
    return _network_name("macvlan.name", obj["name"], reserved)


def _overlays(raw: Any, lan: ipaddress.IPv4Network, macvlan_name: str) -> tuple[OverlaySpec, ...]:
    items = expect("overlays", raw, list, "a list of {name[, encrypted, subnet]}")
    overlays: list[OverlaySpec] = []
    seen_nets: list[tuple[str, ipaddress.IPv4Network]] = [("lanSubnet", lan)]
    reserved = (*_reserved_names(macvlan_name), macvlan_name)
    for i, item in enumerate(items):
        key = f"overlays[{i}]"
        obj = keys(key, item, ("name",), ("encrypted", "subnet", "driver"))
        name = _network_name(f"{key}.name", obj["name"], reserved)
        if obj.get("driver", "overlay") != "overlay":
            raise err(f"{key}.driver", obj["driver"], "overlay (macvlan is configured under macvlan)")
        encrypted = boolean(f"{key}.encrypted", obj.get("encrypted", False))
        subnet = None
        if "subnet" in obj:
            net = network(f"{key}.subnet", obj["subnet"])
            _private(f"{key}.subnet", net, 16, 29)
            for other_key, other in seen_nets:
                if net.overlaps(other):
                    raise ConfigError(f"swarmlab:{key}.subnet: {net} overlaps {other_key} {other}; "
                                      "allowed: a subnet that overlaps no other lab network")
            seen_nets.append((f"{key}.subnet", net))
            subnet = str(net)
        if any(o.name == name for o in overlays):
            raise ConfigError(f"swarmlab:{key}.name: network {name!r} is listed twice")
        overlays.append(OverlaySpec(name=name, encrypted=encrypted, subnet=subnet))
    return tuple(overlays)


def default_macvlan_ranges(hosts: tuple[HostSpec, ...], lan: ipaddress.IPv4Network,
                           gateway: ipaddress.IPv4Address) -> dict[str, str]:
    """Each host an ip-range of the LAN's last /24 that holds no host's address and not the
    gateway: a /29 from its top half (.128 up) for the first sixteen, then a /30 from its
    lower half, from .124 down, away from the host addresses that count up from .10. So a lab
    of 32 hosts fits, the two-host lab keeps its ranges, and a host added to a lab leaves the
    others' ranges where they were. Raises ConfigError when the hosts outnumber the ranges."""
    last = list(lan.subnets(new_prefix=24))[-1]
    middle = last.network_address + 128
    candidates = [b for b in last.subnets(new_prefix=29) if b.network_address >= middle]
    candidates += [b for b in reversed(list(last.subnets(new_prefix=30)))
                   if b.network_address < middle]
    taken = {ipaddress.IPv4Address(h.address) for h in hosts} | {gateway}
    free = [b for b in candidates if not any(a in b for a in taken)]
    if len(hosts) > len(free):
        raise ConfigError(f"swarmlab:hosts: at most {len(free)} hosts fit the default macvlan "
                          f"ranges of {last} (beside the hosts' addresses and the gateway); "
                          "set swarmlab:macvlan.ranges")
    return {h.name: str(free[i]) for i, h in enumerate(hosts)}


def usable(net: ipaddress.IPv4Network, lan: ipaddress.IPv4Network) -> int:
    """Addresses Docker's IPAM can hand out from an ip-range of the LAN (never the gateway:
    _macvlan refuses a range that holds it)."""
    taken = {lan.network_address, lan.broadcast_address}
    return sum(1 for a in net if a not in taken)


def _macvlan(raw: Any, hosts: tuple[HostSpec, ...], lan: ipaddress.IPv4Network,
             gateway: ipaddress.IPv4Address, name: str) -> MacvlanSpec:
    obj = keys("macvlan", raw, ("name", "parent"), ("ranges",))
    parent = text("macvlan.parent", obj["parent"], INTERFACE,
                  "an interface name such as eth1 (at most 15 characters, starting with a "
                  "letter or digit)")
    ranges_raw = obj.get("ranges") or default_macvlan_ranges(hosts, lan, gateway)
    ranges_raw = expect("macvlan.ranges", ranges_raw, dict, "an object host name -> CIDR")
    host_names = {h.name for h in hosts}
    ranges: dict[str, ipaddress.IPv4Network] = {}
    for host_name, cidr in ranges_raw.items():
        key = f"macvlan.ranges.{host_name}"
        if host_name not in host_names:
            raise err(key, host_name, "one of the hosts: " + ", ".join(sorted(host_names)))
        net = network(key, cidr)
        if not net.subnet_of(lan):
            raise err(key, str(net), f"an ip-range inside lanSubnet {lan}")
        for h in hosts:
            if ipaddress.IPv4Address(h.address) in net:
                raise err(key, str(net), f"a range that leaves out host {h.name} ({h.address})")
        if gateway in net:
            raise err(key, str(net), f"a range that leaves out the gateway {gateway}")
        for other_name, other in ranges.items():
            if net.overlaps(other):
                raise ConfigError(
                    f"swarmlab:{key}: {net} overlaps the range of host {other_name!r} ({other}); "
                    "allowed: disjoint ranges, one per host")
        ranges[host_name] = net
    missing = host_names - set(ranges)
    if missing:
        raise ConfigError(f"swarmlab:macvlan.ranges: no range for host(s) {', '.join(sorted(missing))}")
    return MacvlanSpec(name=name, parent=parent, ranges={k: str(v) for k, v in ranges.items()})


def _services(raw: Any, hosts: tuple[HostSpec, ...], lab_image: str,
              networks: tuple[str, ...]) -> tuple[ServiceSpec, ...]:
    items = expect("services", raw, list, "a list of {name, network, node[, image, command, replicas]}")
    host_names = sorted(h.name for h in hosts)
    services: list[ServiceSpec] = []
    for i, item in enumerate(items):
        key = f"services[{i}]"
        obj = keys(key, item, ("name", "network", "node"), ("image", "command", "replicas"))
        name = text(f"{key}.name", obj["name"], OBJECT_NAME,
                    "letters, digits, '_', '.', '-' (starting with a letter or digit)")
        if NUMERIC_NAME.fullmatch(name):
            raise err(f"{key}.name", name, "a name that is not a number (a name such as "
                      "3232235777, 0xc0a80101 or 10.1 reads as an IPv4 address)")
        if any(s.name == name for s in services):
            raise ConfigError(f"swarmlab:{key}.name: service {name!r} is listed twice")
        on_network = obj["network"]
        if not isinstance(on_network, str) or on_network not in networks:
            raise err(f"{key}.network", on_network, "one of the lab's swarm networks: "
                      + ", ".join(sorted(networks)))
        node = obj["node"]
        if not isinstance(node, str) or node not in host_names:
            raise err(f"{key}.node", node, "one of the hosts: " + ", ".join(host_names))
        svc_image = image(f"{key}.image", obj.get("image", lab_image))
        command = list_of_strings(f"{key}.command", obj.get("command", []))
        for j, arg in enumerate(command):
            text(f"{key}.command[{j}]", arg, PRINTABLE, "printable text (no control characters)")
        replicas = integer(f"{key}.replicas", obj.get("replicas", 1), 0, 100)
        services.append(ServiceSpec(name=name, network=on_network, node=node, image=svc_image,
                                    command=command, replicas=replicas))
    return tuple(services)


def _macvlan_capacity(services: tuple[ServiceSpec, ...], macvlan: MacvlanSpec,
                      lan: ipaddress.IPv4Network) -> None:
    """Each macvlan task takes an address from its node's range: the range must hold them all."""
    taken: dict[str, int] = {}
    for i, svc in enumerate(services):
        if svc.network != macvlan.name:
            continue
        used = taken.get(svc.node, 0)
        room = usable(ipaddress.IPv4Network(macvlan.ranges[svc.node]), lan)
        if used + svc.replicas > room:
            raise err(f"services[{i}].replicas", svc.replicas,
                      f"at most {room - used}: macvlan tasks on {svc.node} take addresses from "
                      f"macvlan.ranges.{svc.node} {macvlan.ranges[svc.node]}, which holds {room}, "
                      f"{used} of them for the services listed before")
        taken[svc.node] = used + svc.replicas


def _single_host_nodes(raw: dict[str, Any], hosts: tuple[HostSpec, ...]) -> tuple[str, ...]:
    """Where the single-host demos run: by default on the first two hosts (the lesson needs
    one host, and a second to reach the host-network server from; more only repeat it)."""
    demos = boolean("singleHostDemos", raw.get("singleHostDemos", default("singleHostDemos")))
    names = [h.name for h in hosts]
    chosen = raw.get("singleHostNodes")
    if chosen is None:
        return tuple(names[:2]) if demos else ()
    allowed = "a non-empty list of host names from: " + ", ".join(names)
    chosen = expect("singleHostNodes", chosen, list, allowed)
    if not chosen:
        raise err("singleHostNodes", chosen, allowed)
    for i, name in enumerate(chosen):
        if not isinstance(name, str) or name not in names:
            raise err(f"singleHostNodes[{i}]", name, "one of the hosts: " + ", ".join(names))
        if name in chosen[:i]:
            raise ConfigError(f"swarmlab:singleHostNodes[{i}]: host {name!r} is listed twice")
    return tuple(chosen) if demos else ()


def _hardening(raw: dict[str, Any]) -> HardeningSpec:
    expiry = raw.get("certExpiry") or None
    if expiry is not None:
        expiry = text("certExpiry", expiry, re.compile(r"[1-9][0-9]{0,5}h"),
                      "hours such as 2160h (at least 1h)")
    return HardeningSpec(
        autolock=boolean("autolock", raw.get("autolock", False)),
        cert_expiry=expiry,
        token_rotation=integer("tokenRotation", raw.get("tokenRotation", 0), 0, 1_000_000),
    )


def _links(raw: Any, hosts: tuple[HostSpec, ...]) -> dict[str, links.Impairment]:
    """Per host, the netem values the stack declares: the same values and ranges as
    `make impair` takes (modules/spec/links.py), each a string matched whole."""
    names = [h.name for h in hosts]
    fields = ", ".join(links.FIELDS)
    obj = expect("links", raw, dict, f"an object host name -> {{{fields}}}")
    found: dict[str, links.Impairment] = {}
    for host, values in obj.items():
        if not isinstance(host, str) or host not in names:
            raise err("links", host, "host names of the lab as keys: " + ", ".join(names))
        key = f"links.{host}"
        given = keys(key, values, (), links.FIELDS)
        if not given:
            raise refuse(key, f"nothing to impair; allowed: one or more of {fields}",
                         f"one or more of {fields}")
        for name, value in given.items():
            if not isinstance(value, str) or not value:
                raise err(f"{key}.{name}", value, links.ALLOWED[name])
        try:
            found[host] = links.impairment(**given)
        except links.BadValue as bad:
            if bad.needs_delay:
                together = f"a jitter together with swarmlab:{key}.delay"
                raise refuse(f"{key}.jitter", f"{shown(bad.value)} needs a delay to vary "
                             f"around; allowed: {together}", together) from None
            raise err(f"{key}.{bad.field}", bad.value, bad.allowed) from None
    return {h: found[h] for h in names if h in found}


def _path(key: str, raw: dict[str, Any]) -> str:
    return text(key, raw.get(key, default(key)), PATH, "a file path (not starting with '-')")


def parse_spec(raw: dict[str, Any], host_list: Any = None) -> LabSpec:
    """Validate the stack's `swarmlab:*` values into a LabSpec. With `swarmlab:hostsFile`, the
    caller has read that file: `host_list` is its decoded content, checked like `hosts`."""
    if not raw:
        raise ConfigError("swarmlab: the stack has no swarmlab configuration; required: "
                          "swarmlab:hosts or swarmlab:hostsFile (see stacks/Pulumi.local.yaml)")
    for key in raw:
        if key not in BY_KEY:
            name = key if isinstance(key, str) and PLAIN_KEY.fullmatch(key) else shown(key)
            raise ConfigError(f"swarmlab:{name}: unknown key; allowed keys: {', '.join(BY_KEY)}")
    if "hosts" in raw and "hostsFile" in raw:
        raise ConfigError("swarmlab:hostsFile: set either swarmlab:hosts or swarmlab:hostsFile, "
                          "not both")
    if "hosts" not in raw and "hostsFile" not in raw:
        raise ConfigError("swarmlab:hosts: missing; a lab needs a list of hosts with a manager "
                          "(swarmlab:hosts, or swarmlab:hostsFile naming the hosts tool's list)")
    lan, gateway = _lan(raw)
    user = text("sshUser", raw.get("sshUser", default("sshUser")), USER_NAME,
                "a user name (lowercase letters, digits, '_', '-')")
    if "hosts" in raw:
        hosts = _hosts("hosts", raw["hosts"], user, lan, gateway)
    else:
        hosts = _hosts_of_file(_path("hostsFile", raw), host_list, user, lan, gateway)
    ssh = SshSpec(
        key_file=_path("sshKeyFile", raw),
        known_hosts_file=_path("sshKnownHostsFile", raw),
        connect_timeout=integer("sshConnectTimeout", raw.get("sshConnectTimeout",
                                                              default("sshConnectTimeout")), 1, 120),
        command_timeout=integer("sshCommandTimeout", raw.get("sshCommandTimeout",
                                                              default("sshCommandTimeout")), 1, 3600),
    )
    endpoint_mode = raw.get("endpointMode", default("endpointMode"))
    if endpoint_mode not in ENDPOINT_MODES:
        raise err("endpointMode", endpoint_mode, " | ".join(ENDPOINT_MODES))
    lab_image = image("image", raw.get("image", default("image")))
    macvlan_name = _macvlan_name(raw)
    overlays = _overlays(raw.get("overlays", default("overlays")), lan, macvlan_name)
    macvlan = _macvlan(raw.get("macvlan", default("macvlan")), hosts, lan, gateway, macvlan_name)
    networks = (*(o.name for o in overlays), macvlan.name)
    services_raw = raw.get("services")
    if services_raw is None:
        services_raw = content.default_services([h.name for h in hosts], lab_image,
                                                [o.name for o in overlays], macvlan.name)
    services = _services(services_raw, hosts, lab_image, networks)
    _macvlan_capacity(services, macvlan, lan)
    spec = LabSpec(
        hosts=hosts, ssh=ssh, lan_subnet=str(lan), lan_gateway=str(gateway),
        endpoint_mode=endpoint_mode, image=lab_image, overlays=overlays, macvlan=macvlan,
        services=services, single_host_nodes=_single_host_nodes(raw, hosts),
        hardening=_hardening(raw),
        ready_timeout=integer("readyTimeout", raw.get("readyTimeout", default("readyTimeout")),
                              10, 900),
        links=_links(raw.get("links", default("links")), hosts),
    )
    return dataclasses.replace(spec, checks=parse_checks(raw.get("validate"), spec))
