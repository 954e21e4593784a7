"""The root-namespace guard: no lab-range packet may leave through the uplink.

`unreachable` routes for 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16 with
a high metric. While the lab is up, the more specific 192.168.1.0/24 route
of the bridge wins; with the lab down, a packet for any of those ranges is
refused on this machine instead of going out through eth0. `down` leaves
the guard in place: it is harmless and protects the next run.

Some machines reach their own DNS resolver at a private address (here
10.255.255.53, through the default gateway). A /8 guard would cut that
off, and with it every package registry. So each resolver of
/etc/resolv.conf (and each address in $SWARMLAB_GUARD_KEEP) that falls in a
guarded range keeps the path it had: a /32 route copying it, same metric.
The lab never uses those addresses.

Each host's namespace gets the same three routes (without the holes): its
own subnet and docker's networks are more specific and win, and anything
else in a private range (the machine's resolver above, a registry lookup
by a dockerd) fails at once inside the lab instead of timing out at the
root namespace, which does not forward.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyroute2 import IPRoute

GUARDED = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
GUARD_METRIC = 4242
MAIN_TABLE = 254
RTN_UNICAST = 1
RTN_UNREACHABLE = 7
AF_INET = 2


@dataclass(frozen=True)
class _Route:
    net: ipaddress.IPv4Network
    kind: int
    metric: int
    gateway: str | None
    oif: int | None


def _routes(ipr: IPRoute) -> list[_Route]:
    out = []
    for msg in ipr.get_routes(family=AF_INET, table=MAIN_TABLE):
        dst = msg.get("RTA_DST") or "0.0.0.0"
        out.append(
            _Route(
                net=ipaddress.IPv4Network(f"{dst}/{msg['dst_len']}", strict=False),
                kind=msg["type"],
                metric=msg.get("RTA_PRIORITY") or 0,
                gateway=msg.get("RTA_GATEWAY"),
                oif=msg.get("RTA_OIF"),
            )
        )
    return out


def _is_guard(route: _Route) -> bool:
    return route.kind == RTN_UNREACHABLE and route.net in GUARDED and route.metric == GUARD_METRIC


def resolvers(path: Path = Path("/etc/resolv.conf")) -> list[ipaddress.IPv4Address]:
    found = []
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "nameserver":
            try:
                addr = ipaddress.ip_address(parts[1])
            except ValueError:
                continue
            if isinstance(addr, ipaddress.IPv4Address):
                found.append(addr)
    return found


def addresses_to_keep() -> list[ipaddress.IPv4Address]:
    """Non-lab addresses in guarded ranges that this machine already reaches."""
    wanted = resolvers()
    for raw in os.environ.get("SWARMLAB_GUARD_KEEP", "").replace(",", " ").split():
        wanted.append(ipaddress.IPv4Address(raw))
    return [a for a in dict.fromkeys(wanted) if any(a in net for net in GUARDED)]


def _lab_bridge_indexes(ipr: IPRoute) -> set[int]:
    """The one-box labs' bridges (named <tag>-br0): a path through one stays in a lab."""
    return {link["index"] for link in ipr.get_links()
            if (link.get("IFLA_IFNAME") or "").endswith("-br0")
            and link.get_nested("IFLA_LINKINFO", "IFLA_INFO_KIND") == "bridge"}


def _path_before_guard(routes: list[_Route], addr: ipaddress.IPv4Address) -> _Route | None:
    """The route `addr` takes when the guard is ignored (longest prefix, lowest metric)."""
    candidates = [r for r in routes if addr in r.net and not _is_guard(r)]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (r.net.prefixlen, -r.metric))


def ensure(ipr: IPRoute, keep: bool = True) -> list[str]:
    """Add whatever part of the guard is missing; return what was added.

    `keep`: first add the holes that keep the machine's resolver reachable
    (the root namespace); a lab namespace has nothing to keep.
    """
    added: list[str] = []
    routes = _routes(ipr)
    lab_bridges = _lab_bridge_indexes(ipr)
    # First the holes (so the resolver never stops answering), then the guard.
    for addr in addresses_to_keep() if keep else []:
        if any(r.net == ipaddress.IPv4Network(f"{addr}/32") for r in routes):
            continue
        path = _path_before_guard(routes, addr)
        if path is None or path.kind != RTN_UNICAST or path.oif is None or path.oif in lab_bridges:
            continue  # unreachable before the guard, or inside a lab: nothing to keep
        spec: dict[str, Any] = {"dst": f"{addr}/32", "oif": path.oif, "priority": GUARD_METRIC}
        if path.gateway:
            spec["gateway"] = path.gateway
        ipr.route("add", **spec)
        added.append(f"keep {addr}/32 via {path.gateway or 'link'}")
    for net in GUARDED:
        if not any(_is_guard(r) and r.net == net for r in routes):
            ipr.route("add", dst=str(net), type="unreachable", priority=GUARD_METRIC)
            added.append(f"unreachable {net} metric {GUARD_METRIC}")
    return added


def remove(ipr: IPRoute) -> list[str]:
    """Delete the guard routes and the holes kept in them; return what was deleted. The
    caller makes sure no lab is up: with one up, its traffic would have no fence."""
    removed = []
    for route in _routes(ipr):
        if _is_guard(route):
            ipr.route("del", dst=str(route.net), type="unreachable", priority=GUARD_METRIC)
            removed.append(f"unreachable {route.net} metric {GUARD_METRIC}")
        elif route.metric == GUARD_METRIC and route.net.prefixlen == 32 and route.kind == RTN_UNICAST:
            ipr.route("del", dst=str(route.net), oif=route.oif, priority=GUARD_METRIC)
            removed.append(f"keep {route.net}")
    return removed


def holds(ipr: IPRoute) -> bool:
    """True when all three guard routes are in the main table."""
    routes = _routes(ipr)
    return all(any(_is_guard(r) and r.net == net for r in routes) for net in GUARDED)
