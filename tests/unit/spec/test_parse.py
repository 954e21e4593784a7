"""Config validation: every bad stack is refused with a message naming key, value and what is
allowed (asserted exactly), and good stacks become the LabSpec the program builds from."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from modules.spec import ConfigError, parse_spec
from modules.spec.settings import SETTINGS
from tests.support.stacks import MANAGER, WORKER, local_stack, service, with_

ALL_KEYS = ", ".join(s.key for s in SETTINGS)

NOT_AN_OBJECT_NAME = "letters, digits, '_', '.', '-' (starting with a letter or digit)"
RESERVED = "bridge, host, none, ingress, docker_gwbridge, mynetwork, myappnet"
IMAGE = "an image reference such as nginx:1.27 or registry:5000/app:tag"
PRIVATE_LAN = ("a private IPv4 network (in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) "
               "from /16 to /24")
PRIVATE_OVERLAY = ("a private IPv4 network (in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) "
                   "from /16 to /29")
USER = "a user name (lowercase letters, digits, '_', '-')"

BAD: list[tuple[str, dict[str, Any], str]] = [
    ("empty stack", {}, "swarmlab: the stack has no swarmlab configuration; required: "
     "swarmlab:hosts or swarmlab:hostsFile (see stacks/Pulumi.local.yaml)"),
    ("no hosts key", with_(hosts=None), "swarmlab:hosts: missing; a lab needs a list of hosts "
     "with a manager (swarmlab:hosts, or swarmlab:hostsFile naming the hosts tool's list)"),
    ("hosts and a hosts file", with_(hostsFile=".lab/hosts.json"),
     "swarmlab:hostsFile: set either swarmlab:hosts or swarmlab:hostsFile, not both"),
    ("unknown key", with_(endpointmode="vip"),
     f"swarmlab:endpointmode: unknown key; allowed keys: {ALL_KEYS}"),
    ("hosts not a list", with_(hosts="manager"), "swarmlab:hosts: 'manager' is not valid; "
     "allowed: a list of {name, address, role[, user, ssh]}"),
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
     "swarmlab:hosts[1]: unknown key 'ip'; allowed keys: name, address, role, user, ssh"),
    ("bad host name", with_(hosts=[MANAGER, {**WORKER, "name": "Worker_1"}]),
     "swarmlab:hosts[1].name: 'Worker_1' is not valid; allowed: lowercase letters, digits and "
     "'-', starting with a letter"),
    ("host name with a trailing newline", with_(hosts=[MANAGER, {**WORKER, "name": "worker\n"}]),
     "swarmlab:hosts[1].name: 'worker\\n' is not valid; allowed: lowercase letters, digits and "
     "'-', starting with a letter"),
    ("ssh user like a flag", with_(sshUser="-oProxyCommand=sh"),
     f"swarmlab:sshUser: '-oProxyCommand=sh' is not valid; allowed: {USER}"),
    ("ssh user with a space", with_(hosts=[MANAGER, {**WORKER, "user": "root x"}]),
     f"swarmlab:hosts[1].user: 'root x' is not valid; allowed: {USER}"),
    ("ssh endpoint like a flag", with_(hosts=[MANAGER, {**WORKER, "ssh": {"host": "-oProxy"}}]),
     "swarmlab:hosts[1].ssh.host: '-oProxy' is not valid; allowed: an IPv4 address or a DNS "
     "name"),
    ("ssh endpoint port", with_(hosts=[MANAGER, {**WORKER, "ssh": {"host": "127.0.0.1",
                                                               "port": 70000}}]),
     "swarmlab:hosts[1].ssh.port: 70000 is not valid; allowed: a whole number from 1 to 65535"),
    ("wrong type for timeout", with_(sshConnectTimeout="soon"),
     "swarmlab:sshConnectTimeout: 'soon' is not valid; allowed: a whole number from 1 to 120"),
    ("boolean for a number", with_(sshCommandTimeout=True),
     "swarmlab:sshCommandTimeout: True is not valid; allowed: a whole number from 1 to 3600"),
    ("key file like a flag", with_(sshKeyFile="-i/etc/shadow"),
     "swarmlab:sshKeyFile: '-i/etc/shadow' is not valid; allowed: a file path (not starting "
     "with '-')"),
    ("bad endpoint mode", with_(endpointMode="ipvs"),
     "swarmlab:endpointMode: 'ipvs' is not valid; allowed: vip | dnsrr"),
    ("LAN smaller than a /24", with_(lanSubnet="192.168.1.0/25"),
     f"swarmlab:lanSubnet: '192.168.1.0/25' is not valid; allowed: {PRIVATE_LAN}"),
    ("LAN not private", with_(lanSubnet="8.8.8.0/24", lanGateway="8.8.8.1"),
     f"swarmlab:lanSubnet: '8.8.8.0/24' is not valid; allowed: {PRIVATE_LAN}"),
    ("LAN over Docker's default bridge", with_(lanSubnet="172.17.0.0/24"),
     "swarmlab:lanSubnet: '172.17.0.0/24' is not valid; allowed: a network that does not "
     "overlap Docker's default bridge 172.17.0.0/16"),
    ("gateway outside the subnet", with_(lanGateway="192.168.2.1"),
     "swarmlab:lanGateway: '192.168.2.1' is not valid; allowed: a host address inside lanSubnet "
     "192.168.1.0/24 (not its network or broadcast address)"),
    ("gateway is the network address", with_(lanGateway="192.168.1.0"),
     "swarmlab:lanGateway: '192.168.1.0' is not valid; allowed: a host address inside lanSubnet "
     "192.168.1.0/24 (not its network or broadcast address)"),
    ("gateway is the broadcast address", with_(lanGateway="192.168.1.255"),
     "swarmlab:lanGateway: '192.168.1.255' is not valid; allowed: a host address inside "
     "lanSubnet 192.168.1.0/24 (not its network or broadcast address)"),
    ("overlay subnet overlaps the LAN",
     with_(overlays=[{"name": "myoverlay", "subnet": "192.168.1.128/25"}]),
     "swarmlab:overlays[0].subnet: 192.168.1.128/25 overlaps lanSubnet 192.168.1.0/24; allowed: "
     "a subnet that overlaps no other lab network"),
    ("overlay subnets overlap each other",
     with_(overlays=[{"name": "a", "subnet": "10.10.0.0/16"}, {"name": "b", "subnet": "10.10.5.0/24"}]),
     "swarmlab:overlays[1].subnet: 10.10.5.0/24 overlaps overlays[0].subnet 10.10.0.0/16; "
     "allowed: a subnet that overlaps no other lab network"),
    ("overlay over Docker's ingress", with_(overlays=[{"name": "a", "subnet": "10.0.0.0/24"}]),
     "swarmlab:overlays[0].subnet: '10.0.0.0/24' is not valid; allowed: a network that does not "
     "overlap Docker's ingress network 10.0.0.0/24"),
    ("overlay over Docker's default bridge",
     with_(overlays=[{"name": "a", "subnet": "172.17.8.0/24"}]),
     "swarmlab:overlays[0].subnet: '172.17.8.0/24' is not valid; allowed: a network that does "
     "not overlap Docker's default bridge 172.17.0.0/16"),
    ("overlay on loopback", with_(overlays=[{"name": "a", "subnet": "127.0.0.0/8"}]),
     f"swarmlab:overlays[0].subnet: '127.0.0.0/8' is not valid; allowed: {PRIVATE_OVERLAY}"),
    ("overlay on multicast", with_(overlays=[{"name": "a", "subnet": "224.0.0.0/24"}]),
     f"swarmlab:overlays[0].subnet: '224.0.0.0/24' is not valid; allowed: {PRIVATE_OVERLAY}"),
    ("overlay of one address", with_(overlays=[{"name": "a", "subnet": "10.9.0.1/32"}]),
     f"swarmlab:overlays[0].subnet: '10.9.0.1/32' is not valid; allowed: {PRIVATE_OVERLAY}"),
    ("unknown network driver", with_(overlays=[{"name": "myoverlay", "driver": "vxlan"}]),
     "swarmlab:overlays[0].driver: 'vxlan' is not valid; allowed: overlay (macvlan is configured "
     "under macvlan)"),
    ("encrypted not a boolean", with_(overlays=[{"name": "secure_net", "encrypted": "yes"}]),
     "swarmlab:overlays[0].encrypted: 'yes' is not valid; allowed: true or false"),
    *[(f"overlay named {name}", with_(overlays=[{"name": name}]),
       f"swarmlab:overlays[0].name: {name!r} is not valid; allowed: {NOT_AN_OBJECT_NAME}; not "
       f"{RESERVED}, mymacvlan-config, mymacvlan")
      for name in ("ingress", "docker_gwbridge", "host", "mynetwork", "mymacvlan-config",
                   "mymacvlan")],
    ("overlay name with a trailing newline", with_(overlays=[{"name": "myoverlay\n"}]),
     f"swarmlab:overlays[0].name: 'myoverlay\\n' is not valid; allowed: {NOT_AN_OBJECT_NAME}; "
     f"not {RESERVED}, mymacvlan-config, mymacvlan"),
    *[(f"macvlan named {name}", with_(macvlan={"name": name, "parent": "eth1"}),
       f"swarmlab:macvlan.name: {name!r} is not valid; allowed: {NOT_AN_OBJECT_NAME}; not {RESERVED}")
      for name in ("bridge", "ingress", "myappnet")],
    ("macvlan parent like a flag", with_(macvlan={"name": "mymacvlan", "parent": "-eth1"}),
     "swarmlab:macvlan.parent: '-eth1' is not valid; allowed: an interface name such as eth1 (at "
     "most 15 characters, starting with a letter or digit)"),
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
    ("more macvlan tasks than the range holds",
     with_(services=[service(network="mymacvlan", replicas=5),
                     service(name="app", network="mymacvlan", replicas=4)]),
     "swarmlab:services[1].replicas: 4 is not valid; allowed: at most 3: macvlan tasks on worker "
     "take addresses from macvlan.ranges.worker 192.168.1.136/29, which holds 8, 5 of them for "
     "the services listed before"),
    ("service on a missing network", with_(services=[service(network="nonet")]),
     "swarmlab:services[0].network: 'nonet' is not valid; allowed: one of the lab's swarm "
     "networks: mymacvlan, myoverlay, secure_net"),
    ("service network given as a list", with_(services=[service(network=["myoverlay"])]),
     "swarmlab:services[0].network: ['myoverlay'] is not valid; allowed: one of the lab's swarm "
     "networks: mymacvlan, myoverlay, secure_net"),
    ("service on an unknown node", with_(services=[service(node="worker9")]),
     "swarmlab:services[0].node: 'worker9' is not valid; allowed: one of the hosts: manager, worker"),
    ("negative replicas", with_(services=[service(replicas=-1)]),
     "swarmlab:services[0].replicas: -1 is not valid; allowed: a whole number from 0 to 100"),
    ("unparseable image", with_(image="Nginx::latest"),
     f"swarmlab:image: 'Nginx::latest' is not valid; allowed: {IMAGE}"),
    ("image with a trailing newline", with_(image="swarmlab/busybox:lab\n"),
     f"swarmlab:image: 'swarmlab/busybox:lab\\n' is not valid; allowed: {IMAGE}"),
    *[(f"image {image!r}", with_(services=[service(image=image)]),
       f"swarmlab:services[0].image: {image!r} is not valid; allowed: {IMAGE}")
      for image in ("a b", "-ex/y", "-p8080/tcp", "--privileged/x", "-uroot/x")],
    ("command with a control character", with_(services=[service(command=["sh", "-c", "a\nb"])]),
     "swarmlab:services[0].command[2]: 'a\\nb' is not valid; allowed: printable text (no "
     "control characters)"),
    ("duplicate service", with_(services=[service(), service(node="manager")]),
     "swarmlab:services[1].name: service 'web' is listed twice"),
    ("cert expiry in days", with_(certExpiry="90d"),
     "swarmlab:certExpiry: '90d' is not valid; allowed: hours such as 2160h (at least 1h)"),
    ("autolock not a boolean", with_(autolock="on"),
     "swarmlab:autolock: 'on' is not valid; allowed: true or false"),
    ("ready timeout too short", with_(readyTimeout=5),
     "swarmlab:readyTimeout: 5 is not valid; allowed: a whole number from 10 to 900"),
    ("single-host node unknown", with_(singleHostNodes=["manager", "worker9"]),
     "swarmlab:singleHostNodes[1]: 'worker9' is not valid; allowed: one of the hosts: "
     "manager, worker"),
    ("single-host node unknown with the demos off",
     with_(singleHostDemos=False, singleHostNodes=["worker9"]),
     "swarmlab:singleHostNodes[0]: 'worker9' is not valid; allowed: one of the hosts: "
     "manager, worker"),
    ("single-host node twice", with_(singleHostNodes=["worker", "worker"]),
     "swarmlab:singleHostNodes[1]: host 'worker' is listed twice"),
    ("single-host nodes empty", with_(singleHostNodes=[]),
     "swarmlab:singleHostNodes: [] is not valid; allowed: a non-empty list of host names from: "
     "manager, worker"),
    ("single-host nodes not a list", with_(singleHostNodes="manager"),
     "swarmlab:singleHostNodes: 'manager' is not valid; allowed: a non-empty list of host names "
     "from: manager, worker"),
]


@pytest.mark.parametrize(("raw", "message"), [(raw, msg) for _, raw, msg in BAD],
                         ids=[case for case, _, _ in BAD])
def test_bad_config_is_refused_with_exact_message(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_spec(raw)
    assert str(caught.value) == message


def test_local_stack_is_the_seed_lab() -> None:
    spec = parse_spec(local_stack())
    assert [(h.name, h.address, h.role) for h in spec.hosts] == [
        ("manager", "192.168.1.10", "manager"), ("worker", "192.168.1.11", "worker")]
    assert spec.leader.name == "manager"
    assert {o.name: o.encrypted for o in spec.overlays} == {"myoverlay": False, "secure_net": True}
    assert spec.endpoint_mode == "dnsrr"
    assert spec.lan_gateway == "192.168.1.1"
    web, app = spec.services[0], spec.services[1]
    assert (web.name, app.name) == ("web", "app")
    assert web.node != app.node, "web and app must sit on different hosts"


def test_a_host_may_be_reached_over_ssh_somewhere_else() -> None:
    spec = parse_spec(with_(hosts=[{**MANAGER, "ssh": {"host": "127.0.0.1", "port": 2210}}, WORKER]))
    manager, worker = spec.hosts
    assert (manager.ssh_host, manager.ssh_port) == ("127.0.0.1", 2210)
    assert (worker.ssh_host, worker.ssh_port) == (None, 22)


def test_the_gateway_defaults_to_the_first_address_of_the_lan() -> None:
    spec = parse_spec(with_(lanSubnet="192.168.7.0/24", validate=None,
                            hosts=[{**MANAGER, "address": "192.168.7.10"}]))
    assert spec.lan_gateway == "192.168.7.1"
    assert spec.macvlan.ranges == {"manager": "192.168.7.128/29"}


def test_default_macvlan_ranges_are_disjoint_inside_the_subnet_and_miss_hosts() -> None:
    raw = with_(hosts=[MANAGER, WORKER, {"name": "worker2", "address": "192.168.1.12",
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
    # Without the local stack's checks, which try from the demos on the manager.
    spec = parse_spec(with_(hosts=THREE_HOSTS, validate=None, **changes))
    assert spec.single_host_nodes == nodes


def test_a_hosts_file_is_checked_like_hosts() -> None:
    raw = with_(hosts=None, hostsFile=".lab/hosts.json")
    spec = parse_spec(raw, [MANAGER, WORKER])
    assert [h.name for h in spec.hosts] == ["manager", "worker"]
    with pytest.raises(ConfigError) as caught:
        parse_spec(raw, [MANAGER, {**WORKER, "role": "boss"}])
    assert str(caught.value) == ("swarmlab:hostsFile: the host list in '.lab/hosts.json' is not "
                                 "valid (entry [1].role); allowed: manager | worker")


@pytest.mark.parametrize("count", [1, 3, 5])
def test_one_three_or_five_managers_make_a_swarm(count: int) -> None:
    hosts = [{"name": f"m{i}", "address": f"192.168.1.{10 + i}", "role": "manager"}
             for i in range(count)]
    spec = parse_spec(with_(hosts=[*hosts, {**WORKER, "address": "192.168.1.30"}], validate=None))
    assert len(spec.managers) == count and len(spec.workers) == 1


@pytest.mark.parametrize(("count", "message"), [
    (4, "swarmlab:hosts: 4 managers is an even number; use 1, 3 or 5: raft needs a majority, "
        "and 4 managers tolerate no more failures than 3"),
    (6, "swarmlab:hosts: 6 managers is an even number; use 1, 3 or 5: raft needs a majority, "
        "and 6 managers tolerate no more failures than 5"),
    (7, "swarmlab:hosts: 7 managers are too many; use 1, 3 or 5: every raft write waits for a "
        "majority of them, and 5 already tolerate 2 failures"),
])
def test_other_manager_counts_are_refused(count: int, message: str) -> None:
    hosts = [{"name": f"m{i}", "address": f"192.168.1.{10 + i}", "role": "manager"}
             for i in range(count)]
    with pytest.raises(ConfigError) as caught:
        parse_spec(with_(hosts=hosts, validate=None))
    assert str(caught.value) == message


@pytest.mark.parametrize(("lan", "refused"), [
    ("10.10.0.0/15", True), ("10.10.0.0/16", False), ("10.10.7.0/24", False),
    ("10.10.7.0/25", True)])
def test_the_lan_is_from_a_16_to_a_24(lan: str, refused: bool) -> None:
    net = ipaddress.IPv4Network(lan)
    raw = with_(lanSubnet=lan, validate=None,
                hosts=[{**MANAGER, "address": str(net.network_address + 10)}])
    if not refused:
        assert parse_spec(raw).lan_subnet == lan
        return
    with pytest.raises(ConfigError) as caught:
        parse_spec(raw)
    assert str(caught.value) == f"swarmlab:lanSubnet: {lan!r} is not valid; allowed: {PRIVATE_LAN}"


@pytest.mark.parametrize(("subnet", "refused"), [
    ("10.20.0.0/15", True), ("10.20.0.0/16", False), ("10.20.0.0/29", False),
    ("10.20.0.0/30", True)])
def test_an_overlay_subnet_is_from_a_16_to_a_29(subnet: str, refused: bool) -> None:
    raw = with_(overlays=[{"name": "myoverlay", "subnet": subnet}], services=None, validate=None)
    if not refused:
        assert parse_spec(raw).overlays[0].subnet == subnet
        return
    with pytest.raises(ConfigError) as caught:
        parse_spec(raw)
    assert str(caught.value) == (f"swarmlab:overlays[0].subnet: {subnet!r} is not valid; "
                                 f"allowed: {PRIVATE_OVERLAY}")


def test_one_overlay_name_twice_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_spec(with_(overlays=[{"name": "a"}, {"name": "a", "encrypted": True}], services=None,
                         validate=None))
    assert str(caught.value) == "swarmlab:overlays[1].name: network 'a' is listed twice"


def test_the_gateway_is_never_inside_a_macvlan_range() -> None:
    ranges = {"manager": "192.168.1.128/29", "worker": "192.168.1.136/29"}
    raw = with_(macvlan={"name": "mymacvlan", "parent": "eth1", "ranges": ranges}, validate=None)
    assert parse_spec(raw).macvlan.ranges == ranges
    with pytest.raises(ConfigError) as caught:
        parse_spec({**raw, "lanGateway": "192.168.1.137"})
    assert str(caught.value) == ("swarmlab:macvlan.ranges.worker: '192.168.1.136/29' is not valid; "
                                 "allowed: a range that leaves out the gateway 192.168.1.137")


@pytest.mark.parametrize("name", ["3232235777", "0xc0a80101", "10.1", "0300.0250.1.1"])
def test_a_service_is_never_named_like_an_address(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_spec(with_(services=[service(name=name)], validate=None))
    assert str(caught.value) == (
        f"swarmlab:services[0].name: {name!r} is not valid; allowed: a name that is not a number "
        "(a name such as 3232235777, 0xc0a80101 or 10.1 reads as an IPv4 address)")
    assert parse_spec(with_(services=[service(name="1web")], validate=None)).services[0].name == "1web"


def test_a_hosts_file_never_shows_what_it_holds() -> None:
    """The key may point at any file: its refusal names the entry and what is allowed."""
    raw = with_(hosts=None, hostsFile="creds.json", validate=None)
    for content, where, allowed in [
        ({"auths": {"r": {"auth": "dXNlcjpzM2NyZXQ="}}}, "the whole list",
         "a list of {name, address, role[, user, ssh]}"),
        (["dXNlcjpzM2NyZXQ="], "entry [0]", "an object with keys name, address, role, user, ssh"),
        ([{**MANAGER, "dXNlcjpzM2NyZXQ=": 1}], "entry [0]",
         "an object with keys name, address, role, user, ssh (no others)"),
        ([MANAGER, {**WORKER, "user": "dXNlcjpzM2NyZXQ="}], "entry [1].user",
         "a user name (lowercase letters, digits, '_', '-')"),
        ([MANAGER, {**MANAGER, "address": "192.168.1.11"}], "entry [1].name",
         "a name no other host has"),
        ([{**MANAGER, "role": "worker"}], "the whole list",
         "hosts of which 1, 3 or 5 have role 'manager'"),
    ]:
        with pytest.raises(ConfigError) as caught:
            parse_spec(raw, content)
        assert str(caught.value) == (f"swarmlab:hostsFile: the host list in 'creds.json' is not "
                                     f"valid ({where}); allowed: {allowed}")
