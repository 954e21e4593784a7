"""The DOT source of the diagram (tools/lab/diagram/draw.py): a cluster per host, the LAN and
the swarm networks outside, an edge per membership labelled with its address, the encrypted
overlay green. Reads the DOT text only; rendering is test_diagram_write.py's."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from tools.lab.diagram import draw, model

ENCRYPTED = '"#1b7f3b"'


@dataclass
class Dot:
    nodes: dict[str, str | None] = field(default_factory=dict)
    """node id -> the cluster it is declared in (None: top level)."""
    node_attrs: dict[str, str] = field(default_factory=dict)
    clusters: dict[str, str] = field(default_factory=dict)
    """cluster -> its attribute line (its label)."""
    edges: list[tuple[str, str, str]] = field(default_factory=list)

    def edge(self, tail: str, head: str) -> str:
        found = [attrs for t, h, attrs in self.edges if (t, h) == (tail, head)]
        assert len(found) == 1, f"{len(found)} edges {tail} -> {head}"
        return found[0]


def parse(source: str) -> Dot:
    dot = Dot()
    open_clusters: list[str] = []
    for line in source.splitlines()[1:]:
        text = line.strip()
        if match := re.fullmatch(r"subgraph (\w+) \{", text):
            open_clusters.append(match[1])
        elif text == "}":
            if open_clusters:
                open_clusters.pop()
        elif match := re.match(r"(\w+) -> (\w+)(.*)$", text):
            dot.edges.append((match[1], match[2], match[3]))
        elif (match := re.match(r"(\w+) \[(.*)$", text)) and match[1] not in ("node", "edge", "graph"):
            dot.nodes[match[1]] = open_clusters[-1] if open_clusters else None
            dot.node_attrs[match[1]] = match[2]
        elif open_clusters and "label=" in text:
            dot.clusters[open_clusters[-1]] = text
    return dot


def source_of(doc: dict[str, Any]) -> tuple[model.Model, str]:
    m = model.build(doc)
    return m, str(draw.graph(m).source)


def edge_text(attrs: str) -> str:
    """The words of an edge's (tail) label."""
    match = re.search(r"<TD>(.*?)</TD>", attrs)
    return html.unescape(match[1]) if match else ""


def test_every_host_is_a_cluster_titled_with_name_address_role_and_state(doc: dict[str, Any]) -> None:
    m, source = source_of(doc)
    dot = parse(source)
    assert sorted(dot.clusters) == ["cluster_h0", "cluster_h1"]
    for host in m.hosts:
        title = dot.clusters[f"cluster_{host.id}"]
        for word in (f"<B>{host.name}  {host.address}</B>", host.role, "swarm active", "node ready"):
            assert word in title, (word, title)
        assert "UNREACHABLE" not in title and "dashed" not in title
        assert dot.nodes[host.port_id] == f"cluster_{host.id}"
        dot.edge("lan", host.port_id)


def test_the_lan_gateway_and_swarm_networks_are_outside_the_hosts(doc: dict[str, Any]) -> None:
    m, source = source_of(doc)
    dot = parse(source)
    assert dot.nodes["lan"] is None and dot.nodes["gateway"] is None
    assert "LAN 192.168.1.0/24" in dot.node_attrs["lan"] and ">192.168.1.1<" in dot.node_attrs["gateway"]
    dot.edge("gateway", "lan")
    for net in m.swarm_networks:
        assert dot.nodes[net.id] is None, net.name
        for line in (net.name, *net.lines):
            assert html.escape(line) in dot.node_attrs[net.id], (line, net.name)
    macvlan = next(n for n in m.networks if n.name == "mymacvlan")
    lan_edge = dot.edge("lan", macvlan.id)
    assert "macvlan on the LAN" in lan_edge and "style=dashed" in lan_edge


def test_single_host_networks_sit_in_their_host(doc: dict[str, Any]) -> None:
    m, source = source_of(doc)
    dot = parse(source)
    for host in m.hosts:
        for net in m.host_networks(host.name):
            assert dot.nodes[net.id] == f"cluster_{host.id}"
            assert f"<B>{net.name}</B>" in dot.node_attrs[net.id]
    myappnet = next(n for n in m.host_networks("manager") if n.name == "myappnet")
    assert "bridge · local" in dot.node_attrs[myappnet.id] and myappnet.subnet in dot.node_attrs[myappnet.id]


def test_every_task_and_container_sits_in_its_host(doc: dict[str, Any]) -> None:
    m, source = source_of(doc)
    dot = parse(source)
    hosts = {h.name: h for h in m.hosts}
    for w in m.workloads:
        assert dot.nodes[w.id] == f"cluster_{hosts[w.host].id}", w
        assert f"<B>{w.name}</B>" in dot.node_attrs[w.id]
        assert (f"task of {w.service}" if w.is_task else "container") in dot.node_attrs[w.id]
    # long task container names (web.1.<task id>) are never drawn
    for c in doc["containers"]:
        if c["task"]:
            assert c["name"] not in source


def test_an_edge_per_membership_labelled_with_its_address(doc: dict[str, Any]) -> None:
    m, source = source_of(doc)
    dot = parse(source)
    member_edges = [e for e in dot.edges if e[0].startswith("w")]
    assert len(member_edges) == len(m.attachments)
    for c in doc["containers"]:
        workload = next(w for w in m.workloads if (w.host, w.name) == (c["host"], c["task"] or c["name"]))
        for net_name, address in c["addresses"].items():
            net = next(n for n in m.networks if n.name == net_name and n.host in (None, c["host"]))
            attrs = dot.edge(workload.id, net.id)
            expected = address or {"host": "host's own stack", "null": "loopback only"}[net.driver]
            assert edge_text(attrs) == expected, (c["name"], net_name, attrs)
            # a swarm network's address sits at the member's end, outside the host's box
            assert ("taillabel=" in attrs) == net.is_swarm


def test_the_encrypted_overlay_is_green_and_so_are_its_edges(doc: dict[str, Any]) -> None:
    m, source = source_of(doc)
    dot = parse(source)
    secure = next(n for n in m.networks if n.name == "secure_net")
    overlay = next(n for n in m.networks if n.name == "myoverlay")
    assert f"color={ENCRYPTED}" in dot.node_attrs[secure.id] and "penwidth=2.5" in dot.node_attrs[secure.id]
    assert "ENCRYPTED (IPsec)" in dot.node_attrs[secure.id]
    assert "ENCRYPTED" not in dot.node_attrs[overlay.id] and ENCRYPTED not in dot.node_attrs[overlay.id]
    for tail, head, attrs in dot.edges:
        if tail.startswith("w"):
            assert (f"color={ENCRYPTED}" in attrs) == (head == secure.id), (tail, head, attrs)
    assert len([e for e in dot.edges if e[1] == secure.id]) == 2


def test_an_unreachable_host_is_dashed_and_says_so(doc: dict[str, Any]) -> None:
    doc["hosts"][1].update(reachable=False, swarm=None, error="connection refused")
    _, source = source_of(doc)
    dot = parse(source)
    assert "UNREACHABLE" in dot.clusters["cluster_h1"] and "dashed" in dot.clusters["cluster_h1"]
    assert "UNREACHABLE" not in dot.clusters["cluster_h0"]
    assert "worker did not answer: connection refused" in source


def test_names_are_escaped_in_labels(doc: dict[str, Any]) -> None:
    doc["containers"][0]["name"] = 'a<b>&"c'
    doc["containers"][0]["task"] = None
    _, source = source_of(doc)
    assert "a&lt;b&gt;&amp;&quot;c" in source and 'a<b>&"c' not in source


def test_the_same_document_gives_the_same_source(doc: dict[str, Any]) -> None:
    assert source_of(doc)[1] == source_of(doc)[1]


def test_an_impaired_host_s_lan_edge_is_labelled_with_its_netem(doc: dict[str, Any]) -> None:
    doc["lab"]["links"] = {"worker": {"delay": "100ms", "loss": "5%"}}
    m, source = source_of(doc)
    dot = parse(source)
    manager, worker = m.hosts
    assert edge_text(dot.edge(draw.LAN_ID, worker.port_id)) == "netem delay 100ms loss 5%"
    assert "dashed" in dot.edge(draw.LAN_ID, worker.port_id)
    assert dot.edge(draw.LAN_ID, manager.port_id) == ""
