"""parse_spec, exactly: the whole LabSpec a small stack becomes (every default), and the
refusals (message, key and allowed) the other tests do not assert."""

from __future__ import annotations

from typing import Any

import pytest

from modules.spec import (
    ConfigError,
    HardeningSpec,
    HostSpec,
    LabSpec,
    MacvlanSpec,
    OverlaySpec,
    ServiceSpec,
    SshSpec,
    parse_spec,
)
from modules.spec import parse as parse_module
from tests.support.stacks import MANAGER, WORKER, service, with_

HTTPD = ("httpd", "-f", "-p", "80", "-h", "/www")
IDLE = ("sleep", "100000")
ALL_KEYS = ("hosts, hostsFile, sshUser, sshKeyFile, sshKnownHostsFile, sshConnectTimeout, "
            "sshCommandTimeout, lanSubnet, lanGateway, endpointMode, image, overlays, macvlan, "
            "services, singleHostDemos, singleHostNodes, autolock, certExpiry, tokenRotation, "
            "readyTimeout, links, validate")
CIDR = "an IPv4 network in CIDR form such as 192.168.1.0/24"
PATH = "a file path (not starting with '-')"


def _services(web: str, app: str) -> tuple[ServiceSpec, ...]:
    found = []
    for net, prefix in (("myoverlay", ""), ("secure_net", "secure-net-"),
                        ("mymacvlan", "mymacvlan-")):
        found += [ServiceSpec(f"{prefix}web", net, web, "swarmlab/busybox:lab", HTTPD, 1),
                  ServiceSpec(f"{prefix}app", net, app, "swarmlab/busybox:lab", IDLE, 1)]
    return tuple(found)


def test_a_stack_of_hosts_only_takes_every_default() -> None:
    worker = {**WORKER, "user": "lab", "ssh": {"host": "127.0.0.1"}}
    spec = parse_spec({"hosts": [MANAGER, worker]})
    manager_host = HostSpec("manager", "192.168.1.10", "manager", "root", None, 22)
    worker_host = HostSpec("worker", "192.168.1.11", "worker", "lab", "127.0.0.1", 22)
    assert spec == LabSpec(
        hosts=(manager_host, worker_host),
        ssh=SshSpec(".lab/id_ed25519", ".lab/known_hosts", 5, 120),
        lan_subnet="192.168.1.0/24", lan_gateway="192.168.1.1", endpoint_mode="vip",
        image="swarmlab/busybox:lab",
        overlays=(OverlaySpec("myoverlay", False, None), OverlaySpec("secure_net", True, None)),
        macvlan=MacvlanSpec("mymacvlan", "eth1", {"manager": "192.168.1.128/29",
                                                  "worker": "192.168.1.136/29"}),
        services=_services("worker", "manager"),
        single_host_nodes=("manager", "worker"),
        hardening=HardeningSpec(False, None, 0), ready_timeout=120, checks=())
    assert (spec.managers, spec.workers) == ((manager_host,), (worker_host,))
    assert spec.macvlan.config_name == "mymacvlan-config"
    assert spec.swarm_networks == ("myoverlay", "secure_net", "mymacvlan")


def test_settings_given_as_text_and_at_their_bounds() -> None:
    spec = parse_spec({"hosts": [MANAGER], "autolock": "true", "certExpiry": "2160h",
                       "tokenRotation": "1000000", "readyTimeout": "10", "sshConnectTimeout": 1,
                       "sshCommandTimeout": 3600, "lanGateway": "192.168.1.254",
                       "endpointMode": "dnsrr", "singleHostDemos": "false",
                       "sshKeyFile": "k", "sshKnownHostsFile": "kh", "sshUser": "lab"})
    assert spec.hardening == HardeningSpec(True, "2160h", 1_000_000)
    assert (spec.ready_timeout, spec.ssh, spec.lan_gateway, spec.endpoint_mode,
            spec.single_host_nodes, spec.hosts[0].user) == (
        10, SshSpec("k", "kh", 1, 3600), "192.168.1.254", "dnsrr", (), "lab")
    assert spec.services == _services("manager", "manager")
    assert parse_spec({"hosts": [MANAGER], "readyTimeout": 900, "certExpiry": "1h",
                       "sshConnectTimeout": 120, "autolock": True}).hardening == HardeningSpec(
        True, "1h", 0)
    assert parse_spec({"hosts": [MANAGER], "certExpiry": ""}).hardening.cert_expiry is None


def test_five_managers_and_a_host_reached_on_another_port() -> None:
    hosts: list[dict[str, Any]] = [
        {"name": f"m{i}", "address": f"192.168.1.{10 + i}", "role": "manager"} for i in range(5)]
    hosts[4]["ssh"] = {"host": "127.0.0.1", "port": "2222"}
    spec = parse_spec({"hosts": hosts, "singleHostDemos": False})
    assert len(spec.managers) == 5 and spec.leader.name == "m0"
    assert (spec.hosts[4].ssh_host, spec.hosts[4].ssh_port) == ("127.0.0.1", 2222)
    assert spec.host("m3").address == "192.168.1.13"


def _hosts(count: int) -> list[dict[str, str]]:
    return [{"name": f"h{i}", "address": f"192.168.1.{10 + i}",
             "role": "manager" if i == 0 else "worker"} for i in range(count)]


def test_thirty_two_hosts_fit_the_default_ranges_and_the_first_sixteen_keep_theirs() -> None:
    ranges = list(parse_spec({"hosts": _hosts(32)}).macvlan.ranges.values())
    # The first sixteen: the /29s of the top half, as a lab of up to sixteen hosts has them.
    assert ranges[:16] == [f"192.168.1.{128 + 8 * i}/29" for i in range(16)]
    assert list(parse_spec({"hosts": _hosts(2)}).macvlan.ranges.values()) == ranges[:2]
    # Then /30s of the lower half, from the top down, away from the hosts (.10 to .41).
    assert ranges[16:] == [f"192.168.1.{124 - 4 * i}/30" for i in range(16)]


def test_a_host_added_leaves_the_others_ranges_where_they_were() -> None:
    for count in (17, 20, 24, 31):
        fewer = parse_spec({"hosts": _hosts(count)}).macvlan.ranges
        more = parse_spec({"hosts": _hosts(count + 1)}).macvlan.ranges
        assert {h: more[h] for h in fewer} == fewer


def test_more_hosts_than_default_ranges_are_refused_with_how_many_fit() -> None:
    assert len(parse_spec({"hosts": _hosts(37)}).macvlan.ranges) == 37
    with pytest.raises(ConfigError) as caught:
        parse_spec({"hosts": _hosts(38)})
    assert str(caught.value) == (
        "swarmlab:hosts: at most 37 hosts fit the default macvlan ranges of 192.168.1.0/24 "
        "(beside the hosts' addresses and the gateway); set swarmlab:macvlan.ranges")


def test_a_stack_with_more_hosts_than_default_ranges_sets_its_own() -> None:
    hosts = _hosts(38)
    ranges = {h["name"]: f"10.1.{i}.0/24" for i, h in enumerate(hosts)}
    spec = parse_spec({"hosts": hosts, "lanSubnet": "10.1.0.0/16", "lanGateway": "10.1.255.1",
                       "validate": None,
                       "macvlan": {"name": "m", "parent": "eth1", "ranges": ranges}}
                      | {"hosts": [{**h, "address": f"10.1.200.{10 + i}"}
                                   for i, h in enumerate(hosts)]})
    assert spec.macvlan.ranges == ranges


def test_macvlan_capacity_counts_per_node_and_only_the_macvlan() -> None:
    services = [service(name="a", network="mymacvlan", replicas=6),
                service(name="b", network="mymacvlan", node="manager", replicas=6),
                service(name="c", network="myoverlay", replicas=50),
                service(name="d", network="mymacvlan", replicas=2)]
    spec = parse_spec(with_(services=services, validate=None))
    assert [s.replicas for s in spec.services] == [6, 6, 50, 2]
    with pytest.raises(ConfigError) as caught:
        parse_spec(with_(services=[*services, service(name="e", network="mymacvlan")],
                         validate=None))
    assert str(caught.value) == (
        "swarmlab:services[4].replicas: 1 is not valid; allowed: at most 0: macvlan tasks on "
        "worker take addresses from macvlan.ranges.worker 192.168.1.136/29, which holds 8, 8 of "
        "them for the services listed before")


def test_every_host_without_a_range_is_named() -> None:
    hosts = [MANAGER, WORKER, {"name": "worker2", "address": "192.168.1.12", "role": "worker"}]
    with pytest.raises(ConfigError) as caught:
        parse_spec(with_(hosts=hosts, macvlan={"name": "mymacvlan", "parent": "eth1",
                                               "ranges": {"manager": "192.168.1.128/29"}}))
    assert str(caught.value) == "swarmlab:macvlan.ranges: no range for host(s) worker, worker2"


def test_usable_leaves_out_the_lans_own_addresses() -> None:
    import ipaddress
    lan = ipaddress.IPv4Network("192.168.1.0/24")
    # The gateway is never in a range (_macvlan refuses one that holds it).
    assert parse_module.usable(ipaddress.IPv4Network("192.168.1.0/29"), lan) == 7
    assert parse_module.usable(ipaddress.IPv4Network("192.168.1.248/29"), lan) == 7
    assert parse_module.usable(ipaddress.IPv4Network("192.168.1.8/29"), lan) == 8


BAD: list[tuple[str, dict[str, Any], str, str, str]] = [
    ("ssh endpoint without host", with_(hosts=[MANAGER, {**WORKER, "ssh": {"port": 22}}]),
     "swarmlab:hosts[1].ssh: missing key 'host'; required keys: host, port", "hosts[1].ssh",
     "an object with keys host, port (required: host)"),
    ("a host that is no object", with_(hosts=["x"]),
     "swarmlab:hosts[0]: 'x' is not valid; allowed: an object with keys name, address, role, "
     "user, ssh", "hosts[0]", "an object with keys name, address, role, user, ssh"),
    ("empty hosts", with_(hosts=[]),
     "swarmlab:hosts: the list is empty; a lab needs at least one manager", "hosts",
     "a list of hosts with at least one manager"),
    ("even managers", with_(hosts=[MANAGER, {**WORKER, "role": "manager"}]),
     "swarmlab:hosts: 2 managers is an even number; use 1, 3 or 5: raft needs a majority, and "
     "2 managers tolerate no more failures than 1", "hosts",
     "hosts of which 1, 3 or 5 have role 'manager'"),
    ("duplicate address", with_(hosts=[MANAGER, {**WORKER, "address": "192.168.1.10"}]),
     "swarmlab:hosts[1].address: 192.168.1.10 is already the address of host 'manager'",
     "hosts[1].address", "an address no other host has"),
    ("address is the LAN's network address",
     with_(hosts=[MANAGER, {**WORKER, "address": "192.168.1.0"}]),
     "swarmlab:hosts[1].address: '192.168.1.0' is not valid; allowed: a host address inside "
     "lanSubnet 192.168.1.0/24", "hosts[1].address", "a host address inside lanSubnet "
     "192.168.1.0/24"),
    ("address is the LAN's broadcast address",
     with_(hosts=[MANAGER, {**WORKER, "address": "192.168.1.255"}]),
     "swarmlab:hosts[1].address: '192.168.1.255' is not valid; allowed: a host address inside "
     "lanSubnet 192.168.1.0/24", "hosts[1].address", "a host address inside lanSubnet "
     "192.168.1.0/24"),
    ("ranges not an object", with_(macvlan={"name": "mymacvlan", "parent": "eth1",
                                            "ranges": ["x"]}),
     "swarmlab:macvlan.ranges: ['x'] is not valid; allowed: an object host name -> CIDR",
     "macvlan.ranges", "an object host name -> CIDR"),
    ("range of an unknown host", with_(macvlan={"name": "mymacvlan", "parent": "eth1",
                                                "ranges": {"ghost": "192.168.1.128/29"}}),
     "swarmlab:macvlan.ranges.ghost: 'ghost' is not valid; allowed: one of the hosts: manager, "
     "worker", "macvlan.ranges.ghost", "one of the hosts: manager, worker"),
    ("range not a network", with_(macvlan={"name": "mymacvlan", "parent": "eth1",
                                           "ranges": {"manager": "192.168.1.128"}}),
     f"swarmlab:macvlan.ranges.manager: '192.168.1.128' is not valid; allowed: {CIDR}",
     "macvlan.ranges.manager", CIDR),
    ("macvlan not an object", with_(macvlan="x"),
     "swarmlab:macvlan: 'x' is not valid; allowed: an object with keys name, parent, ranges",
     "macvlan", "an object with keys name, parent, ranges"),
    ("macvlan without parent", with_(macvlan={"name": "mymacvlan"}),
     "swarmlab:macvlan: missing key 'parent'; required keys: name, parent, ranges", "macvlan",
     "an object with keys name, parent, ranges (required: name, parent)"),
    ("service name like a flag", with_(services=[service(name="-web")]),
     "swarmlab:services[0].name: '-web' is not valid; allowed: letters, digits, '_', '.', '-' "
     "(starting with a letter or digit)", "services[0].name",
     "letters, digits, '_', '.', '-' (starting with a letter or digit)"),
    ("command not a list", with_(services=[service(command="sh")]),
     "swarmlab:services[0].command: 'sh' is not valid; allowed: a list of strings",
     "services[0].command", "a list of strings"),
    ("node given as a list", with_(services=[service(node=["worker"])]),
     "swarmlab:services[0].node: ['worker'] is not valid; allowed: one of the hosts: manager, "
     "worker", "services[0].node", "one of the hosts: manager, worker"),
    ("101 replicas", with_(services=[service(replicas=101)]),
     "swarmlab:services[0].replicas: 101 is not valid; allowed: a whole number from 0 to 100",
     "services[0].replicas", "a whole number from 0 to 100"),
    ("services not a list", with_(services="x"),
     "swarmlab:services: 'x' is not valid; allowed: a list of {name, network, node[, image, "
     "command, replicas]}", "services", "a list of {name, network, node[, image, command, "
     "replicas]}"),
    ("overlays not a list", with_(overlays="x"),
     "swarmlab:overlays: 'x' is not valid; allowed: a list of {name[, encrypted, subnet]}",
     "overlays", "a list of {name[, encrypted, subnet]}"),
    ("overlay subnet not a network", with_(overlays=[{"name": "a", "subnet": "x"}]),
     f"swarmlab:overlays[0].subnet: 'x' is not valid; allowed: {CIDR}", "overlays[0].subnet",
     CIDR),
    ("an overlay named like the macvlan's config", with_(
        macvlan={"name": "x", "parent": "eth1"}, overlays=[{"name": "x-config"}]),
     "swarmlab:overlays[0].name: 'x-config' is not valid; allowed: letters, digits, '_', '.', "
     "'-' (starting with a letter or digit); not bridge, host, none, ingress, docker_gwbridge, "
     "mynetwork, myappnet, x-config, x", "overlays[0].name",
     "letters, digits, '_', '.', '-' (starting with a letter or digit); not bridge, host, none, "
     "ingress, docker_gwbridge, mynetwork, myappnet, x-config, x"),
    ("token rotation too high", with_(tokenRotation=1_000_001),
     "swarmlab:tokenRotation: 1000001 is not valid; allowed: a whole number from 0 to 1000000",
     "tokenRotation", "a whole number from 0 to 1000000"),
    ("token rotation negative", with_(tokenRotation=-1),
     "swarmlab:tokenRotation: -1 is not valid; allowed: a whole number from 0 to 1000000",
     "tokenRotation", "a whole number from 0 to 1000000"),
    ("cert expiry 0h", with_(certExpiry="0h"),
     "swarmlab:certExpiry: '0h' is not valid; allowed: hours such as 2160h (at least 1h)",
     "certExpiry", "hours such as 2160h (at least 1h)"),
    ("cert expiry of seven digits", with_(certExpiry="1000000h"),
     "swarmlab:certExpiry: '1000000h' is not valid; allowed: hours such as 2160h (at least 1h)",
     "certExpiry", "hours such as 2160h (at least 1h)"),
    ("ready timeout too long", with_(readyTimeout=901),
     "swarmlab:readyTimeout: 901 is not valid; allowed: a whole number from 10 to 900",
     "readyTimeout", "a whole number from 10 to 900"),
    ("connect timeout too long", with_(sshConnectTimeout=121),
     "swarmlab:sshConnectTimeout: 121 is not valid; allowed: a whole number from 1 to 120",
     "sshConnectTimeout", "a whole number from 1 to 120"),
    ("connect timeout zero", with_(sshConnectTimeout=0),
     "swarmlab:sshConnectTimeout: 0 is not valid; allowed: a whole number from 1 to 120",
     "sshConnectTimeout", "a whole number from 1 to 120"),
    ("command timeout too long", with_(sshCommandTimeout=3601),
     "swarmlab:sshCommandTimeout: 3601 is not valid; allowed: a whole number from 1 to 3600",
     "sshCommandTimeout", "a whole number from 1 to 3600"),
    ("command timeout zero", with_(sshCommandTimeout=0),
     "swarmlab:sshCommandTimeout: 0 is not valid; allowed: a whole number from 1 to 3600",
     "sshCommandTimeout", "a whole number from 1 to 3600"),
    ("known_hosts like a flag", with_(sshKnownHostsFile="-x"),
     f"swarmlab:sshKnownHostsFile: '-x' is not valid; allowed: {PATH}", "sshKnownHostsFile",
     PATH),
    ("hosts file like a flag", with_(hosts=None, hostsFile="-x"),
     f"swarmlab:hostsFile: '-x' is not valid; allowed: {PATH}", "hostsFile", PATH),
    ("demos not a boolean", with_(singleHostDemos="yes"),
     "swarmlab:singleHostDemos: 'yes' is not valid; allowed: true or false", "singleHostDemos",
     "true or false"),
    ("gateway not an address", with_(lanGateway="x"),
     "swarmlab:lanGateway: 'x' is not valid; allowed: an IPv4 address such as 192.168.1.10",
     "lanGateway", "an IPv4 address such as 192.168.1.10"),
    ("LAN not a network", with_(lanSubnet="x"),
     f"swarmlab:lanSubnet: 'x' is not valid; allowed: {CIDR}", "lanSubnet", CIDR),
    ("LAN over Docker's ingress", with_(lanSubnet="10.0.0.0/16"),
     "swarmlab:lanSubnet: '10.0.0.0/16' is not valid; allowed: a network that does not overlap "
     "Docker's ingress network 10.0.0.0/24", "lanSubnet",
     "a network that does not overlap Docker's ingress network 10.0.0.0/24"),
    ("LAN in 172.16.0.0/12 beside Docker's bridge", with_(lanSubnet="172.32.0.0/24"),
     "swarmlab:lanSubnet: '172.32.0.0/24' is not valid; allowed: a private IPv4 network (in "
     "10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) from /16 to /24", "lanSubnet",
     "a private IPv4 network (in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) from /16 to /24"),
    ("image not text", with_(image=5),
     "swarmlab:image: 5 is not valid; allowed: an image reference such as nginx:1.27 or "
     "registry:5000/app:tag", "image",
     "an image reference such as nginx:1.27 or registry:5000/app:tag"),
    ("single-host node not text", with_(singleHostNodes=[5]),
     "swarmlab:singleHostNodes[0]: 5 is not valid; allowed: one of the hosts: manager, worker",
     "singleHostNodes[0]", "one of the hosts: manager, worker"),
]


@pytest.mark.parametrize(("raw", "message", "key", "allowed"), [b[1:] for b in BAD],
                         ids=[b[0] for b in BAD])
def test_a_refusal_names_key_value_and_what_is_allowed(raw: dict[str, Any], message: str,
                                                       key: str, allowed: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_spec(raw)
    assert (str(caught.value), caught.value.key, caught.value.allowed) == (message, key, allowed)


@pytest.mark.parametrize(("key", "shown"), [
    ("bad key\n", "'bad key\\n'"), ("a" * 65, repr("a" * 65)), ("a" * 64, "a" * 64),
    ("Ab_.-9", "Ab_.-9"), ("9a", "'9a'"), (5, "5")])
def test_an_unknown_key_is_shown_plain_only_when_it_is_a_plain_name(key: Any, shown: str
                                                                    ) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_spec({**with_(), key: 1})
    assert str(caught.value) == f"swarmlab:{shown}: unknown key; allowed keys: {ALL_KEYS}"


def test_a_refusal_in_a_hosts_file_names_the_file_shown_safely() -> None:
    raw = with_(hosts=None, hostsFile="it's.json", validate=None)
    with pytest.raises(ConfigError) as caught:
        parse_spec(raw, "not a list")
    assert (str(caught.value), caught.value.key, caught.value.allowed) == (
        "swarmlab:hostsFile: the host list in \"it's.json\" is not valid (the whole list); "
        "allowed: a list of {name, address, role[, user, ssh]}", "hostsFile",
        "a list of {name, address, role[, user, ssh]}")
    with pytest.raises(ConfigError) as caught:
        parse_spec(raw, [MANAGER, {**WORKER, "name": "manager", "address": "192.168.1.10"}])
    assert str(caught.value) == ("swarmlab:hostsFile: the host list in \"it's.json\" is not "
                                 "valid (entry [1].name); allowed: a name no other host has")


def test_default_ranges_step_around_a_host_in_the_top_half() -> None:
    hosts = [{"name": "m", "address": "192.168.1.10", "role": "manager"},
             {"name": "w", "address": "192.168.1.130", "role": "worker"}]
    assert parse_spec({"hosts": hosts}).macvlan.ranges == {"m": "192.168.1.136/29",
                                                           "w": "192.168.1.144/29"}
