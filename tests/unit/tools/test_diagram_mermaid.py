"""The Mermaid flowchart of the diagram (tools/lab/diagram/mermaid.py): every line is one the
test knows (so the structure is what GitHub's Mermaid parses), every task, container and
network is there with its address, and names cannot break out of their labels."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from tools.lab.diagram import mermaid, model

SUBGRAPH = re.compile(r'subgraph (\w+)\["([^"]*)"\]')
NODE = re.compile(r'(\w+)(\(\[|\[|\(|>)"([^"]*)"(\]\)|\]|\))')
EDGE = re.compile(r'(\w+) (---|-\.-)(?:\|"([^"]*)"\|)? (\w+)')
CLASS_DEF = re.compile(r"classDef (\w+) [\w:#,. -]+")
CLASS = re.compile(r"class ([\w,]+) (\w+)")
LINK_STYLE = re.compile(r"linkStyle ([\d,]+) \S+")
SHAPES = {"([": "])", "[": "]", "(": ")", ">": "]"}


def decode(text: str) -> str:
    """What Mermaid shows for a label: entity codes decoded, <br/> a newline, no <b>."""
    text = text.replace("<br/>", "\n").replace("<b>", "").replace("</b>", "")
    return re.sub(r"#(\d+);", lambda m: chr(int(m[1])), text)


@dataclass
class Chart:
    subgraphs: dict[str, str] = field(default_factory=dict)
    nodes: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """node id -> (its decoded label, the subgraph it is declared in)."""
    edges: list[tuple[str, str, str, bool]] = field(default_factory=list)
    """(tail, head, decoded label, dotted)."""
    class_defs: set[str] = field(default_factory=set)
    classes: dict[str, set[str]] = field(default_factory=dict)
    green_links: list[int] = field(default_factory=list)

    def edge(self, tail: str, head: str) -> str:
        found = [label for t, h, label, _ in self.edges if (t, h) == (tail, head)]
        assert len(found) == 1, f"{len(found)} edges {tail} --- {head}"
        return found[0]


def parse(text: str) -> Chart:
    """A strict reader of the subset of Mermaid the renderer writes: any other line fails."""
    lines = text.splitlines()
    assert text.endswith("\n") and lines[0] == "flowchart LR"
    chart, stack = Chart(), list[str]()
    for line in lines[1:]:
        body = line.strip()
        if body.startswith("%%") or body == "direction LR":
            continue
        if match := SUBGRAPH.fullmatch(body):
            assert not stack, "subgraphs are not nested"
            chart.subgraphs[match[1]] = decode(match[2])
            stack.append(match[1])
        elif body == "end":
            stack.pop()
        elif match := NODE.fullmatch(body):
            assert SHAPES[match[2]] == match[4], body
            assert match[1] not in chart.nodes, f"{match[1]} declared twice"
            chart.nodes[match[1]] = (decode(match[3]), stack[-1] if stack else None)
        elif match := EDGE.fullmatch(body):
            chart.edges.append((match[1], match[4], decode(match[3] or ""), match[2] == "-.-"))
        elif match := CLASS_DEF.fullmatch(body):
            chart.class_defs.add(match[1])
        elif match := CLASS.fullmatch(body):
            chart.classes[match[2]] = set(match[1].split(","))
        elif match := LINK_STYLE.fullmatch(body):
            chart.green_links = [int(i) for i in match[1].split(",")]
        else:
            raise AssertionError(f"not a line the renderer writes: {line!r}")
    assert not stack, "a subgraph is not closed"
    return chart


def chart_of(doc: dict[str, Any]) -> tuple[model.Model, str, Chart]:
    m = model.build(doc)
    text = mermaid.render(m)
    return m, text, parse(text)


def test_the_structure_is_whole_and_every_reference_is_declared(doc: dict[str, Any]) -> None:
    m, _, chart = chart_of(doc)
    assert sorted(chart.subgraphs) == [h.id for h in m.hosts]
    for tail, head, _, _ in chart.edges:
        assert tail in chart.nodes and head in chart.nodes, (tail, head)
    for name, ids in chart.classes.items():
        assert name in chart.class_defs and ids <= set(chart.nodes), name
    assert all(0 <= i < len(chart.edges) for i in chart.green_links)
    # no node id is a Mermaid keyword
    assert not {"end", "subgraph", "graph", "flowchart", "class", "classDef", "style"} & set(chart.nodes)


def test_a_subgraph_per_host_with_its_address_and_state(doc: dict[str, Any]) -> None:
    m, _, chart = chart_of(doc)
    for host in m.hosts:
        title = f"{host.name}  {host.address} · {host.role} · swarm active · node ready"
        assert chart.subgraphs[host.id] == title
        assert chart.nodes[host.port_id] == (f"{host.address}\non the LAN", host.id)
        chart.edge("lan", host.port_id)
    assert chart.nodes["lan"] == ("LAN 192.168.1.0/24\nthe hosts' shared L2 segment", None)
    assert chart.nodes["gateway"] == ("gateway\n192.168.1.1", None)
    chart.edge("gateway", "lan")


def test_every_task_container_and_network_is_there(doc: dict[str, Any]) -> None:
    m, _, chart = chart_of(doc)
    hosts = {h.name: h.id for h in m.hosts}
    for w in m.workloads:
        kind = f"task of {w.service}" if w.is_task else "container"
        assert chart.nodes[w.id] == (f"{w.name}\n{kind}", hosts[w.host]), w
    for net in m.networks:
        where = None if net.host is None else hosts[net.host]
        assert chart.nodes[net.id] == ("\n".join([net.name, *net.lines]), where)
    # the same as the inspect document: every container and task by its short name
    labels = {(sub, label.split("\n")[0]) for label, sub in chart.nodes.values()}
    for c in doc["containers"]:
        assert (hosts[c["host"]], c["task"] or c["name"]) in labels
    for svc in doc["services"]:
        for task in svc["tasks"]:
            assert (hosts[task["node"]], task["name"]) in labels


def test_edges_are_labelled_with_addresses(doc: dict[str, Any]) -> None:
    m, _, chart = chart_of(doc)
    for att in m.attachments:
        assert chart.edge(att.workload.id, att.network.id) == att.label
    addresses = {a for c in doc["containers"] for a in c["addresses"].values() if a}
    assert addresses <= {label for _, _, label, _ in chart.edges}
    macvlan = next(n for n in m.networks if n.name == "mymacvlan")
    assert ("lan", macvlan.id, "macvlan on the LAN", True) in chart.edges


def test_the_encrypted_overlay_and_its_edges_are_green(doc: dict[str, Any]) -> None:
    m, _, chart = chart_of(doc)
    secure = next(n for n in m.networks if n.name == "secure_net")
    assert chart.classes["encrypted"] == {secure.id}
    assert chart.nodes[secure.id][0].endswith("ENCRYPTED (IPsec)")
    green = {chart.edges[i][:2] for i in chart.green_links}
    assert green == {(a.workload.id, secure.id) for a in m.attachments if a.network is secure}
    assert len(green) == 2


@pytest.mark.parametrize("name", ['a"b', "x#35;y", "semi;colon", "<img src=x>", "pipe|end", "new\nline",
                                  "%% comment", "ünïcode"])
def test_a_name_cannot_break_out_of_its_label(doc: dict[str, Any], name: str) -> None:
    comments_before = _comments(mermaid.render(model.build(doc)))
    doc["containers"][0].update(name=name, task=None, service=None)
    _, text, chart = chart_of(doc)  # the strict reader: every line is one the renderer writes
    assert [label for label, _ in chart.nodes.values() if label == name + "\ncontainer"]
    # Each name holds a character outside the safe set: it appears only as entity codes.
    assert name not in text
    # The name started no comment: the comment lines are the renderer's own, as before.
    assert _comments(text) == comments_before
    assert "<img" not in text


def _comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip().startswith("%%")]


@pytest.mark.parametrize(("raw", "escaped"), [
    ("web.1", "web.1"), ("secure_net", "secure_net"),
    ("10.0.1.0/24  gw 10.0.1.1", "10.0.1.0/24  gw 10.0.1.1"),
    ('"', "#34;"), ("#", "#35;"), ("<b>", "#60;b#62;"), ("a|b", "a#124;b"), ("host's (x)", "host's (x)"),
])
def test_text_escaping(raw: str, escaped: str) -> None:
    assert mermaid.text(raw) == escaped


def test_the_same_document_gives_the_same_text(doc: dict[str, Any]) -> None:
    assert mermaid.render(model.build(doc)) == mermaid.render(model.build(doc))


def test_an_impaired_host_s_lan_edge_is_dotted_and_labelled_with_its_netem(doc: dict[str, Any]) -> None:
    doc["lab"]["links"] = {"worker": {"delay": "100ms", "loss": "5%"}}
    m, _, chart = chart_of(doc)
    manager, worker = m.hosts
    assert chart.edge("lan", worker.port_id) == "netem delay 100ms loss 5%"
    assert [dotted for t, h, _, dotted in chart.edges if (t, h) == ("lan", worker.port_id)] == [True]
    assert chart.edge("lan", manager.port_id) == ""
