"""The drawing model as a Mermaid `flowchart LR`, which GitHub renders inside Markdown.

The same picture as draw.py: one subgraph per host holding its LAN address, its tasks and
containers and its single-host networks; the LAN, the gateway and the swarm networks outside;
an edge per network membership labelled with the address; a host's LAN edge with netem on
it dotted and labelled with the values. Mermaid has no layout hints for labels at an edge's
end, so every address sits mid-edge.

Names come from the lab (a container may be called anything Docker allows), so every text is
quoted and every character outside a small safe set is written as a Mermaid entity code
(`#35;` for `#`): no name can close a label, start a comment or inject markup.
"""

from __future__ import annotations

import re

from tools.lab.diagram.model import Model, Network

SAFE = re.compile(r"[A-Za-z0-9 .,:/_+=@·()'!?*-]")
ENCRYPTED_LINK = "stroke:#1b7f3b,stroke-width:3px"
CLASSES = {
    "task": "fill:#dae8fc,stroke:#1f4e79",
    "container": "fill:#ffffff,stroke:#333333",
    "swarmnet": "fill:#fff2cc,stroke:#b58900",
    "localnet": "fill:#eeeeee,stroke:#666666",
    "encrypted": "fill:#d9f2df,stroke:#1b7f3b,stroke-width:3px",
    "lan": "fill:#cfe2f3,stroke:#1f4e79,stroke-width:2px",
    "down": "fill:#fbe3e1,stroke:#b03a2e,stroke-dasharray:5 5",
}


def text(value: str) -> str:
    """A text safe inside a quoted Mermaid label: entity codes for everything else."""
    return "".join(c if SAFE.fullmatch(c) else f"#{ord(c)};" for c in value)


def label(title: str, *lines: str) -> str:
    """A quoted label: the title in bold, then one line each."""
    return '"' + "<br/>".join([f"<b>{text(title)}</b>", *(text(line) for line in lines if line)]) + '"'


def _net_class(net: Network) -> str:
    return "encrypted" if net.encrypted else "swarmnet" if net.is_swarm else "localnet"


class _Flowchart:
    """Lines of the flowchart, counting edges: linkStyle names an edge by its position."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.edges = 0
        self.green: list[int] = []
        self.classes: dict[str, list[str]] = {name: [] for name in CLASSES}

    def node(self, node_id: str, shape: str, cls: str, indent: str = "  ") -> None:
        self.lines.append(f"{indent}{node_id}{shape}")
        self.classes[cls].append(node_id)

    def edge(self, tail: str, head: str, text_label: str = "", dotted: bool = False,
             encrypted: bool = False) -> None:
        link = "-.-" if dotted else "---"
        middle = f'|"{text(text_label)}"|' if text_label else ""
        self.lines.append(f"  {tail} {link}{middle} {head}")
        if encrypted:
            self.green.append(self.edges)
        self.edges += 1

    def styles(self) -> list[str]:
        out = [f"  classDef {name} {style}" for name, style in CLASSES.items()]
        out += [f"  class {','.join(ids)} {name}" for name, ids in self.classes.items() if ids]
        if self.green:
            out.append(f"  linkStyle {','.join(map(str, self.green))} {ENCRYPTED_LINK}")
        return out


def _box(title: str, *lines: str) -> str:
    return f"[{label(title, *lines)}]"


def render(model: Model) -> str:
    """The flowchart text, ending with a newline."""
    chart = _Flowchart()
    chart.lines += ["flowchart LR", f"  %% {text(model.title)} · {text(model.subtitle)}"]
    chart.lines += [f"  %% {text(note)}" for note in model.notes]
    chart.node("lan", _box(f"LAN {model.lan}", "the hosts' shared L2 segment"), "lan")
    chart.node("gateway", f"([{label('gateway', model.gateway)}])", "lan")
    for host in model.hosts:
        title = text(" · ".join([f"{host.name}  {host.address}".strip(), *host.lines]))
        chart.lines += [f'  subgraph {host.id}["{title}"]', "    direction LR"]
        port = label(host.address or "address unknown", "on the LAN")
        chart.node(host.port_id, f">{port}]", "lan" if host.reachable else "down", "    ")
        for w in model.host_workloads(host.name):
            kind = f"task of {w.service}" if w.is_task else "container"
            what = kind if w.state == "running" else f"{kind} · {w.state}"
            chart.node(w.id, f"({label(w.name, what)})", "task" if w.is_task else "container", "    ")
        for net in model.host_networks(host.name):
            chart.node(net.id, _box(net.name, *net.lines), _net_class(net), "    ")
        chart.lines.append("  end")
    for net in model.swarm_networks:
        chart.node(net.id, _box(net.name, *net.lines), _net_class(net))
    chart.edge("gateway", "lan")
    for host in model.hosts:
        chart.edge("lan", host.port_id, host.netem, dotted=bool(host.netem))
    for net in model.swarm_networks:
        if net.on_lan:
            chart.edge("lan", net.id, f"{net.driver} on the LAN", dotted=True)
    for att in model.attachments:
        chart.edge(att.workload.id, att.network.id, att.label, encrypted=att.network.encrypted)
    return "\n".join(chart.lines + chart.styles()) + "\n"
