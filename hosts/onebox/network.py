"""The lab's wiring: the bridge in the root namespace, a namespace and veth per host.

Namespaces are created and deleted with `ip netns` (the standard
/run/netns/NAME bind mounts); links, addresses and routes through pyroute2.
Nothing here enables forwarding or NAT in the root namespace: the hosts'
default route points at the bridge address, where packets for anything
but the lab stop; private ranges are unreachable inside each host too
(see hosts.guard).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from pyroute2 import IPRoute

from hosts.commands import run
from hosts.onebox import guard
from hosts.topology import HOST_IFNAME, HOST_NAME, Host, LabNet

NETNS_DIR = Path("/run/netns")


def netns_path(name: str) -> Path:
    return NETNS_DIR / name


def netns_exists(name: str) -> bool:
    return netns_path(name).exists()


def netns_inode(name: str) -> int | None:
    try:
        return netns_path(name).stat().st_ino
    except FileNotFoundError:
        return None


def create_netns(name: str) -> None:
    run(["ip", "netns", "add", name])


def delete_netns(name: str) -> None:
    if netns_exists(name):
        run(["ip", "netns", "delete", name])


def _index(ipr: IPRoute, ifname: str) -> int | None:
    found = ipr.link_lookup(ifname=ifname)
    return found[0] if found else None


def _is_up(ipr: IPRoute, index: int) -> bool:
    link = ipr.get_links(index)[0]
    return bool(link["flags"] & 1)  # IFF_UP


def _addresses(ipr: IPRoute, index: int) -> list[tuple[str, int]]:
    return [(a.get("IFA_ADDRESS"), a["prefixlen"]) for a in ipr.get_addr(index=index, family=2)]


def _has_address(ipr: IPRoute, index: int, address: str, prefixlen: int) -> bool:
    return (address, prefixlen) in _addresses(ipr, index)


def bridge_ok(ipr: IPRoute, net: LabNet) -> bool:
    index = _index(ipr, net.bridge)
    return (index is not None and _is_up(ipr, index)
            and _has_address(ipr, index, net.gateway, net.prefixlen))


def ensure_bridge(ipr: IPRoute, net: LabNet) -> bool:
    """Create/repair the lab's bridge with the gateway address; True when something changed."""
    if bridge_ok(ipr, net):
        return False
    index = _index(ipr, net.bridge)
    if index is None:
        ipr.link("add", ifname=net.bridge, kind="bridge")
        index = _index(ipr, net.bridge)
        assert index is not None
    if not _has_address(ipr, index, net.gateway, net.prefixlen):
        ipr.addr("add", index=index, address=net.gateway, prefixlen=net.prefixlen)
    ipr.link("set", index=index, state="up")
    return True


def _default_gateway(ns: IPRoute) -> str | None:
    for route in ns.get_routes(family=2, table=254):
        if route["dst_len"] == 0:
            return route.get("RTA_GATEWAY")
    return None


def host_link_ok(ipr: IPRoute, host: Host) -> bool:
    """The host's veth is a bridge port, its eth1 has the address, routes are set."""
    net = host.net
    if not netns_exists(host.netns):
        return False
    index = _index(ipr, host.veth)
    bridge = _index(ipr, net.bridge)
    if index is None or bridge is None or not _is_up(ipr, index):
        return False
    if ipr.get_links(index)[0].get("IFLA_MASTER") != bridge:
        return False
    with IPRoute(netns=host.netns, flags=0) as ns:
        inner = _index(ns, HOST_IFNAME)
        lo = _index(ns, "lo")
        return (
            inner is not None
            and lo is not None
            and _is_up(ns, inner)
            and _is_up(ns, lo)
            and _addresses(ns, inner) == [(host.address, net.prefixlen)]
            and _default_gateway(ns) == net.gateway
            and guard.holds(ns)
        )


def ensure_host_link(ipr: IPRoute, host: Host) -> bool:
    """Create/repair the host's namespace, veth pair and addresses; True when changed."""
    if host_link_ok(ipr, host):
        return False
    net = host.net
    if not netns_exists(host.netns):
        create_netns(host.netns)
    bridge = _index(ipr, net.bridge)
    assert bridge is not None, "the bridge must exist before the hosts"
    with IPRoute(netns=host.netns, flags=0) as ns:
        inner = _index(ns, HOST_IFNAME)
        outer = _index(ipr, host.veth)
        if inner is None or outer is None:
            # Half a pair (or a pair from a crashed run): start over.
            if outer is not None:
                ipr.link("del", index=outer)
                wait_link_gone(ipr, host.veth)
            if inner is not None:
                ns.link("del", index=inner)
            ipr.link(
                "add",
                ifname=host.veth,
                kind="veth",
                peer={"ifname": HOST_IFNAME, "net_ns_fd": host.netns},
            )
            inner = _index(ns, HOST_IFNAME)
            outer = _index(ipr, host.veth)
            assert inner is not None and outer is not None
        ipr.link("set", index=outer, master=bridge, state="up")
        lo = _index(ns, "lo")
        assert lo is not None
        ns.link("set", index=lo, state="up")
        for address, prefixlen in _addresses(ns, inner):
            if (address, prefixlen) != (host.address, net.prefixlen):
                # An address from an earlier plan (the hosts were renumbered).
                ns.addr("del", index=inner, address=address, prefixlen=prefixlen)
        if not _has_address(ns, inner, host.address, net.prefixlen):
            ns.addr("add", index=inner, address=host.address, prefixlen=net.prefixlen)
        ns.link("set", index=inner, state="up")
        gateway = _default_gateway(ns)
        if gateway != net.gateway:
            if gateway is not None:
                ns.route("del", dst="0.0.0.0/0")
            ns.route("add", dst="0.0.0.0/0", gateway=net.gateway)
        guard.ensure(ns, keep=False)
    return True


def _flush_neighbours(ipr: IPRoute, index: int) -> None:
    for entry in ipr.get_neighbours(ifindex=index, family=2):
        dst = entry.get("NDA_DST")
        if dst is not None:
            ipr.neigh("del", dst=dst, ifindex=index)


def flush_neighbours(ipr: IPRoute, net: LabNet, hosts: Sequence[Host]) -> None:
    """Forget cached MAC addresses on the lab segment (root bridge and every eth1).

    A host whose veth was re-created (or whose address now belongs to
    another host) has a new MAC; until the stale entries age out, the root
    namespace and the other hosts would send it frames nobody receives.
    Flushing costs nothing and sends no packet.
    """
    bridge = _index(ipr, net.bridge)
    if bridge is not None:
        _flush_neighbours(ipr, bridge)
    for host in hosts:
        if netns_exists(host.netns):
            with IPRoute(netns=host.netns, flags=0) as ns:
                inner = _index(ns, HOST_IFNAME)
                if inner is not None:
                    _flush_neighbours(ns, inner)


def wait_link_gone(ipr: IPRoute, ifname: str, timeout: float = 10.0) -> bool:
    """Namespace and link deletion is asynchronous: wait until the name is free."""
    deadline = time.monotonic() + timeout
    while _index(ipr, ifname) is not None:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def link_exists(ipr: IPRoute, ifname: str) -> bool:
    return _index(ipr, ifname) is not None


def delete_link(ipr: IPRoute, ifname: str) -> None:
    index = _index(ipr, ifname)
    if index is not None:
        ipr.link("del", index=index)
        wait_link_gone(ipr, ifname)


def lab_links(ipr: IPRoute, net: LabNet, host_names: Sequence[str]) -> list[str]:
    """Root-namespace links this lab made, as it recorded them: its bridge, the veths of its
    hosts (`host_names`: the inventory's and the host directories'), and a port of its bridge
    that carries its tag (a veth whose host a crash forgot). A name that merely starts with
    the tag is not enough: a link of someone else's may look like that."""
    bridge = _index(ipr, net.bridge)
    recorded = {net.bridge, *(net.netns(name) for name in host_names)}
    found = []
    for link in ipr.get_links():
        name = link.get("IFLA_IFNAME") or ""
        port = bridge is not None and link.get("IFLA_MASTER") == bridge
        if name in recorded or (port and net.owns_link(name)):
            found.append(name)
    return found


def lab_namespaces() -> list[str]:
    """Network namespaces named like a lab host's (<tag>-manager, <tag>-worker2, ...)."""
    if not NETNS_DIR.is_dir():
        return []
    return sorted(p.name for p in NETNS_DIR.iterdir()
                  if "-" in p.name and HOST_NAME.match(p.name.split("-", 1)[1]))


def bridges(ipr: IPRoute) -> list[str]:
    """Every bridge of the root namespace named like a one-box lab's (<tag>-br0)."""
    found = []
    for link in ipr.get_links():
        if (link.get_nested("IFLA_LINKINFO", "IFLA_INFO_KIND") == "bridge"
                and link.get("IFLA_IFNAME", "").endswith("-br0")):
            found.append(link.get("IFLA_IFNAME"))
    return found
