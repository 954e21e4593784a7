"""The swarm the seed sets up: nodes, roles and the ports each role opens."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.lab


def test_every_node_is_ready_and_the_manager_leads(lab, seen):
    rows = seen.out("manager", "nodes")
    nodes = {line.split()[0]: line.split()[1:] for line in rows.splitlines()}
    assert set(nodes) == {h["name"] for h in lab.inventory}
    assert all(state[0] == "Ready" and state[1] == "Active" for state in nodes.values()), nodes
    assert nodes["manager"][2:] == ["Leader"]
    workers = [h["name"] for h in lab.inventory if h["role"] == "worker"]
    assert all(nodes[w][2:] == [] for w in workers), "workers must have no manager status"


def test_swarm_advertises_the_lab_addresses(lab, seen):
    for name in lab.hosts:
        assert json.loads(seen.out(name, "swarm"))["NodeAddr"] == lab.address(name)


def test_the_outputs_describe_every_node(lab):
    nodes = lab.outputs["nodes"]
    for h in lab.inventory:
        assert nodes[h["name"]]["address"] == h["address"]
        assert nodes[h["name"]]["role"] == h["role"]
        assert nodes[h["name"]]["id"]


def test_manager_listens_on_2377_tcp_and_workers_do_not(lab, seen):
    for h in lab.inventory:
        listening = seen.listens(h["name"], "tcp", h["address"], 2377)
        assert listening == (h["role"] == "manager"), h["name"]


# 7946 tcp+udp: the control-plane gossip; 4789/udp: VXLAN data plane (a kernel socket, on
# every address). Gossip's UDP socket is on the node's address or on all of them.
@pytest.mark.parametrize("proto,port", [("tcp", 7946), ("udp", 7946), ("udp", 4789)])
def test_gossip_and_vxlan_ports_are_open_on_every_node(lab, seen, proto, port):
    for h in lab.inventory:
        assert seen.listens(h["name"], proto, h["address"], port), f"{proto}/{port} on {h['name']}"


def test_worker_reaches_the_manager_on_2377(seen):
    said = seen.said["worker"]["reach manager:2377"]
    assert said.rc == 0, f"{said.command}: {said.stderr or said.stdout}"
