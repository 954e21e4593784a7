"""`python -m tools.diagram` on saved outputs of the running lab: every host is a cluster, every
network, task and container is drawn where it lives with its address, no join token shows, and
dot writes an SVG and a PNG. Runs no pulumi, no hosts tool and no root: only `dot`."""

from __future__ import annotations

import copy
import html
import json
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tools import diagram

DATA = Path(__file__).resolve().parent / "data"
ID = r'("[^"]+"|[\w@]+)'


def sample_outputs() -> dict[str, Any]:
    return json.loads((DATA / "sample-outputs.json").read_text())


def sample_status() -> list[dict[str, Any]]:
    return json.loads((DATA / "sample-status.json").read_text())


def dot_source(outputs: dict[str, Any] | None = None, status: list[dict[str, Any]] | None = None) -> str:
    lab = diagram.lab_from(sample_outputs() if outputs is None else outputs,
                           sample_status() if status is None else status)
    return str(diagram.build_graph(lab).source)


def _unquote(token: str) -> str:
    return token[1:-1] if token.startswith('"') else token


def parse_dot(source: str) -> tuple[dict[str, str | None], dict[str, str], list[tuple[str, str, str]]]:
    """From DOT text: node id -> the cluster it is declared in (None: top level), cluster -> its
    attribute line, and every edge as (tail, head, attributes)."""
    nodes: dict[str, str | None] = {}
    cluster_attrs: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    open_clusters: list[str] = []
    for line in source.splitlines()[1:]:
        text = line.strip()
        if match := re.fullmatch(r"subgraph (\w+) \{", text):
            open_clusters.append(match[1])
        elif text == "}":
            if open_clusters:
                open_clusters.pop()
        elif match := re.match(rf"{ID} -> {ID}(.*)$", text):
            edges.append((_unquote(match[1]), _unquote(match[2]), match[3]))
        elif (match := re.match(rf"{ID} \[", text)) and match[1] not in ("node", "edge", "graph"):
            nodes[_unquote(match[1])] = open_clusters[-1] if open_clusters else None
        elif open_clusters and text.startswith(("bgcolor=", "label=")):
            cluster_attrs[open_clusters[-1]] = text
    return nodes, cluster_attrs, edges


def node_line(source: str, node_id: str) -> str:
    """The DOT line that declares a node, with its label."""
    lines = [line for line in source.splitlines() if line.strip().startswith(f'"{node_id}" [')]
    assert len(lines) == 1, f"{node_id} declared {len(lines)} times"
    return lines[0]


def edge_attrs(edges: list[tuple[str, str, str]], tail: str, head: str) -> str:
    found = [attrs for t, h, attrs in edges if (t, h) == (tail, head)]
    assert len(found) == 1, f"{len(found)} edges {tail} -> {head}"
    return found[0]


def attached_entries(outputs: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, a) for name, net in outputs["networks"].items() for a in net["attached"]]


def expected_short(name: str) -> str:
    """The test's own reading of a task name: drop a trailing `.<25-char task id>`."""
    return re.sub(r"^(.+\.\d+)\.[0-9a-z]{25}$", r"\1", name)


# ---------------------------------------------------------------------------- hosts and LAN


def test_every_host_is_a_cluster_with_name_address_role_and_swarm_state() -> None:
    source = dot_source()
    nodes, clusters, edges = parse_dot(source)
    status = sample_status()
    assert sorted(clusters) == sorted(f"cluster_{h['name']}" for h in status)
    for host in status:
        label = clusters[f"cluster_{host['name']}"]
        for word in (host["name"], host["address"], host["role"], f"swarm {host['swarm']}", "node ready"):
            assert word in label, (word, label)
        assert "DOWN" not in label
        assert nodes[f"{host['name']}/port"] == f"cluster_{host['name']}"
        edge_attrs(edges, "@lan", f"{host['name']}/port")


def test_the_lan_and_its_gateway_are_drawn_outside_the_hosts() -> None:
    source = dot_source()
    nodes, _, edges = parse_dot(source)
    assert nodes["@lan"] is None and nodes["@gateway"] is None
    assert "LAN 192.168.1.0/24" in node_line(source, "@lan")
    assert ">192.168.1.1<" in node_line(source, "@gateway")
    edge_attrs(edges, "@gateway", "@lan")
    assert "macvlan on the LAN" in edge_attrs(edges, "@lan", "@swarm/mymacvlan")


def test_a_down_host_is_marked_down() -> None:
    status = copy.deepcopy(sample_status())
    status[1].update(up=False, swarm="down", dockerd_pid=None)
    _, clusters, _ = parse_dot(dot_source(status=status))
    assert "DOWN" in clusters["cluster_worker"] and "swarm down" in clusters["cluster_worker"]
    assert "DOWN" not in clusters["cluster_manager"]


def test_without_hosts_status_the_hosts_come_from_the_swarm_nodes() -> None:
    _, clusters, _ = parse_dot(dot_source(status=[]))
    assert sorted(clusters) == ["cluster_manager", "cluster_worker"]
    assert "192.168.1.10" in clusters["cluster_manager"] and "node ready" in clusters["cluster_manager"]
    assert "192.168.1.11" in clusters["cluster_worker"] and "worker" in clusters["cluster_worker"]


def test_more_hosts_each_get_a_cluster_managers_first() -> None:
    outputs = copy.deepcopy(sample_outputs())
    outputs["nodes"]["worker2"] = {"address": "192.168.1.13", "role": "worker", "state": "ready", "id": "x"}
    outputs["nodes"]["manager2"] = {"address": "192.168.1.12", "role": "manager", "state": "ready", "id": "y"}
    outputs["services"]["web"].append({"name": "web.2", "node": "worker2"})
    source = dot_source(outputs, status=[])
    nodes, clusters, _ = parse_dot(source)
    order = re.findall(r"subgraph cluster_(\w+) \{", source)
    assert order == ["manager", "manager2", "worker", "worker2"]
    assert "192.168.1.13" in clusters["cluster_worker2"]
    assert nodes["worker2/w/web.2"] == "cluster_worker2"


# ---------------------------------------------------------------------------- networks


def test_every_network_of_the_outputs_is_drawn_where_it_lives() -> None:
    outputs = sample_outputs()
    source = dot_source()
    nodes, _, _ = parse_dot(source)
    for name, net in outputs["networks"].items():
        if net["scope"] == "swarm":
            assert nodes[f"@swarm/{name}"] is None, f"swarm network {name} must span the hosts"
            line = node_line(source, f"@swarm/{name}")
            for word in (name, net["driver"], "swarm", net["subnet"], f"gw {net['gateway']}"):
                assert word in line, (word, line)
            assert ("ENCRYPTED" in line) == net["encrypted"], line
            assert not any(n.endswith(f"/net/{name}") for n in nodes)
        else:
            hosts = {a["host"] for a in net["attached"]}
            assert hosts, name
            for host in hosts:
                assert nodes[f"{host}/net/{name}"] == f"cluster_{host}"
                assert name in node_line(source, f"{host}/net/{name}")
            assert f"@swarm/{name}" not in nodes


def test_single_host_networks_show_driver_and_subnet() -> None:
    source = dot_source()
    assert "null · local" in node_line(source, "manager/net/none")
    assert "host · local" in node_line(source, "worker/net/host")
    for host in ("manager", "worker"):
        assert "bridge · local" in node_line(source, f"{host}/net/myappnet")
        assert "172.20.0.0/16" in node_line(source, f"{host}/net/myappnet")
        assert "172.17.0.0/16" in node_line(source, f"{host}/net/bridge")


# ---------------------------------------------------------------------------- tasks and containers


@pytest.mark.parametrize(("name", "short"), [
    ("web.1.ubglip6mipjmv229gwoijsegm", "web.1"),
    ("secure-net-app.1.sq8jxeuoiig5gbf3bzvcs2jg3", "secure-net-app.1"),
    ("web.12.ubglip6mipjmv229gwoijsegm", "web.12"),
    ("web.1", "web.1"),
    ("web1", "web1"),
    ("db", "db"),
])
def test_task_names_are_shortened(name: str, short: str) -> None:
    assert diagram.short_task_name(name) == short


def test_every_attached_task_and_container_sits_in_its_host_with_an_edge_per_network() -> None:
    outputs = sample_outputs()
    source = dot_source()
    nodes, _, edges = parse_dot(source)
    for net_name, entry in attached_entries(outputs):
        host, short = entry["host"], expected_short(entry["name"])
        node = f"{host}/w/{short}"
        assert nodes.get(node) == f"cluster_{host}", (node, nodes.get(node))
        assert f"<B>{short}</B>" in node_line(source, node)
        scope = outputs["networks"][net_name]["scope"]
        head = f"@swarm/{net_name}" if scope == "swarm" else f"{host}/net/{net_name}"
        attrs = edge_attrs(edges, node, head)
        if entry["address"]:
            assert f">{entry['address']}<" in attrs, (node, head, attrs)
        if short != entry["name"]:
            assert entry["name"] not in source, f"long task name {entry['name']} drawn"


def test_every_service_task_and_single_host_container_is_drawn_on_its_node() -> None:
    outputs = sample_outputs()
    nodes, _, _ = parse_dot(dot_source())
    for service, tasks in outputs["services"].items():
        for task in tasks:
            assert nodes.get(f"{task['node']}/w/{task['name']}") == f"cluster_{task['node']}", (service, task)
    for host, containers in outputs["singleHost"].items():
        for container in containers:
            assert nodes.get(f"{host}/w/{container}") == f"cluster_{host}", (host, container)


def test_single_host_containers_are_drawn_from_single_host_when_attached_is_empty() -> None:
    outputs = sample_outputs()
    for net in outputs["networks"].values():
        net["attached"] = []
    nodes, _, edges = parse_dot(dot_source(outputs))
    for host, containers in outputs["singleHost"].items():
        for container, nets in containers.items():
            assert nodes.get(f"{host}/w/{container}") == f"cluster_{host}"
            for net_name, address in nets.items():
                attrs = edge_attrs(edges, f"{host}/w/{container}", f"{host}/net/{net_name}")
                assert not address or f">{address}<" in attrs
    assert nodes["@swarm/myoverlay"] is None


def test_containers_without_an_address_say_why() -> None:
    _, _, edges = parse_dot(dot_source())
    assert "host&#x27;s own stack" in edge_attrs(edges, "manager/w/hostweb", "manager/net/host")
    assert "loopback only" in edge_attrs(edges, "worker/w/isolated", "worker/net/none")


def test_the_drawing_has_exactly_the_sample_s_nodes() -> None:
    nodes, _, edges = parse_dot(dot_source())
    outputs = sample_outputs()
    workloads = {f"{a['host']}/w/{expected_short(a['name'])}" for _, a in attached_entries(outputs)}
    assert {n for n in nodes if "/w/" in n} == workloads
    assert len([e for e in edges if "/w/" in e[0]]) == len(attached_entries(outputs))


# ---------------------------------------------------------------------------- secrets


def test_no_join_token_is_drawn() -> None:
    outputs = sample_outputs()
    assert outputs["workerJoinToken"] == "[secret]"
    source = dot_source(outputs)
    assert "[secret]" not in source and "SWMTKN" not in source and "JoinToken" not in source


def test_a_revealed_token_is_not_drawn_either() -> None:
    outputs = sample_outputs()
    outputs["workerJoinToken"] = "SWMTKN-1-" + "0" * 50 + "-not-a-real-worker-token"
    outputs["managerJoinToken"] = "SWMTKN-1-" + "0" * 50 + "-not-a-real-manager-token"
    assert "SWMTKN" not in dot_source(outputs)


def test_a_drawing_that_would_show_a_token_is_refused(tmp_path: Path) -> None:
    outputs = sample_outputs()
    outputs["clusterId"] = "SWMTKN-1-leaked"
    graph = diagram.build_graph(diagram.lab_from(outputs, sample_status()))
    with pytest.raises(ValueError, match="join token"):
        diagram.render(graph, tmp_path / "diagram")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- rendering and CLI


def svg_texts(svg: str) -> list[str]:
    """The words dot drew (the <text> elements), not the ids in its comments and titles."""
    return [html.unescape(t).replace("\xa0", " ") for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def check_rendered(paths: list[Path], out: Path) -> None:
    assert paths == [out.with_name(out.name + ".svg"), out.with_name(out.name + ".png")]
    svg_path, png_path = paths
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png_path.stat().st_size > 20_000
    texts = svg_texts(svg_path.read_text())
    for host in sample_status():
        assert any(t.startswith(host["name"] + " ") and host["address"] in t for t in texts), host["name"]
    for name in sample_outputs()["networks"]:
        assert name in texts, name
    for word in ("web.1", "secure-net-app.1", "10.0.2.4/24", "192.168.1.144/24", "ENCRYPTED (IPsec)"):
        assert word in texts, word
    assert not any("secret" in t or "SWMTKN" in t for t in texts)


def test_render_writes_svg_and_png_with_every_host_and_network(tmp_path: Path) -> None:
    graph = diagram.build_graph(diagram.lab_from(sample_outputs(), sample_status()))
    out = tmp_path / "sub" / "diagram"
    check_rendered(diagram.render(graph, out), out)


def test_cli_on_saved_files_prints_both_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "lab"
    code = diagram.main(["--outputs", str(DATA / "sample-outputs.json"),
                         "--status", str(DATA / "sample-status.json"), "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(out) + ".svg", str(out) + ".png"]
    check_rendered([Path(p) for p in printed], out)


class FakeCommands:
    """Stands in for pulumi and the hosts tool: records each command, answers from the samples."""

    def __init__(self, hosts_stdout: str, hosts_rc: int = 0) -> None:
        self.hosts_stdout, self.hosts_rc = hosts_stdout, hosts_rc
        self.calls: list[list[str]] = []

    def __call__(self, command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(command))
        if command[0] == "pulumi":
            return subprocess.CompletedProcess(command, 0, (DATA / "sample-outputs.json").read_text(), "")
        return subprocess.CompletedProcess(command, self.hosts_rc, self.hosts_stdout, "")


@pytest.mark.parametrize(("hosts_stdout", "hosts_rc"), [
    ((DATA / "sample-status.json").read_text(), 0),
    ("", 0),
    ("[]\n", 1),
])
def test_cli_reads_the_stack_and_the_hosts_tool(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                hosts_stdout: str, hosts_rc: int) -> None:
    fake = FakeCommands(hosts_stdout, hosts_rc)
    out = tmp_path / "diagram"
    assert diagram.main(["--stack", "vagrant", "--out", str(out)], runner=fake) == 0
    pulumi_call, hosts_call = fake.calls
    assert pulumi_call[0] == "pulumi"
    assert pulumi_call[-5:] == ["stack", "output", "--json", "--stack", "vagrant"]
    assert hosts_call[1:] == ["-m", "hosts", "status", "--json"]
    captured = capsys.readouterr()
    assert captured.out.split() == [str(out) + ".svg", str(out) + ".png"]
    assert ("knows no hosts" in captured.err) == (hosts_stdout.strip() in ("", "[]"))
    check_rendered([out.with_name("diagram.svg"), out.with_name("diagram.png")], out)


def test_cli_fails_when_the_stack_has_no_outputs(tmp_path: Path) -> None:
    def empty(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 255, "", "error: no stack named 'local' found")

    with pytest.raises(SystemExit, match=r"no outputs .*no stack named"):
        diagram.main(["--out", str(tmp_path / "d")], runner=empty)
    assert list(tmp_path.iterdir()) == []
