"""The swarm the seed sets up: nodes, roles and the ports each role opens."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.lab


def test_every_node_is_ready_and_the_manager_leads(lab):
    rows = lab.host("manager").check_output(
        "docker node ls --format '{{.Hostname}} {{.Status}} {{.Availability}} {{.ManagerStatus}}'")
    nodes = {line.split()[0]: line.split()[1:] for line in rows.splitlines()}
    assert set(nodes) == {h["name"] for h in lab.inventory}
    assert all(state[0] == "Ready" and state[1] == "Active" for state in nodes.values()), nodes
    assert nodes["manager"][2:] == ["Leader"]
    workers = [h["name"] for h in lab.inventory if h["role"] == "worker"]
    assert all(nodes[w][2:] == [] for w in workers), "workers must have no manager status"


def test_swarm_advertises_the_lab_addresses(lab):
    for name, host in lab.hosts.items():
        addr = host.check_output("docker info --format '{{.Swarm.NodeAddr}}'")
        assert addr == lab.address(name)


def test_the_outputs_describe_every_node(lab):
    nodes = lab.outputs["nodes"]
    for h in lab.inventory:
        assert nodes[h["name"]]["address"] == h["address"]
        assert nodes[h["name"]]["role"] == h["role"]
        assert nodes[h["name"]]["id"]


def test_manager_listens_on_2377_tcp_and_workers_do_not(lab):
    for h in lab.inventory:
        socket = lab.host(h["name"]).socket(f"tcp://{h['address']}:2377")
        assert socket.is_listening == (h["role"] == "manager"), h["name"]


@pytest.mark.parametrize("spec", ["tcp://{addr}:7946", "udp://0.0.0.0:7946", "udp://0.0.0.0:4789"])
def test_gossip_and_vxlan_ports_are_open_on_every_node(lab, spec):
    # 7946 tcp+udp: the control-plane gossip; 4789/udp: VXLAN data plane (kernel socket).
    for h in lab.inventory:
        host = lab.host(h["name"])
        target = spec.format(addr=h["address"])
        listening = host.socket(target).is_listening
        if not listening and target.startswith("udp://0.0.0.0"):
            port = target.rsplit(":", 1)[1]
            listening = f":{port} " in host.check_output("ss -Hlun")
        assert listening, f"{target} on {h['name']}"


def test_worker_reaches_the_manager_on_2377(lab):
    worker = lab.host("worker")
    assert worker.addr(lab.address("manager")).port(2377).is_reachable
