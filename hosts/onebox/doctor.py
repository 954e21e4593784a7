"""`doctor`: what the lab needs on each host, and whether this kernel has it.

Every kernel feature is tried for real inside the host's own namespace (a
test link created and deleted, a dummy ESP state added and deleted), so
the answer holds for this kernel whatever its config says; no packet is
sent. vxlan, macvlan, veth, bridge, docker and the swarm ports are
required; ESP and IP_VS only limit what the lab can show, so they are
warnings that say what will not work.

`check_host(name)` returns the structured result tests use to skip with
the missing feature named.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from hosts import inventory, procs, table
from hosts.commands import CommandError, run
from hosts.onebox import dockerapi, dockerd, guard, holder, sockets
from hosts.onebox.network import netns_exists
from hosts.paths import LabPaths
from hosts.topology import HOST_IFNAME, Host, LabNet, lab_net
from modules.docker import releases

REQUIRED = ("vxlan", "macvlan", "veth", "bridge", "docker", "ports")
IMPACT = {
    "esp": "encrypted overlay traffic will not flow",
    "ip_vs": "service VIPs will not answer: use endpoint_mode dnsrr",
}
SWARM_PORTS = ((2377, "tcp"), (7946, "tcp"), (7946, "udp"), (4789, "udp"))
_TEST_LINK = "swl-doctor"
IP_FORWARD = Path("/proc/sys/net/ipv4/ip_forward")


def check_result(ok: bool, detail: str, name: str) -> dict[str, Any]:
    return {
        "ok": ok,
        "required": name in REQUIRED,
        "detail": detail,
        "impact": "" if ok else IMPACT.get(name, "the lab cannot work without it"),
    }


def _try_link(ns: IPRoute, kind: str, **extra: Any) -> tuple[bool, str]:
    """Create a link of `kind` in the namespace and delete it again."""
    stale = ns.link_lookup(ifname=_TEST_LINK)
    if stale:
        ns.link("del", index=stale[0])
    try:
        ns.link("add", ifname=_TEST_LINK, kind=kind, **extra)
    except NetlinkError as err:
        return False, f"cannot create a {kind} link: {err}"
    found = ns.link_lookup(ifname=_TEST_LINK)
    if found:
        ns.link("del", index=found[0])
    return True, "test link created and deleted"


def _link_checks(host: Host) -> dict[str, dict[str, Any]]:
    with IPRoute(netns=host.netns, flags=0) as ns:
        parent = ns.link_lookup(ifname=HOST_IFNAME)
        trials: dict[str, Callable[[], tuple[bool, str]]] = {
            "veth": lambda: _try_link(ns, "veth", peer=f"{_TEST_LINK}-p"),
            "bridge": lambda: _try_link(ns, "bridge"),
            "vxlan": lambda: _try_link(ns, "vxlan", vxlan_id=4242),
            "macvlan": lambda: (
                _try_link(ns, "macvlan", link=parent[0], macvlan_mode="bridge")
                if parent
                else (False, f"no {HOST_IFNAME} to be the macvlan parent")
            ),
        }
        return {name: check_result(*trial(), name) for name, trial in trials.items()}


def _esp_check(host: Host) -> dict[str, Any]:
    """A dummy ESP state (docker's algorithm), added and deleted: xfrm + ESP present."""
    peer = str(host.net.subnet.broadcast_address - 1)
    ident = ["src", host.address, "dst", peer, "proto", "esp", "spi", "0x4242"]
    add = ["ip", "-n", host.netns, "xfrm", "state", "add", *ident, "reqid", "4242"]
    add += ["mode", "transport", "aead", "rfc4106(gcm(aes))", "0x" + "42" * 20, "64"]
    try:
        run(add)
    except CommandError as err:
        return check_result(False, f"xfrm state add failed: {str(err).split(': ', 1)[-1]}", "esp")
    run(["ip", "-n", host.netns, "xfrm", "state", "delete", *ident], check=False)
    return check_result(True, "ESP state added and deleted", "esp")


def _ipvs_check(holder_pid: int) -> dict[str, Any]:
    if Path(f"/proc/{holder_pid}/net/ip_vs").exists():
        return check_result(True, "/proc/net/ip_vs present in the namespace", "ip_vs")
    return check_result(False, "no /proc/net/ip_vs in the namespace (IP_VS not in this kernel)", "ip_vs")


def _docker_check(lab: LabPaths, host: Host) -> dict[str, Any]:
    hp = lab.host(host.name)
    if dockerd.running(hp) is None:
        return check_result(False, "dockerd is not running", "docker")
    try:
        v = dockerapi.version(hp.docker_socket)
    except (OSError, dockerapi.DockerAPIError, ValueError) as err:
        return check_result(False, f"dockerd does not answer: {err}", "docker")
    why = releases.broken(str(v.get("Version", "")))
    if why is not None:
        return check_result(False, f"Docker {v.get('Version')} cannot run this lab: {why}",
                            "docker")
    return check_result(True, f"{v.get('Version')} (API {v.get('ApiVersion')})", "docker")


def _ports_check(lab: LabPaths, host: Host, holder_pid: int) -> dict[str, Any]:
    pid = dockerd.running(lab.host(host.name))
    mine = sockets.socket_inodes(pid) if pid is not None else set()
    # Who holds which socket, among the processes of the namespace.
    holders: dict[int, int] = {}
    netns = procs.namespace(holder_pid, "net")
    for member in procs.in_namespace("net", netns) if netns is not None else []:
        for inode in sockets.socket_inodes(member):
            holders.setdefault(inode, member)
    notes, ok = [], True
    for port, proto in SWARM_PORTS:
        users = sockets.listening_on(holder_pid, proto, port)
        if not users:
            notes.append(f"{port}/{proto} free")
        elif all(s.inode in mine for s in users):
            notes.append(f"{port}/{proto} dockerd")
        elif all(s.inode not in holders for s in users):
            # No process holds it: the kernel's own socket (vxlan's 4789/udp).
            notes.append(f"{port}/{proto} kernel (vxlan)")
        else:
            ok = False
            others = sorted({holders[s.inode] for s in users if s.inode in holders})
            notes.append(f"{port}/{proto} TAKEN by pid {others}")
    return check_result(ok, ", ".join(notes), "ports")


def check_host(name: str, lab: LabPaths | None = None) -> dict[str, Any]:
    """What host `name` has: {"host", "up", "ok", "checks": {check: {ok, required, ...}}}."""
    lab = lab or LabPaths.default()
    net = lab_net_of(lab)
    records = {r.name: r for r in inventory.read(lab)}
    hp = lab.host(name)
    hold = holder.running(net.netns(name), hp) if netns_exists(net.netns(name)) else None
    if name not in records or hold is None:
        return {
            "host": name,
            "up": False,
            "ok": False,
            "checks": {},
            "error": "host is not up: run `python -m hosts up` first",
        }
    host = records[name].host(net)
    checks = _link_checks(host)
    checks["esp"] = _esp_check(host)
    checks["ip_vs"] = _ipvs_check(hold)
    checks["docker"] = _docker_check(lab, host)
    checks["ports"] = _ports_check(lab, host, hold)
    ok = all(c["ok"] for c in checks.values() if c["required"])
    return {"host": name, "up": True, "ok": ok, "checks": checks}


def lab_net_of(lab: LabPaths) -> LabNet:
    """The lab's name and LAN as up recorded them, else as the environment names them."""
    recorded = inventory.read_net(lab)
    return recorded[0] if recorded else lab_net()


def _subnet_check(ipr: IPRoute, net: LabNet) -> dict[str, Any]:
    """The machine must not already use the lab's LAN (192.168.1.0/24 is the commonest home
    LAN): its own routes into it, other than the lab's bridge and the guard, would clash."""
    bridge = ipr.link_lookup(ifname=net.bridge)
    clashes = []
    for route in ipr.get_routes(family=2, table=254):
        dst = ipaddress.IPv4Network(f"{route.get('RTA_DST') or '0.0.0.0'}/{route['dst_len']}")
        if route["dst_len"] == 0 or route["type"] != 1 or not dst.overlaps(net.subnet):
            continue
        if bridge and route.get("RTA_OIF") == bridge[0]:
            continue
        clashes.append(str(dst))
    ok = not clashes
    return {"ok": ok, "required": False,
            "detail": f"{net.subnet}: not used by this machine" if ok else
            f"this machine already routes {', '.join(clashes)}, which overlaps lab {net.name}'s "
            f"LAN {net.subnet}",
            "impact": "" if ok else "pick another lanSubnet for this lab (see the README)"}


def check_lab(net: LabNet | None = None, user_space_lan: bool = False) -> dict[str, Any]:
    """Machine-wide: the guard routes hold, the root namespace does not forward, and the lab's
    LAN is not one this machine already uses (a VM lab's LAN is a user-space switch that no
    route of this machine reaches, so it cannot clash)."""
    net = net or lab_net()
    with IPRoute() as ipr:
        guarded = guard.holds(ipr)
        subnet = ({"ok": True, "required": False, "impact": "",
                   "detail": f"{net.subnet}: on a user-space switch, not routed by this machine"}
                  if user_space_lan else _subnet_check(ipr, net))
    forward = IP_FORWARD.read_text().strip()
    checks = {
        "guard": {
            "ok": guarded,
            "required": True,
            "detail": "unreachable routes for 10/8, 172.16/12, 192.168/16"
            if guarded
            else "missing: run `python -m hosts up` (it adds them first)",
            "impact": "" if guarded else "lab-range packets could leave through the uplink",
        },
        "root_ip_forward": {
            "ok": forward == "0",
            "required": False,
            "detail": f"net.ipv4.ip_forward={forward} in the root namespace",
            "impact": "" if forward == "0" else "the root namespace routes between interfaces",
        },
        "lan": subnet,
    }
    return {"host": "(root namespace)", "up": True, "ok": guarded, "checks": checks}


def check_all(lab: LabPaths, names: list[str] | None = None) -> list[dict[str, Any]]:
    names = names or [r.name for r in inventory.read(lab)]
    return [check_lab(lab_net_of(lab))] + [check_host(n, lab) for n in names]


def render(results: list[dict[str, Any]]) -> str:
    rows = []
    for result in results:
        if not result["up"]:
            rows.append([result["host"], "-", "DOWN", result.get("error", "")])
            continue
        for name, c in result["checks"].items():
            state = "ok" if c["ok"] else ("MISSING" if c["required"] else "warning")
            detail = c["detail"] + (f" -> {c['impact']}" if c["impact"] else "")
            rows.append([result["host"], name, state, detail])
    return table.render(["HOST", "CHECK", "STATUS", "DETAIL"], rows)
