"""The drawing model as a Graphviz graph, laid out by `dot` into SVG and PNG.

Left to right: tasks and containers, then the networks they are on. Each host is a cluster
(the hosts stack top to bottom); the LAN, its gateway and the swarm networks sit outside the
clusters, between the hosts they span. Edges carry the member's address; the encrypted
overlay is green, with a heavy border and green edges; a host's LAN edge with netem on it is
orange and dashed, labelled with the values.
"""

from __future__ import annotations

import html

import graphviz

from tools.lab.diagram.model import Host, Model, Network

FORMATS = ("svg", "png")
PNG_DPI = "110"
FONT = "Helvetica,Arial,sans-serif"
LAN_ID = "lan"
GATEWAY_ID = "gateway"
ENCRYPTED = "#1b7f3b"
EDGE = "#555555"
IMPAIRED = "#b35900"


def cluster_name(host: Host) -> str:
    """The `cluster` prefix makes dot draw a box around the host's nodes."""
    return f"cluster_{host.id}"


def label(title: str, *lines: str, size: int = 10) -> str:
    """An HTML-like label: the title in bold, then smaller grey lines (every text escaped)."""
    rows = "".join(f'<BR/><FONT POINT-SIZE="{size}" COLOR="#444444">{html.escape(line)}</FONT>'
                   for line in lines if line)
    return f"<<B>{html.escape(title)}</B>{rows}>"


def patch(text: str) -> str:
    """An edge label on a white patch, so that edges crossing it leave it legible."""
    if not text:
        return ""
    return (f'<<TABLE BORDER="0" CELLBORDER="0" CELLPADDING="1" BGCOLOR="white"><TR><TD>'
            f"{html.escape(text)}</TD></TR></TABLE>>")


def _network_style(net: Network) -> dict[str, str]:
    """Swarm networks yellow, single-host ones grey, encrypted ones green with a heavy border."""
    style = {"shape": "box", "style": "rounded,filled", "fillcolor": "#fff2cc" if net.is_swarm else "#eeeeee"}
    if net.encrypted:
        style.update(color=ENCRYPTED, penwidth="2.5", fillcolor="#d9f2df")
    return style


def _draw_host(graph: graphviz.Digraph, model: Model, host: Host) -> None:
    with graph.subgraph(name=cluster_name(host)) as sub:
        sub.attr(label=label(f"{host.name}  {host.address}".strip(), *host.lines, size=11),
                 style="rounded" if host.reachable else "rounded,dashed",
                 color="#1f4e79" if host.reachable else "#b03a2e", penwidth="1.6", bgcolor="#f5f9fd",
                 fontsize="13", margin="14")
        sub.node(host.port_id, label(host.address or "address unknown", "on the LAN"),
                 shape="cds", style="filled", fillcolor="#cfe2f3")
        for w in model.host_workloads(host.name):
            kind = f"task of {w.service}" if w.is_task else "container"
            sub.node(w.id, label(w.name, kind if w.state == "running" else f"{kind} · {w.state}"),
                     shape="box", style="rounded,filled", fillcolor="#dae8fc" if w.is_task else "#ffffff")
        for net in model.host_networks(host.name):
            sub.node(net.id, label(net.name, *net.lines), **_network_style(net))


def _draw_lan(graph: graphviz.Digraph, model: Model) -> None:
    """The LAN, its gateway, each host's address on it, and the networks bridged onto it."""
    graph.node(LAN_ID, label(f"LAN {model.lan}", "the hosts' shared L2 segment", size=11), shape="box",
               style="filled", fillcolor="#cfe2f3", color="#1f4e79", penwidth="2", width="4")
    graph.node(GATEWAY_ID, label("gateway", model.gateway), shape="ellipse", style="filled",
               fillcolor="#cfe2f3")
    graph.edge(GATEWAY_ID, LAN_ID)
    for host in model.hosts:
        if host.netem:
            graph.edge(LAN_ID, host.port_id, label=patch(host.netem), color=IMPAIRED,
                       fontcolor=IMPAIRED, penwidth="2", style="dashed")
        else:
            graph.edge(LAN_ID, host.port_id)
    for net in model.swarm_networks:
        if net.on_lan:
            graph.edge(LAN_ID, net.id, label=patch(f"{net.driver} on the LAN"), style="dashed",
                       constraint="false")


def _draw_attachments(graph: graphviz.Digraph, model: Model) -> None:
    """An edge from each task or container to each network it is on, labelled with its address.

    A swarm network's edge leaves the host's box, so its address sits at the member's end.
    """
    for att in model.attachments:
        text = patch(att.label)
        where = {"taillabel": text, "tailport": "e"} if att.network.is_swarm else {"label": text}
        graph.edge(att.workload.id, att.network.id, color=ENCRYPTED if att.network.encrypted else EDGE,
                   penwidth="1.6" if att.network.encrypted else "1", **where)


def graph(model: Model) -> graphviz.Digraph:
    """The whole lab as a DOT graph."""
    dot = graphviz.Digraph("swarmlab")
    dot.attr(rankdir="LR", newrank="true", nodesep="0.25", ranksep="0.55", pad="0.3",
             fontname=FONT, fontsize="16", labelloc="t",
             label=label(model.title, model.subtitle, *model.notes, size=12))
    dot.attr("node", fontname=FONT, fontsize="12", margin="0.12,0.05")
    dot.attr("edge", fontname=FONT, fontsize="10", labelfontsize="10", labeldistance="4",
             labelangle="0", color=EDGE, fontcolor="#222222", arrowhead="none")
    _draw_lan(dot, model)
    for host in model.hosts:
        _draw_host(dot, model, host)
    for net in model.swarm_networks:
        dot.node(net.id, label(net.name, *net.lines), **_network_style(net))
    _draw_attachments(dot, model)
    return dot


def render(dot: graphviz.Digraph) -> dict[str, bytes]:
    """The SVG and PNG bytes, by format (the caller writes them once every check passed)."""
    drawn: dict[str, bytes] = {}
    for fmt in FORMATS:
        copy = dot.copy()
        if fmt == "png":
            copy.attr(dpi=PNG_DPI)
        drawn[fmt] = copy.pipe(format=fmt)
    return drawn
