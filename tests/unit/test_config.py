"""Config validation: every bad stack is refused with a message naming key, value and what is
allowed (asserted exactly), and good stacks become the LabSpec the program builds from."""

from __future__ import annotations

import copy
import ipaddress
from pathlib import Path
from typing import Any

import pytest
import yaml

from modules.config import ConfigError, parse_spec, raw_from_pulumi_config

ROOT = Path(__file__).resolve().parents[2]


def local_stack() -> dict[str, Any]:
    config = yaml.safe_load((ROOT / "stacks" / "Pulumi.local.yaml").read_text())["config"]
    return {key.split(":", 1)[1]: value for key, value in config.items()}


def with_(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(local_stack())
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    return raw


MANAGER = {"name": "manager", "address": "192.168.1.10", "role": "manager"}
WORKER = {"name": "worker", "address": "192.168.1.11", "role": "worker"}

BAD: list[tuple[str, dict[str, Any], str]] = [
    ("empty stack", {}, "swarmlab: the stack has no swarmlab configuration; required: "
     "swarmlab:hosts (see stacks/Pulumi.local.yaml)"),
    ("no hosts key", with_(hosts=None), "swarmlab:hosts: missing; a lab needs a list of hosts "
     "with a manager"),
    ("unknown key", with_(endpointmode="vip"), "swarmlab:endpointmode: unknown key; allowed keys: "
     "hosts, sshUser, sshKeyFile, sshKnownHostsFile, sshConnectTimeout, sshCommandTimeout, "
     "lanSubnet, lanGateway, endpointMode, image, overlays, macvlan, services, singleHostDemos, "
     "singleHostNodes, autolock, certExpiry, tokenRotation"),
    ("hosts not a list", with_(hosts="manager"), "swarmlab:hosts: 'manager' is not valid; "
     "allowed: a list of {name, address, role[, user]}"),
    ("empty hosts", with_(hosts=[]), "swarmlab:hosts: the list is empty; a lab needs at least "
     "one manager"),
    ("invalid address", with_(hosts=[MANAGER, {**WORKER, "address": "192.168.1.300"}]),
     "swarmlab:hosts[1].address: '192.168.1.300' is not valid; allowed: an IPv4 address such "
     "as 192.168.1.10"),
    ("address outside the LAN", with_(hosts=[MANAGER, {**WORKER, "address": "10.0.0.5"}]),
     "swarmlab:hosts[1].address: '10.0.0.5' is not valid; allowed: a host address inside "
     "lanSubnet 192.168.1.0/24"),
    ("address is the gateway", with_(hosts=[MANAGER, {**WORKER, "address": "192.168.1.1"}]),
     "swarmlab:hosts[1].address: '192.168.1.1' is not valid; allowed: any address but the "
     "gateway 192.168.1.1"),
    ("duplicate address", with_(hosts=[MANAGER, {**WORKER, "address": "192.168.1.10"}]),
     "swarmlab:hosts[1].address: 192.168.1.10 is already the address of host 'manager'"),
    ("same host twice", with_(hosts=[MANAGER, WORKER, {**WORKER, "address": "192.168.1.12"}]),
     "swarmlab:hosts[2].name: host 'worker' is listed twice"),
    ("no manager", with_(hosts=[{**MANAGER, "role": "worker"}, WORKER]),
     "swarmlab:hosts: no host has role 'manager'; a swarm needs 1, 3 or 5"),
    ("even managers", with_(hosts=[MANAGER, {**WORKER, "role": "manager"}]),
     "swarmlab:hosts: 2 managers is an even number; use 1, 3 or 5: raft needs a majority, and "
     "2 managers tolerate no more failures than 1"),
    ("unknown role", with_(hosts=[MANAGER, {**WORKER, "role": "leader"}]),
     "swarmlab:hosts[1].role: 'leader' is not valid; allowed: manager | worker"),
    ("unknown host key", with_(hosts=[MANAGER, {**WORKER, "ip": "192.168.1.11"}]),
     "swarmlab:hosts[1]: unknown key 'ip'; allowed keys: name, address, role, user"),
    ("bad host name", with_(hosts=[MANAGER, {**WORKER, "name": "Worker_1"}]),
     "swarmlab:hosts[1].name: 'Worker_1' is not valid; allowed: lowercase letters, digits and "
     "'-', starting with a letter"),
    ("wrong type for timeout", with_(sshConnectTimeout="soon"),
     "swarmlab:sshConnectTimeout: 'soon' is not valid; allowed: a whole number from 1 to 120"),
    ("boolean for a number", with_(sshCommandTimeout=True),
     "swarmlab:sshCommandTimeout: True is not valid; allowed: a whole number from 1 to 3600"),
    ("bad endpoint mode", with_(endpointMode="ipvs"),
     "swarmlab:endpointMode: 'ipvs' is not valid; allowed: vip | dnsrr"),
    ("overlay subnet overlaps the LAN",
     with_(overlays=[{"name": "myoverlay", "subnet": "192.168.1.128/25"}]),
     "swarmlab:overlays[0].subnet: 192.168.1.128/25 overlaps lanSubnet 192.168.1.0/24; allowed: "
     "a subnet that overlaps no other lab network"),
    ("overlay subnets overlap each other",
     with_(overlays=[{"name": "a", "subnet": "10.10.0.0/16"}, {"name": "b", "subnet": "10.10.5.0/24"}]),
     "swarmlab:overlays[1].subnet: 10.10.5.0/24 overlaps overlays[0].subnet 10.10.0.0/16; "
     "allowed: a subnet that overlaps no other lab network"),
    ("unknown network driver", with_(overlays=[{"name": "myoverlay", "driver": "vxlan"}]),
     "swarmlab:overlays[0].driver: 'vxlan' is not valid; allowed: overlay (macvlan is configured "
     "under macvlan)"),
    ("encrypted not a boolean", with_(overlays=[{"name": "secure_net", "encrypted": "yes"}]),
     "swarmlab:overlays[0].encrypted: 'yes' is not valid; allowed: true or false"),
    ("macvlan range outside the subnet",
     with_(macvlan={"name": "mymacvlan", "parent": "eth1",
                    "ranges": {"manager": "192.168.2.0/28", "worker": "192.168.1.144/28"}}),
     "swarmlab:macvlan.ranges.manager: '192.168.2.0/28' is not valid; allowed: an ip-range inside "
     "lanSubnet 192.168.1.0/24"),
    ("macvlan ranges overlap",
     with_(macvlan={"name": "mymacvlan", "parent": "eth1",
                    "ranges": {"manager": "192.168.1.128/27", "worker": "192.168.1.144/28"}}),
     "swarmlab:macvlan.ranges.worker: 192.168.1.144/28 overlaps the range of host 'manager' "
     "(192.168.1.128/27); allowed: disjoint ranges, one per host"),
    ("macvlan range holds a host",
     with_(macvlan={"name": "mymacvlan", "parent": "eth1",
                    "ranges": {"manager": "192.168.1.0/28", "worker": "192.168.1.144/28"}}),
     "swarmlab:macvlan.ranges.manager: '192.168.1.0/28' is not valid; allowed: a range that "
     "leaves out host manager (192.168.1.10)"),
    ("macvlan range missing for a host",
     with_(macvlan={"name": "mymacvlan", "parent": "eth1", "ranges": {"manager": "192.168.1.128/28"}}),
     "swarmlab:macvlan.ranges: no range for host(s) worker"),
    ("gateway outside the subnet", with_(lanGateway="192.168.2.1"),
     "swarmlab:lanGateway: '192.168.2.1' is not valid; allowed: an address inside lanSubnet "
     "192.168.1.0/24"),
    ("service on a missing network",
     with_(services=[{"name": "web", "network": "nonet", "node": "worker"}]),
     "swarmlab:services[0].network: 'nonet' is not valid; allowed: one of the lab's swarm "
     "networks: mymacvlan, myoverlay, secure_net"),
    ("service on an unknown node",
     with_(services=[{"name": "web", "network": "myoverlay", "node": "worker9"}]),
     "swarmlab:services[0].node: 'worker9' is not valid; allowed: one of the hosts: manager, worker"),
    ("negative replicas",
     with_(services=[{"name": "web", "network": "myoverlay", "node": "worker", "replicas": -1}]),
     "swarmlab:services[0].replicas: -1 is not valid; allowed: a whole number from 0 to 100"),
    ("unparseable image", with_(image="Nginx::latest"),
     "swarmlab:image: 'Nginx::latest' is not valid; allowed: an image reference such as "
     "nginx:1.27 or registry:5000/app:tag"),
    ("unparseable service image",
     with_(services=[{"name": "web", "network": "myoverlay", "node": "worker", "image": "a b"}]),
     "swarmlab:services[0].image: 'a b' is not valid; allowed: an image reference such as "
     "nginx:1.27 or registry:5000/app:tag"),
    ("duplicate service",
     with_(services=[{"name": "web", "network": "myoverlay", "node": "worker"},
                     {"name": "web", "network": "myoverlay", "node": "manager"}]),
     "swarmlab:services[1].name: service 'web' is listed twice"),
    ("cert expiry in days", with_(certExpiry="90d"),
     "swarmlab:certExpiry: '90d' is not valid; allowed: hours such as 2160h (at least 1h)"),
    ("autolock not a boolean", with_(autolock="on"),
     "swarmlab:autolock: 'on' is not valid; allowed: true or false"),
    ("single-host node unknown", with_(singleHostNodes=["manager", "worker9"]),
     "swarmlab:singleHostNodes[1]: 'worker9' is not valid; allowed: one of the hosts: "
     "manager, worker"),
    ("single-host node twice", with_(singleHostNodes=["worker", "worker"]),
     "swarmlab:singleHostNodes[1]: host 'worker' is listed twice"),
    ("single-host nodes empty", with_(singleHostNodes=[]),
     "swarmlab:singleHostNodes: [] is not valid; allowed: a non-empty list of host names from: "
     "manager, worker"),
    ("single-host nodes not a list", with_(singleHostNodes="manager"),
     "swarmlab:singleHostNodes: 'manager' is not valid; allowed: a non-empty list of host names "
     "from: manager, worker"),
    ("overlay named like a builtin", with_(overlays=[{"name": "host"}]),
     "swarmlab:overlays[0].name: 'host' is not valid; allowed: letters, digits, '_', '.', '-'; "
     "not bridge/host/none"),
]


@pytest.mark.parametrize(("raw", "message"), [(raw, msg) for _, raw, msg in BAD],
                         ids=[case for case, _, _ in BAD])
def test_bad_config_is_refused_with_exact_message(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_spec(raw)
    assert str(caught.value) == message


def test_there_are_at_least_twenty_distinct_bad_inputs() -> None:
    assert len({msg for _, _, msg in BAD}) >= 20


def test_local_stack_is_the_seed_lab() -> None:
    spec = parse_spec(local_stack())
    assert [(h.name, h.address, h.role) for h in spec.hosts] == [
        ("manager", "192.168.1.10", "manager"), ("worker", "192.168.1.11", "worker")]
    assert spec.leader.name == "manager"
    assert {o.name: o.encrypted for o in spec.overlays} == {"myoverlay": False, "secure_net": True}
    assert spec.endpoint_mode == "dnsrr"
    web, app = spec.services[0], spec.services[1]
    assert (web.name, app.name) == ("web", "app")
    assert web.node != app.node, "web and app must sit on different hosts"


def test_default_macvlan_ranges_are_disjoint_inside_the_subnet_and_miss_hosts() -> None:
    raw = with_(hosts=[MANAGER, {**WORKER}, {"name": "worker2", "address": "192.168.1.12",
                                              "role": "worker"}])
    spec = parse_spec(raw)
    lan = ipaddress.IPv4Network(spec.lan_subnet)
    ranges = [ipaddress.IPv4Network(r) for r in spec.macvlan.ranges.values()]
    assert len(ranges) == 3
    for i, net in enumerate(ranges):
        assert net.subnet_of(lan)
        assert all(ipaddress.IPv4Address(h.address) not in net for h in spec.hosts)
        assert all(not net.overlaps(other) for other in ranges[i + 1:])


THREE_HOSTS = [MANAGER, WORKER, {"name": "worker2", "address": "192.168.1.12", "role": "worker"}]


@pytest.mark.parametrize(("changes", "nodes"), [
    ({}, ("manager", "worker")),
    ({"singleHostNodes": ["worker2"]}, ("worker2",)),
    ({"singleHostNodes": ["manager", "worker", "worker2"]}, ("manager", "worker", "worker2")),
    ({"singleHostDemos": False, "singleHostNodes": ["worker2"]}, ()),
])
def test_single_host_demos_run_on_the_first_two_hosts_unless_told(changes, nodes) -> None:
    spec = parse_spec(with_(hosts=THREE_HOSTS, **changes))
    assert spec.single_host_nodes == nodes
    assert spec.single_host_demos is bool(nodes)


def test_pulumi_config_map_is_decoded() -> None:
    raw = raw_from_pulumi_config({
        "swarmlab:hosts": '[{"name": "manager", "address": "192.168.1.10", "role": "manager"}]',
        "swarmlab:sshConnectTimeout": "7",
        "swarmlab:endpointMode": "dnsrr",
        "other:key": "ignored",
    })
    assert raw == {"hosts": [MANAGER], "sshConnectTimeout": 7, "endpointMode": "dnsrr"}
    assert parse_spec(raw).ssh.connect_timeout == 7
