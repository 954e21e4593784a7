"""Partitions as data and as the tc each host runs (tools/lab/partition.py). The scripts are
run for real in a live lab by the fault tests; here, what they say."""

from __future__ import annotations

import ipaddress

import pytest

from modules import lan_tc
from tests.support.stacks import local_spec
from tools.lab import partition
from tools.lab.partition import Partitions

NAMES = ["manager", "manager2", "manager3", "worker"]


def test_each_call_adds_a_partition_and_the_rest_stays_together() -> None:
    parts = Partitions().add(["manager2"]).add(["manager3"])
    assert parts.groups == (("manager2",), ("manager3",))
    assert parts.peers("manager", NAMES) == ("manager", "worker")
    assert parts.peers("manager2", NAMES) == ("manager2",)


def test_a_node_partitioned_again_leaves_its_old_group() -> None:
    parts = Partitions().add(["manager2", "manager3"]).add(["manager3", "worker"])
    assert parts.groups == (("manager2",), ("manager3", "worker"))
    assert parts.peers("manager", NAMES) == ("manager",)


def test_a_partitioned_host_may_send_to_the_gateway_its_group_and_their_macvlan_ranges():
    spec = local_spec()
    parts = Partitions().add(["worker"])
    worker = [str(n) for n in partition.allowed(spec, parts, "worker")]
    manager = [str(n) for n in partition.allowed(spec, parts, "manager")]
    assert worker == [f"{spec.lan_gateway}/32", "192.168.1.11/32", spec.macvlan.ranges["worker"]]
    assert manager == [f"{spec.lan_gateway}/32", "192.168.1.10/32",
                       spec.macvlan.ranges["manager"]]


@pytest.mark.parametrize("node", ["manager,worker", "nobody", "worker,worker", "", "all",
                                  "worker;reboot"])
def test_a_partition_names_some_lab_hosts_each_once_and_not_all(node) -> None:
    with pytest.raises(ValueError, match=rf"^NODE={node!r}: allowed: one or more of manager, "
                                         "worker"):
        partition.check_nodes(local_spec(), node)


def test_the_script_drops_by_default_and_passes_only_the_allowed() -> None:
    nets = [ipaddress.IPv4Network("192.168.1.1/32"), ipaddress.IPv4Network("192.168.1.208/29")]
    script = lan_tc.apply_script("eth1", nets)
    steps = script.split(" && ")
    assert steps[0] == "tc qdisc del dev eth1 root 2>/dev/null || true"
    assert "htb default 30" in steps[1] and steps[4].endswith("pfifo limit 0")
    assert ("protocol ip u32 match ip dst 192.168.1.208/29 flowid 1:10" in script
            and "protocol arp u32 match u32 0xc0a801d0 0xfffffff8 at 24 flowid 1:10" in script)
    assert "flowid 1:30" not in script  # nothing is sent to the dropping class by name


def test_an_interface_reaches_tc_quoted() -> None:
    assert lan_tc.heal_script("eth1;x") == "tc qdisc del dev 'eth1;x' root 2>/dev/null || true"
