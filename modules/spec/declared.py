"""`swarmlab:validate`: the checks a stack declares, as data, checked like every other
setting (a stack file is untrusted input) and aimed only at the lab's own names and
addresses.

    swarmlab:validate:
      - name: the default bridge does not resolve names   # optional label
        from: {container: web1, host: manager}            # or {service: app} or {host: worker}
        ping: web2                                        # one of ping, dns, http, tcp, udp
        network: bridge                                   # optional; required with @<container>
        expect: fail                                      # pass (default) or fail
        retries: 2                                        # 0-10, default 0
        timeout: 3                                        # seconds a try waits, 1-30, default 2

Targets: a service (`web`), its tasks (`tasks.web`), a single-host demo container, a host
name (tried at its lab address), a host address of the lab (a host's own, one in a macvlan
range, or one in a declared overlay subnet), or `@web2`: that demo container's address on
`network`. Never the machine: the LAN's gateway is the machine's own bridge, and a
network's own, broadcast and gateway addresses are no lab host. `dns` resolves a service,
`tasks.<service>` or a demo container. `http` and `tcp` take `port` (http: 80 by default);
`udp` asks whether the source host has a socket bound on `port`/udp (a UDP port that
answers nothing cannot be proven from outside), so its target is the source host itself.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from modules.spec import content
from modules.spec.model import CheckSpec, LabSpec
from modules.spec.rules import (
    ConfigError,
    err,
    expect,
    integer,
    keys,
    label,
)

KINDS = ("ping", "dns", "http", "tcp", "udp")
EXPECT = ("pass", "fail")
MAX_CHECKS = 200
MAX_NAME = 120
DEFAULT_PORTS = {"http": content.HTTP_PORT}


def _source(key: str, raw: Any, spec: LabSpec) -> tuple[str, str, str]:
    """(kind, name, host) of where the check is tried from."""
    obj = keys(key, raw, (), ("service", "container", "host"))
    given = [k for k in ("service", "container", "host") if k in obj]
    if given not in (["service"], ["container", "host"], ["host"]):
        raise ConfigError(f"swarmlab:{key}: one of {{service: NAME}}, {{container: NAME, host: "
                          f"HOST}} or {{host: HOST}}; got keys {', '.join(obj) or 'none'}")
    if given == ["service"]:
        running = {s.name: s for s in spec.services if s.replicas > 0}
        name = obj["service"]
        if not isinstance(name, str) or name not in running:
            raise err(f"{key}.service", name, "a service with tasks: " + ", ".join(sorted(running)))
        return "service", name, running[name].node
    hosts = [h.name for h in spec.hosts]
    if given == ["host"]:
        if obj["host"] not in hosts:
            raise err(f"{key}.host", obj["host"], "one of the hosts: " + ", ".join(hosts))
        return "host", obj["host"], obj["host"]
    demo = _demo_names(spec)
    if obj["container"] not in demo:
        raise err(f"{key}.container", obj["container"],
                  "a single-host demo container: " + (", ".join(demo) or
                                                      "none (singleHostDemos is off)"))
    if obj["host"] not in spec.single_host_nodes:
        raise err(f"{key}.host", obj["host"],
                  "a host that runs the demos: " + ", ".join(spec.single_host_nodes))
    return "container", obj["container"], obj["host"]


def _demo_names(spec: LabSpec) -> list[str]:
    if not spec.single_host_nodes:
        return []
    return [d.name for d in content.demo_containers(spec.hosts[0].address)]


def _lab_names(spec: LabSpec) -> list[str]:
    services = [s.name for s in spec.services]
    return list(dict.fromkeys([*services, *(f"tasks.{s}" for s in services), *_demo_names(spec),
                               *(h.name for h in spec.hosts)]))


def _resolvable(spec: LabSpec) -> list[str]:
    """What a dns check may resolve: Docker's DNS knows these, and nothing else of the lab."""
    hosts = {h.name for h in spec.hosts}
    return [n for n in _lab_names(spec) if n not in hosts]


def _not_hosts(net: ipaddress.IPv4Network, gateway: ipaddress.IPv4Address
               ) -> set[ipaddress.IPv4Address]:
    return {net.network_address, net.broadcast_address, gateway}


def _is_lab_host_address(address: ipaddress.IPv4Address, spec: LabSpec) -> bool:
    """A lab host's own address, or a host address a lab network hands its containers: in a
    macvlan range, or in a declared overlay subnet (whose first address is its gateway)."""
    if address in {ipaddress.IPv4Address(h.address) for h in spec.hosts}:
        return True
    lan = ipaddress.IPv4Network(spec.lan_subnet)
    if any(address in ipaddress.IPv4Network(r) for r in spec.macvlan.ranges.values()):
        return address not in _not_hosts(lan, ipaddress.IPv4Address(spec.lan_gateway))
    for overlay in spec.overlays:
        net = ipaddress.IPv4Network(overlay.subnet) if overlay.subnet else None
        if net is not None and address in net:
            return address not in _not_hosts(net, net.network_address + 1)
    return False


def _allowed_targets(spec: LabSpec, names: list[str]) -> str:
    hosts = ", ".join(h.address for h in spec.hosts)
    ranges = [*spec.macvlan.ranges.values(), *(o.subnet for o in spec.overlays if o.subnet)]
    return (f"a lab name ({', '.join(names)}), a lab host's address ({hosts}), a host address "
            f"in a macvlan range or declared overlay subnet ({', '.join(ranges)}; not a "
            "network, broadcast or gateway address), or @<demo container>")


def _target(key: str, value: Any, spec: LabSpec, network: str) -> str:
    names = _lab_names(spec)
    allowed = _allowed_targets(spec, names)
    value = expect(key, value, str, allowed)
    if value.startswith("@"):
        if value[1:] not in _demo_names(spec):
            raise err(key, value, allowed)
        if not network:
            raise ConfigError(f"swarmlab:{key}: {value} is an address on a network: set "
                              "`network` too (bridge, myappnet, ...)")
        return value
    hosts = {h.name: h.address for h in spec.hosts}
    if value in hosts:
        # A host's name resolves nowhere inside the lab: it stands for its lab address.
        return hosts[value]
    if value in names:
        return value
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError:
        raise err(key, value, allowed) from None
    if address == ipaddress.IPv4Address(spec.lan_gateway):
        raise err(key, value, f"not the LAN's gateway {spec.lan_gateway}, which is the "
                  f"machine's own, not the lab's; {allowed}")
    if not _is_lab_host_address(address, spec):
        raise err(key, value, allowed)
    return value


def _networks(spec: LabSpec) -> list[str]:
    single = list(content.SINGLE_HOST_NETWORKS) if spec.single_host_nodes else []
    return [*spec.swarm_networks, *single]


def _one(key: str, raw: Any, spec: LabSpec) -> CheckSpec:
    obj = keys(key, raw, ("from",), ("name", *KINDS, "port", "network", "expect", "timeout",
                                     "retries"))
    kinds = [k for k in KINDS if k in obj]
    if len(kinds) != 1:
        raise ConfigError(f"swarmlab:{key}: exactly one of {', '.join(KINDS)} (what to try, "
                          f"and its target); got {', '.join(kinds) or 'none'}")
    kind = kinds[0]
    if kind == "dns" and obj["dns"] not in _resolvable(spec):
        raise err(f"{key}.dns", obj["dns"], "a lab name Docker's DNS resolves: "
                  + ", ".join(_resolvable(spec)))
    source_kind, source, host = _source(f"{key}.from", obj["from"], spec)
    network = ""
    if "network" in obj:
        allowed_nets = _networks(spec)
        network = obj["network"]
        if network not in allowed_nets:
            raise err(f"{key}.network", network, "a lab network: " + ", ".join(allowed_nets))
    target = _target(f"{key}.{kind}", obj[kind], spec, network)
    port = 0
    if kind in ("http", "tcp", "udp"):
        if "port" not in obj and kind not in DEFAULT_PORTS:
            raise ConfigError(f"swarmlab:{key}.port: missing; {kind} needs a port (1-65535)")
        port = integer(f"{key}.port", obj.get("port", DEFAULT_PORTS.get(kind)), 1, 65535)
    elif "port" in obj:
        raise ConfigError(f"swarmlab:{key}.port: only http, tcp and udp take a port")
    if kind == "udp":
        own = {host, spec.host(host).address}
        if source_kind != "host" or target not in own:
            raise ConfigError(f"swarmlab:{key}: udp asks whether a host has port {port}/udp "
                              "bound: `from: {host: H}` and `udp: H` (the same host)")
    outcome = obj.get("expect", "pass")
    if outcome not in EXPECT:
        raise err(f"{key}.expect", outcome, " | ".join(EXPECT))
    name = label(f"{key}.name", obj.get("name", ""), MAX_NAME)
    return CheckSpec(kind=kind, source_kind=source_kind, source=source, host=host,
                     target=target, port=port, network=network, expect=outcome,
                     timeout=integer(f"{key}.timeout", obj.get("timeout", 2), 1, 30),
                     retries=integer(f"{key}.retries", obj.get("retries", 0), 0, 10),
                     name=name)


def parse_checks(raw: Any, spec: LabSpec) -> tuple[CheckSpec, ...]:
    if raw is None:
        return ()
    items = expect("validate", raw, list, "a list of checks (see stacks/Pulumi.local.yaml)")
    if len(items) > MAX_CHECKS:
        raise err("validate", f"{len(items)} checks", f"at most {MAX_CHECKS} checks")
    return tuple(_one(f"validate[{i}]", item, spec) for i, item in enumerate(items))
