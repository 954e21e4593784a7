"""Draw the running lab: hosts, the LAN, networks and every task and container, as SVG and PNG.

Usage: python -m tools.diagram [--stack local] [--outputs FILE] [--status FILE] [--out .lab/diagram]

By default it reads `pulumi stack output --json --stack STACK` and `python -m hosts status --json`
(hosts that tool does not know, e.g. Vagrant or SSH hosts, come from the stack's swarm nodes).
--outputs and --status read saved copies instead. Graphviz's `dot` lays the graph out: one
cluster per host, the LAN with its gateway, single-host networks inside their host, swarm
networks between the hosts, and an edge from each task or container to each network it is on,
labelled with its address. The join tokens are never read, and a drawing that would show one
is refused.
"""

from __future__ import annotations

import argparse
import html
import ipaddress
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LAN = "192.168.1.0/24"
DEFAULT_GATEWAY = "192.168.1.1"
FORMATS = ("svg", "png")
PNG_DPI = "110"
FONT = "Helvetica,Arial,sans-serif"
# Docker's built-in single-host networks, whose outputs carry no driver; the lab creates the
# others with `docker network create`, whose default driver is bridge.
BUILTIN_DRIVERS = {"bridge": "bridge", "host": "host", "none": "null"}
# A swarm task's container name: <service>.<slot>.<task id>.
TASK_NAME = re.compile(r"^(?P<service>.+)\.(?P<slot>\d+)\.(?P<task_id>[0-9a-z]{12,})$")
SECRET = re.compile(r"SWMTKN-|\[secret\]")

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


@dataclass(frozen=True)
class Host:
    """A lab host: its LAN address, swarm role, swarm state and (when known) whether it is up."""

    name: str
    address: str
    role: str
    swarm: str
    node_state: str = ""
    up: bool | None = None


@dataclass(frozen=True)
class Network:
    """A Docker network as the stack reports it; single-host ones have no id, driver or subnet."""

    name: str
    scope: str
    driver: str
    subnet: str = ""
    gateway: str = ""
    encrypted: bool = False

    @property
    def is_swarm(self) -> bool:
        """Swarm-scoped networks span hosts; every other network lives on one host."""
        return self.scope == "swarm"


@dataclass(frozen=True)
class Attachment:
    """One task or container on one network of one host, with its address there ("" for none)."""

    host: str
    workload: str
    network: str
    address: str


@dataclass(frozen=True)
class Workload:
    """A swarm task (short name like web.1) or a plain container, on one host."""

    host: str
    name: str
    service: str = ""

    @property
    def is_task(self) -> bool:
        """True for swarm tasks, False for containers started with `docker run`."""
        return bool(self.service)


@dataclass(frozen=True)
class Lab:
    """Everything the diagram shows, gathered from the stack outputs and the hosts' status."""

    cluster_id: str
    lan: str
    gateway: str
    hosts: list[Host]
    networks: list[Network]
    workloads: list[Workload]
    attachments: list[Attachment]


# ---------------------------------------------------------------------------- reading the lab


def short_task_name(name: str) -> str:
    """`web.1.ubglip6mipjmv229gwoijsegm` -> `web.1`; container names stay as they are."""
    match = TASK_NAME.match(name)
    return f"{match['service']}.{match['slot']}" if match else name


def service_of(name: str) -> str:
    """The service a task name belongs to (`web.1` or its long form -> `web`), "" for containers."""
    match = TASK_NAME.match(name) or re.match(r"^(?P<service>.+)\.(?P<slot>\d+)$", name)
    return match["service"] if match else ""


def run_json(command: Sequence[str], runner: Runner | None = None) -> tuple[Any, str]:
    """Run a command that prints JSON: (what it printed, parsed, or None; its error text)."""
    try:
        proc = (runner or _run)(command)
    except OSError as err:
        return None, f"cannot run {command[0]}: {err}"
    try:
        return (json.loads(proc.stdout) if proc.stdout.strip() else None), proc.stderr.strip()
    except json.JSONDecodeError:
        return None, proc.stderr.strip() or f"{command[0]} printed something that is not JSON"


def _run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run a command in the repository, capturing its text output; never raises on its exit code."""
    return subprocess.run(list(command), capture_output=True, text=True, check=False, cwd=ROOT)


def read_outputs(stack: str, runner: Runner | None = None) -> dict[str, Any]:
    """The stack's outputs, via the pinned pulumi on PATH (secrets stay "[secret]")."""
    outputs, error = run_json(["pulumi", "--non-interactive", "stack", "output", "--json", "--stack", stack],
                              runner)
    if not isinstance(outputs, dict) or not outputs:
        raise SystemExit(f"diagram: stack {stack} has no outputs (run `make lab` first)"
                         + (f": {error}" if error else ""))
    return outputs


def read_status(runner: Runner | None = None) -> list[dict[str, Any]]:
    """The one-box hosts' status; [] when the hosts tool knows no hosts (Vagrant or SSH hosts)."""
    status, _ = run_json([sys.executable, "-m", "hosts", "status", "--json"], runner)
    # `status` exits 1 when a host is down but still prints every host: only the text counts.
    return [e for e in status if isinstance(e, dict) and e.get("name")] if isinstance(status, list) else []


def load_json(path: Path) -> Any:
    """A saved `pulumi stack output --json` or `python -m hosts status --json`."""
    return json.loads(path.read_text())


def hosts_from(outputs: dict[str, Any], status: list[dict[str, Any]]) -> list[Host]:
    """One host per status entry, else per swarm node, plus any host a task or container names."""
    nodes: dict[str, dict[str, Any]] = outputs.get("nodes") or {}
    hosts: dict[str, Host] = {}
    for entry in status:
        node = nodes.get(entry["name"], {})
        hosts[entry["name"]] = Host(entry["name"], str(entry.get("address", "")),
                                    str(entry.get("role") or node.get("role", "")),
                                    str(entry.get("swarm", "")), str(node.get("state", "")),
                                    None if entry.get("up") is None else bool(entry["up"]))
    if not hosts:
        for name, node in nodes.items():
            hosts[name] = Host(name, str(node.get("address", "")), str(node.get("role", "")), "",
                               str(node.get("state", "")))
    for name in _hosts_named(outputs):
        hosts.setdefault(name, Host(name, "", "", ""))
    return sorted(hosts.values(), key=_host_order)


def _hosts_named(outputs: dict[str, Any]) -> list[str]:
    names = [a.get("host", "") for n in (outputs.get("networks") or {}).values()
             for a in n.get("attached") or []]
    names += [t.get("node", "") for tasks in (outputs.get("services") or {}).values() for t in tasks or []]
    names += list(outputs.get("singleHost") or {})
    return [n for n in names if n]


def _host_order(host: Host) -> tuple[int, int, str]:
    """Managers first, then workers; manager, manager2, manager10 in number order."""
    number = re.search(r"(\d+)$", host.name)
    return (0 if host.role == "manager" else 1, int(number[1]) if number else 1, host.name)


def networks_from(outputs: dict[str, Any]) -> list[Network]:
    """Every network of the outputs, swarm ones first."""
    nets = [Network(name, str(n.get("scope", "local")),
                    str(n.get("driver") or BUILTIN_DRIVERS.get(name, "bridge")),
                    str(n.get("subnet") or ""), str(n.get("gateway") or ""), bool(n.get("encrypted")))
            for name, n in (outputs.get("networks") or {}).items()]
    return sorted(nets, key=lambda n: (not n.is_swarm, n.name))


def attachments_from(outputs: dict[str, Any]) -> list[Attachment]:
    """Who sits on which network: the networks' `attached` lists, then singleHost for the rest."""
    found: dict[tuple[str, str, str], Attachment] = {}
    for net_name, net in (outputs.get("networks") or {}).items():
        for a in net.get("attached") or []:
            att = Attachment(a["host"], short_task_name(a["name"]), net_name, str(a.get("address", "")))
            found.setdefault((att.host, att.workload, att.network), att)
    for host, containers in (outputs.get("singleHost") or {}).items():
        for container, nets in (containers or {}).items():
            for net_name, address in (nets or {}).items():
                found.setdefault((host, container, net_name), Attachment(host, container, net_name, address))
    return list(found.values())


def workloads_from(outputs: dict[str, Any], attachments: Iterable[Attachment]) -> list[Workload]:
    """Every task of every service and every container on a network, once per host."""
    found: dict[tuple[str, str], Workload] = {}
    for service, tasks in (outputs.get("services") or {}).items():
        for task in tasks or []:
            if task.get("node"):
                name = short_task_name(task["name"])
                found[(task["node"], name)] = Workload(task["node"], name, service)
    for att in attachments:
        found.setdefault((att.host, att.workload), Workload(att.host, att.workload, service_of(att.workload)))
    return sorted(found.values(), key=lambda w: (w.host, not w.is_task, w.name))


def lan_of(networks: Iterable[Network], hosts: Iterable[Host]) -> tuple[str, str]:
    """The LAN and its gateway: a macvlan network's subnet when it holds the hosts, else the default."""
    addresses = [ipaddress.ip_address(h.address) for h in hosts if h.address]
    for net in networks:
        if net.driver in ("macvlan", "ipvlan") and net.subnet and net.gateway:
            subnet = ipaddress.ip_network(net.subnet, strict=False)
            if all(a in subnet for a in addresses):
                return str(subnet), net.gateway
    return DEFAULT_LAN, DEFAULT_GATEWAY


def lab_from(outputs: dict[str, Any], status: list[dict[str, Any]]) -> Lab:
    """Gather the lab from the outputs and the hosts' status (the join tokens are never read)."""
    hosts = hosts_from(outputs, status)
    networks = networks_from(outputs)
    attachments = attachments_from(outputs)
    lan, gateway = lan_of(networks, hosts)
    return Lab(str(outputs.get("clusterId", "")), lan, gateway, hosts, networks,
               workloads_from(outputs, attachments), attachments)


# ---------------------------------------------------------------------------- drawing


def cluster_name(host: str) -> str:
    """The DOT subgraph of a host (the `cluster` prefix makes dot draw a box around it)."""
    return f"cluster_{host}"


# DOT node ids: <host>/port, <host>/w/<task or container>, <host>/net/<network>, @swarm/<network>,
# @lan and @gateway; host, container and network names hold no "/" or "@", so none can clash.
LAN_ID = "@lan"
GATEWAY_ID = "@gateway"


def workload_id(host: str, name: str) -> str:
    """The DOT node of a task or container."""
    return f"{host}/w/{name}"


def network_id(net: Network, host: str) -> str:
    """The DOT node of a network: one for a swarm network, one per host for a single-host one."""
    return f"@swarm/{net.name}" if net.is_swarm else f"{host}/net/{net.name}"


def _label(title: str, *lines: str, size: int = 10) -> str:
    """An HTML-like label: the title in bold, then smaller grey lines."""
    rows = "".join(f'<BR/><FONT POINT-SIZE="{size}" COLOR="#444444">{html.escape(line)}</FONT>'
                   for line in lines if line)
    return f"<<B>{html.escape(title)}</B>{rows}>"


def _subnet_of(addresses: Iterable[str]) -> str:
    """A network's subnet from its members' CIDR addresses (172.20.0.2/16 -> 172.20.0.0/16)."""
    for address in addresses:
        if "/" in address:
            return str(ipaddress.ip_interface(address).network)
    return ""


def network_label(net: Network, subnet: str = "") -> str:
    """Name, then driver and scope, subnet and gateway, and the encrypted mark."""
    subnet = net.subnet or subnet
    return _label(net.name, f"{net.driver} · {net.scope}",
                  f"{subnet}  gw {net.gateway}" if net.gateway else subnet,
                  "ENCRYPTED (IPsec)" if net.encrypted else "")


def _network_style(net: Network) -> dict[str, str]:
    """Swarm networks yellow, single-host ones grey, encrypted ones green with a heavy border."""
    style = {"shape": "box", "style": "rounded,filled", "fillcolor": "#fff2cc" if net.is_swarm else "#eeeeee"}
    if net.encrypted:
        style.update(color="#1b7f3b", penwidth="2.5", fillcolor="#d9f2df")
    return style


def _patch(text: str) -> str:
    """An edge label on a white patch, so that edges crossing it leave it legible."""
    if not text:
        return ""
    return (f'<<TABLE BORDER="0" CELLBORDER="0" CELLPADDING="1" BGCOLOR="white"><TR><TD>'
            f"{html.escape(text)}</TD></TR></TABLE>>")


def _edge_label(net: Network, address: str) -> str:
    """A member's address on a network, or why it has none (host and null drivers)."""
    return _patch(address or {"host": "host's own stack", "null": "loopback only"}.get(net.driver, ""))


def host_label(host: Host) -> str:
    """A host cluster's title: name and address, then role, swarm state, node state, DOWN."""
    state = [host.role, f"swarm {host.swarm}" if host.swarm else "",
             f"node {host.node_state}" if host.node_state else "", "DOWN" if host.up is False else ""]
    return _label(f"{host.name}  {host.address}".strip(), " · ".join(s for s in state if s), size=11)


def lan_port_id(host: str) -> str:
    """The DOT node of a host's address on the LAN."""
    return f"{host}/port"


def _on_host(lab: Lab, net: Network, host: str) -> bool:
    """A single-host network is drawn on each host with something on it, or on all when none has."""
    hosts = {a.host for a in lab.attachments if a.network == net.name}
    return host in hosts or not hosts


def _draw_host(graph: graphviz.Digraph, lab: Lab, host: Host) -> None:
    """The host's cluster: its LAN address, its tasks and containers, its single-host networks."""
    down = host.up is False
    with graph.subgraph(name=cluster_name(host.name)) as sub:
        sub.attr(label=host_label(host), style="rounded,dashed" if down else "rounded",
                 color="#b03a2e" if down else "#1f4e79", penwidth="1.6", bgcolor="#f5f9fd",
                 fontsize="13", margin="14")
        sub.node(lan_port_id(host.name), _label(host.address or "address unknown", "on the LAN"),
                 shape="cds", style="filled", fillcolor="#cfe2f3")
        for w in (w for w in lab.workloads if w.host == host.name):
            sub.node(workload_id(w.host, w.name), _label(w.name, f"task of {w.service}" if w.is_task
                                                         else "container"),
                     shape="box", style="rounded,filled", fillcolor="#dae8fc" if w.is_task else "#ffffff")
        for net in (n for n in lab.networks if not n.is_swarm and _on_host(lab, n, host.name)):
            members = [a.address for a in lab.attachments if a.network == net.name and a.host == host.name]
            sub.node(network_id(net, host.name), network_label(net, _subnet_of(members)),
                     **_network_style(net))


def _draw_lan(graph: graphviz.Digraph, lab: Lab) -> None:
    """The LAN, its gateway, each host's address on it, and the networks bridged onto it."""
    graph.node(LAN_ID, _label(f"LAN {lab.lan}", "the hosts' shared L2 segment", size=11), shape="box",
               style="filled", fillcolor="#cfe2f3", color="#1f4e79", penwidth="2", width="4")
    graph.node(GATEWAY_ID, _label("gateway", lab.gateway), shape="ellipse", style="filled",
               fillcolor="#cfe2f3")
    graph.edge(GATEWAY_ID, LAN_ID)
    for host in lab.hosts:
        graph.edge(LAN_ID, lan_port_id(host.name))
    for net in lab.networks:
        if net.is_swarm and net.driver in ("macvlan", "ipvlan"):
            graph.edge(LAN_ID, network_id(net, ""), label=_patch(f"{net.driver} on the LAN"), style="dashed",
                       constraint="false")


def _draw_attachments(graph: graphviz.Digraph, lab: Lab) -> None:
    """An edge from each task or container to each network it is on, labelled with its address.

    A swarm network's edge leaves the host's box, so its address sits at the task's end.
    """
    by_name = {n.name: n for n in lab.networks}
    for att in lab.attachments:
        net = by_name.get(att.network)
        if net is None:
            continue
        text = _edge_label(net, att.address)
        label = {"taillabel": text, "tailport": "e"} if net.is_swarm else {"label": text}
        graph.edge(workload_id(att.host, att.workload), network_id(net, att.host),
                   color="#1b7f3b" if net.encrypted else "#555555", **label)


def build_graph(lab: Lab, title: str = "") -> graphviz.Digraph:
    """The whole lab as a DOT graph, left to right: tasks and containers, then their networks.

    Each host is a cluster (the hosts stack top to bottom); the LAN and the swarm networks sit
    outside the clusters, between the hosts they span.
    """
    graph = graphviz.Digraph("swarmlab")
    graph.attr(rankdir="LR", newrank="true", nodesep="0.25", ranksep="0.55", pad="0.3",
               fontname=FONT, fontsize="16", labelloc="t", label=title or _title(lab))
    graph.attr("node", fontname=FONT, fontsize="12", margin="0.12,0.05")
    graph.attr("edge", fontname=FONT, fontsize="10", labelfontsize="10", labeldistance="4",
               labelangle="0", color="#555555", fontcolor="#222222", arrowhead="none")
    _draw_lan(graph, lab)
    for host in lab.hosts:
        _draw_host(graph, lab, host)
    for net in (n for n in lab.networks if n.is_swarm):
        graph.node(network_id(net, ""), network_label(net), **_network_style(net))
    _draw_attachments(graph, lab)
    return graph


def _title(lab: Lab) -> str:
    """The swarm's short id and what the drawing holds."""
    cluster = f"swarm {lab.cluster_id[:12]}" if lab.cluster_id else "no swarm"
    return _label(f"swarmlab · {cluster}", f"{len(lab.hosts)} hosts · {len(lab.networks)} networks · "
                  f"{len(lab.workloads)} tasks and containers", size=12)


def check_no_secrets(source: str) -> None:
    """Refuse a drawing that would show a join token (or its "[secret]" stand-in)."""
    if SECRET.search(source):
        raise ValueError("diagram: a join token would appear in the drawing; refusing to write it")


def render(graph: graphviz.Digraph, out: Path) -> list[Path]:
    """Write <out>.svg and <out>.png with dot; returns their paths."""
    check_no_secrets(graph.source)
    out.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in FORMATS:
        drawn = graph.copy()
        if fmt == "png":
            drawn.attr(dpi=PNG_DPI)
        path = out.with_name(f"{out.name}.{fmt}")
        path.write_bytes(drawn.pipe(format=fmt))
        paths.append(path)
    return paths


# ---------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.diagram", description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="local", help="Pulumi stack to read (default local)")
    parser.add_argument("--outputs", type=Path, help="saved `pulumi stack output --json` instead of pulumi")
    parser.add_argument("--status", type=Path,
                        help="saved `python -m hosts status --json` instead of the hosts tool")
    parser.add_argument("--out", type=Path, default=ROOT / ".lab" / "diagram",
                        help="output path without extension (default .lab/diagram)")
    return parser


def main(argv: list[str] | None = None, runner: Runner | None = None) -> int:
    """Read the lab, draw it, print the SVG and PNG paths."""
    args = _parser().parse_args(argv)
    outputs = load_json(args.outputs) if args.outputs else read_outputs(args.stack, runner)
    status = load_json(args.status) if args.status else read_status(runner)
    if not status:
        print("diagram: the hosts tool knows no hosts; drawing the stack's swarm nodes", file=sys.stderr)
    try:
        paths = render(build_graph(lab_from(outputs, status or [])), args.out)
    except (ValueError, graphviz.ExecutableNotFound, graphviz.CalledProcessError) as err:
        print(f"diagram: {err}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
