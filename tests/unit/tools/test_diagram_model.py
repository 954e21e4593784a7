"""The drawing model built from the inspect document (tools/lab/diagram/model.py): pure."""

from __future__ import annotations

import copy
import re
from typing import Any

from tools.lab.diagram import model

SAFE_ID = re.compile(r"[A-Za-z0-9_]+")


def expected_members(doc: dict[str, Any]) -> set[tuple[str, str]]:
    """(host, name) of every container, a task's container under its task name, and every
    task of every service on its node."""
    found = {(c["host"], c["task"] or c["name"]) for c in doc["containers"]}
    return found | {(t["node"], t["name"]) for s in doc["services"] for t in s["tasks"] if t["node"]}


def test_hosts_in_spec_order_with_their_state(doc: dict[str, Any]) -> None:
    m = model.build(doc)
    assert [(h.id, h.name, h.address, h.role, h.swarm, h.node_state, h.reachable) for h in m.hosts] == [
        ("h0", "manager", "192.168.1.10", "manager", "active", "ready", True),
        ("h1", "worker", "192.168.1.11", "worker", "active", "ready", True)]
    assert m.hosts[0].lines == ["manager · swarm active · node ready"]
    assert (m.lab, m.lan, m.gateway, m.cluster_id) == ("swarmlab", "192.168.1.0/24", "192.168.1.1",
                                                       doc["swarm"]["cluster_id"])
    assert m.notes == []


def test_every_task_and_container_is_drawn_once_on_its_host(doc: dict[str, Any]) -> None:
    m = model.build(doc)
    drawn = [(w.host, w.name) for w in m.workloads]
    assert len(drawn) == len(set(drawn))
    assert set(drawn) == expected_members(doc)
    tasks = {w.name: w for w in m.workloads if w.is_task}
    assert tasks["web.1"].service == "web" and tasks["web.1"].host == "worker"
    assert {w.name for w in m.workloads if not w.is_task and w.host == "manager"} == {
        "app", "db", "web", "web1", "web2", "hostweb", "isolated"}
    # on each host, tasks first, then containers, each by name
    for host in m.hosts:
        order = [(not w.is_task, w.name) for w in m.host_workloads(host.name)]
        assert order == sorted(order)


def test_networks_drawn_and_left_out(doc: dict[str, Any]) -> None:
    m = model.build(doc)
    assert [(n.name, n.driver) for n in m.swarm_networks] == [
        ("mymacvlan", "macvlan"), ("myoverlay", "overlay"), ("secure_net", "overlay")]
    for host in ("manager", "worker"):
        assert [n.name for n in m.host_networks(host)] == ["bridge", "host", "myappnet", "mynetwork", "none"]
    names = {n.name for n in m.networks}
    assert not names & {"ingress", "docker_gwbridge", "mymacvlan-config"}
    secure = next(n for n in m.networks if n.name == "secure_net")
    assert secure.encrypted and secure.lines == ["overlay · swarm", "10.0.2.0/24  gw 10.0.2.1",
                                                 "ENCRYPTED (IPsec)"]
    macvlan = next(n for n in m.networks if n.name == "mymacvlan")
    assert macvlan.on_lan and "parent eth1" in macvlan.lines


def test_every_address_is_an_attachment_with_its_label(doc: dict[str, Any]) -> None:
    m = model.build(doc)
    got = {(a.workload.host, a.workload.name, a.network.name, a.network.host): a.label for a in m.attachments}
    for c in doc["containers"]:
        for net, address in c["addresses"].items():
            swarm = any(n["host"] is None and n["name"] == net for n in doc["networks"])
            key = (c["host"], c["task"] or c["name"], net, None if swarm else c["host"])
            assert key in got, key
            assert got[key] == (address or {"host": "host's own stack", "none": "loopback only"}[net])
    assert len(got) == len(m.attachments) == sum(len(c["addresses"]) for c in doc["containers"])
    assert got[("manager", "hostweb", "host", "manager")] == "host's own stack"
    assert got[("worker", "isolated", "none", "worker")] == "loopback only"
    assert got[("manager", "mymacvlan-app.1", "mymacvlan", None)] == "192.168.1.128"


def test_ids_are_unique_and_safe_in_dot_and_mermaid(doc: dict[str, Any]) -> None:
    m = model.build(doc)
    ids = [h.id for h in m.hosts] + [h.port_id for h in m.hosts] + [n.id for n in m.networks]
    ids += [w.id for w in m.workloads]
    assert len(ids) == len(set(ids))
    assert all(SAFE_ID.fullmatch(i) for i in ids)


def test_the_same_document_gives_the_same_model(doc: dict[str, Any]) -> None:
    assert model.build(doc) == model.build(copy.deepcopy(doc))


def test_an_unreachable_host_keeps_its_tasks_from_the_swarm_s_record(doc: dict[str, Any]) -> None:
    doc["hosts"][1].update(reachable=False, swarm=None, error="connection refused")
    doc["containers"] = [c for c in doc["containers"] if c["host"] != "worker"]
    doc["networks"] = [n for n in doc["networks"] if n["host"] != "worker"]
    m = model.build(doc)
    worker = m.hosts[1]
    assert not worker.reachable and "UNREACHABLE" in worker.lines[0]
    assert {w.name for w in m.host_workloads("worker")} == {"web.1", "secure-net-web.1", "mymacvlan-web.1"}
    web = next(a for a in m.attachments if a.workload.name == "web.1")
    assert web.network.name == "myoverlay" and web.address.startswith("10.0.")
    assert m.notes == ["worker did not answer: connection refused"]


def test_an_unscheduled_task_is_a_note(doc: dict[str, Any]) -> None:
    web = next(s for s in doc["services"] if s["name"] == "web")
    web["tasks"][0].update(node=None, state="pending", container=None)
    doc["containers"] = [c for c in doc["containers"] if c["task"] != "web.1"]
    m = model.build(doc)
    assert "web.1" not in {w.name for w in m.workloads}
    assert m.notes == ["web.1 is pending on no node"]


def test_a_host_s_lan_impairment_is_the_manual_one_else_the_declared_one(doc: dict[str, Any]) -> None:
    assert [h.netem for h in model.build(doc).hosts] == ["", ""]
    doc["lab"]["links"] = {"worker": {"delay": "100ms", "loss": "5%"}}
    assert [h.netem for h in model.build(doc).hosts] == ["", "netem delay 100ms loss 5%"]
    doc["lab"]["faults"]["impaired"] = {"worker": {"delay": "300ms"}, "manager": {"rate": "1mbit"}}
    assert [h.netem for h in model.build(doc).hosts] == [
        "netem rate 1mbit (make impair)", "netem delay 300ms (make impair)"]
    del doc["lab"]["links"]  # a document from before the links: none
    doc["lab"]["faults"]["impaired"] = {}
    assert [h.netem for h in model.build(doc).hosts] == ["", ""]
