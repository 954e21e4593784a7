"""Bad `swarmlab:*` values, each refused by the spec (parse_spec, what `pulumi preview` runs)
with a message naming the exact key and what is allowed; the message shows the value escaped
and bounded, never a raw control character."""

from __future__ import annotations

from typing import Any

import pytest

from modules.spec import ConfigError, parse_spec
from tests.support.badinput import Bad, ids
from tests.support.stacks import MANAGER, WORKER, with_

HOST_NAME = "lowercase letters, digits and '-', starting with a letter"
ADDRESS = "an IPv4 address such as 192.168.1.10"
IN_LAN = "a host address inside lanSubnet 192.168.1.0/24"
USER = "a user name (lowercase letters, digits, '_', '-')"
PATH = "a file path (not starting with '-')"
LAN = "a private IPv4 network (in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) from /16 to /24"
OVERLAY = ("a private IPv4 network (in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) from /16 "
           "to /29")
CIDR = "an IPv4 network in CIDR form such as 192.168.1.0/24"
IMAGE = "an image reference such as nginx:1.27 or registry:5000/app:tag"
OBJECT = "letters, digits, '_', '.', '-' (starting with a letter or digit)"
NOT_A_NUMBER = "a name that is not a number"
MANAGERS = "use 1, 3 or 5"
WHOLE = "a whole number from"
TIME = "allowed: a time up to 10s, as 100ms, 500us or 2s (ASCII digits, no sign)"
LOSS = "allowed: a percentage from 0% to 100%, as 5% or 0.5%"
RATE = "allowed: a rate above 0, as 512kbit, 10mbit or 1gbit"


def worker(**fields: Any) -> dict[str, Any]:
    return {**WORKER, **fields}


def managers(count: int) -> dict[str, Any]:
    return {"hosts": [{"name": f"m{i}", "address": f"192.168.1.{10 + i}", "role": "manager"}
                      for i in range(count)], "validate": None}


def service(**fields: Any) -> dict[str, Any]:
    return {"services": [{"name": "web", "network": "myoverlay", "node": "worker", **fields}]}


def overlays(*items: dict[str, Any]) -> dict[str, Any]:
    return {"overlays": list(items), "services": [], "validate": None}


def macvlan(**fields: Any) -> dict[str, Any]:
    return {"macvlan": {"name": "mymacvlan", "parent": "eth1", **fields}}


def hosts(*items: Any) -> dict[str, Any]:
    return {"hosts": list(items)}


def link_of(host: str, **values: Any) -> dict[str, Any]:
    return {"links": {host: values}}


def bad(label: str, changes: dict[str, Any], *refusal: str) -> Bad:
    return Bad("stack keys", label, changes, refusal)


CASES = [
    # swarmlab:hosts, the list and its entries
    bad("hosts is a string", {"hosts": "manager"}, "swarmlab:hosts: 'manager' is not valid",
        "a list of {name, address, role"),
    bad("hosts is an object", {"hosts": MANAGER}, "swarmlab:hosts: {", "a list of {name"),
    bad("hosts is empty", {"hosts": []}, "swarmlab:hosts: the list is empty",
        "at least one manager"),
    bad("a host is a string", hosts(MANAGER, "worker"), "swarmlab:hosts[1]: 'worker' is not valid",
        "an object with keys name, address, role, user, ssh"),
    bad("a host asks to be privileged", hosts(MANAGER, worker(privileged=True)),
        "swarmlab:hosts[1]: unknown key 'privileged'", "allowed keys: name, address, role"),
    bad("a host without an address", hosts(MANAGER, {"name": "worker", "role": "worker"}),
        "swarmlab:hosts[1]: missing key 'address'", "required keys: name, address, role"),
    bad("a host name in capitals", hosts(MANAGER, worker(name="WORKER")),
        "swarmlab:hosts[1].name: 'WORKER' is not valid", HOST_NAME),
    bad("a host name like an ssh flag", hosts(MANAGER, worker(name="-oProxyCommand=sh")),
        "swarmlab:hosts[1].name: '-oProxyCommand=sh' is not valid", HOST_NAME),
    bad("a host name with a shell command", hosts(MANAGER, worker(name="worker;reboot")),
        "swarmlab:hosts[1].name: 'worker;reboot' is not valid", HOST_NAME),
    bad("a host name with a Cyrillic o", hosts(MANAGER, worker(name="w\u043erker")),
        "swarmlab:hosts[1].name: 'w\u043erker' is not valid", HOST_NAME),
    bad("a host name of 64 characters", hosts(MANAGER, worker(name="w" * 64)),
        "swarmlab:hosts[1].name: 'wwww", HOST_NAME),
    bad("a host name ending in a carriage return", hosts(MANAGER, worker(name="worker\r")),
        "swarmlab:hosts[1].name: 'worker\\r' is not valid", HOST_NAME),
    bad("a host address with an octet over 255", hosts(MANAGER, worker(address="192.168.1.256")),
        "swarmlab:hosts[1].address: '192.168.1.256' is not valid", ADDRESS),
    bad("a host address with leading zeros", hosts(MANAGER, worker(address="192.168.001.011")),
        "swarmlab:hosts[1].address: '192.168.001.011' is not valid", ADDRESS),
    bad("a host address in IPv6", hosts(MANAGER, worker(address="fd00::11")),
        "swarmlab:hosts[1].address: 'fd00::11' is not valid", ADDRESS),
    bad("a host address as one number", hosts(MANAGER, worker(address=3232235787)),
        "swarmlab:hosts[1].address: 3232235787 is not valid", ADDRESS),
    bad("a host address in hex", hosts(MANAGER, worker(address="0xc0a8010b")),
        "swarmlab:hosts[1].address: '0xc0a8010b' is not valid", ADDRESS),
    bad("a host address outside the LAN", hosts(MANAGER, worker(address="10.1.1.11")),
        "swarmlab:hosts[1].address: '10.1.1.11' is not valid", IN_LAN),
    bad("a host on the LAN's network address", hosts(MANAGER, worker(address="192.168.1.0")),
        "swarmlab:hosts[1].address: '192.168.1.0' is not valid", IN_LAN),
    bad("a host on the LAN's broadcast address", hosts(MANAGER, worker(address="192.168.1.255")),
        "swarmlab:hosts[1].address: '192.168.1.255' is not valid", IN_LAN),
    bad("a host on the gateway", hosts(MANAGER, worker(address="192.168.1.1")),
        "swarmlab:hosts[1].address: '192.168.1.1' is not valid",
        "any address but the gateway 192.168.1.1"),
    bad("two hosts on one address", hosts(MANAGER, worker(address="192.168.1.10")),
        "swarmlab:hosts[1].address: 192.168.1.10 is already the address of host 'manager'"),
    bad("one host name twice", hosts(MANAGER, WORKER, worker(address="192.168.1.12")),
        "swarmlab:hosts[2].name: host 'worker' is listed twice"),
    bad("no manager", hosts(worker(name="w1", address="192.168.1.12"), WORKER),
        "swarmlab:hosts: no host has role 'manager'", "1, 3 or 5"),
    *[bad(f"{n} managers", managers(n), f"swarmlab:hosts: {n} managers", MANAGERS)
      for n in (2, 4, 6, 7)],
    bad("an unknown role", hosts(MANAGER, worker(role="leader")),
        "swarmlab:hosts[1].role: 'leader' is not valid", "manager | worker"),
    bad("a role in capitals", hosts(MANAGER, worker(role="Manager")),
        "swarmlab:hosts[1].role: 'Manager' is not valid", "manager | worker"),
    bad("a host's user like an ssh flag", hosts(MANAGER, worker(user="-oProxyCommand=id")),
        "swarmlab:hosts[1].user: '-oProxyCommand=id' is not valid", USER),
    bad("a host's user with a command substitution", hosts(MANAGER, worker(user="$(id)")),
        "swarmlab:hosts[1].user: '$(id)' is not valid", USER),
    bad("an ssh endpoint like a flag", hosts(MANAGER, worker(ssh={"host": "-oProxyCommand=id"})),
        "swarmlab:hosts[1].ssh.host: '-oProxyCommand=id' is not valid",
        "an IPv4 address or a DNS name"),
    bad("an ssh endpoint with a shell command", hosts(MANAGER, worker(ssh={"host": "h;id"})),
        "swarmlab:hosts[1].ssh.host: 'h;id' is not valid", "an IPv4 address or a DNS name"),
    bad("an ssh port of 0", hosts(MANAGER, worker(ssh={"host": "127.0.0.1", "port": 0})),
        "swarmlab:hosts[1].ssh.port: 0 is not valid", f"{WHOLE} 1 to 65535"),
    bad("an ssh port with a command", hosts(MANAGER, worker(ssh={"host": "h", "port": "22;id"})),
        "swarmlab:hosts[1].ssh.port: '22;id' is not valid", f"{WHOLE} 1 to 65535"),
    bad("an ssh endpoint with a command", hosts(MANAGER, worker(ssh={"host": "h", "command": "x"})),
        "swarmlab:hosts[1].ssh: unknown key 'command'", "allowed keys: host, port"),
    # the SSH settings
    bad("sshUser as a number", {"sshUser": 0}, "swarmlab:sshUser: 0 is not valid", USER),
    bad("sshUser in capitals", {"sshUser": "Root"}, "swarmlab:sshUser: 'Root' is not valid", USER),
    bad("sshKeyFile like an ssh option", {"sshKeyFile": "-oIdentityFile=id_rsa"},
        "swarmlab:sshKeyFile: '-oIdentityFile=id_rsa' is not valid", PATH),
    bad("sshKeyFile holding a second line", {"sshKeyFile": "k\nProxyCommand id"},
        "swarmlab:sshKeyFile: 'k\\nProxyCommand id' is not valid", PATH),
    bad("sshKnownHostsFile as a list", {"sshKnownHostsFile": ["a", "b"]},
        "swarmlab:sshKnownHostsFile: ['a', 'b'] is not valid", PATH),
    bad("sshConnectTimeout of 0", {"sshConnectTimeout": 0},
        "swarmlab:sshConnectTimeout: 0 is not valid", f"{WHOLE} 1 to 120"),
    bad("sshConnectTimeout of 121", {"sshConnectTimeout": 121},
        "swarmlab:sshConnectTimeout: 121 is not valid", f"{WHOLE} 1 to 120"),
    bad("sshCommandTimeout in exponent form", {"sshCommandTimeout": "1e9"},
        "swarmlab:sshCommandTimeout: '1e9' is not valid", f"{WHOLE} 1 to 3600"),
    bad("sshCommandTimeout as a fraction", {"sshCommandTimeout": 1.5},
        "swarmlab:sshCommandTimeout: 1.5 is not valid", f"{WHOLE} 1 to 3600"),
    bad("sshCommandTimeout of a billion digits' worth", {"sshCommandTimeout": 10 ** 40},
        "swarmlab:sshCommandTimeout: 1000000000", f"{WHOLE} 1 to 3600"),
    # the LAN
    bad("a LAN wider than a /16", {"lanSubnet": "10.10.0.0/15"},
        "swarmlab:lanSubnet: '10.10.0.0/15' is not valid", LAN),
    bad("a LAN narrower than a /24", {"lanSubnet": "192.168.1.0/25"},
        "swarmlab:lanSubnet: '192.168.1.0/25' is not valid", LAN),
    bad("a public LAN", {"lanSubnet": "8.8.8.0/24"}, "swarmlab:lanSubnet: '8.8.8.0/24' is not valid",
        LAN),
    bad("a LAN on loopback", {"lanSubnet": "127.0.0.0/24"},
        "swarmlab:lanSubnet: '127.0.0.0/24' is not valid", LAN),
    bad("a LAN with host bits set", {"lanSubnet": "192.168.1.5/24"},
        "swarmlab:lanSubnet: '192.168.1.5/24' is not valid", CIDR),
    bad("a LAN in IPv6", {"lanSubnet": "fd00::/64"}, "swarmlab:lanSubnet: 'fd00::/64' is not valid",
        CIDR),
    bad("a LAN with a trailing space", {"lanSubnet": "192.168.1.0/24 "},
        "swarmlab:lanSubnet: '192.168.1.0/24 ' is not valid", CIDR),
    bad("a LAN over Docker's default bridge", {"lanSubnet": "172.17.5.0/24"},
        "swarmlab:lanSubnet: '172.17.5.0/24' is not valid", "Docker's default bridge 172.17.0.0/16"),
    bad("a gateway outside the LAN", {"lanGateway": "10.0.0.1"},
        "swarmlab:lanGateway: '10.0.0.1' is not valid", "a host address inside lanSubnet"),
    bad("a gateway with a command", {"lanGateway": "192.168.1.1;reboot"},
        "swarmlab:lanGateway: '192.168.1.1;reboot' is not valid", ADDRESS),
    # what the services run with
    bad("endpointMode in capitals", {"endpointMode": "VIP"},
        "swarmlab:endpointMode: 'VIP' is not valid", "vip | dnsrr"),
    bad("endpointMode as a list", {"endpointMode": ["vip"]},
        "swarmlab:endpointMode: ['vip'] is not valid", "vip | dnsrr"),
    bad("image as a docker flag", {"image": "--privileged"},
        "swarmlab:image: '--privileged' is not valid", IMAGE),
    bad("image with a shell command", {"image": "busybox;rm -rf /"},
        "swarmlab:image: 'busybox;rm -rf /' is not valid", IMAGE),
    bad("image with a short digest", {"image": "busybox@sha256:abc"},
        "swarmlab:image: 'busybox@sha256:abc' is not valid", IMAGE),
    bad("image with a fullwidth letter", {"image": "\uff42usybox"},
        "swarmlab:image: '\uff42usybox' is not valid", IMAGE),
    bad("image of 5000 characters", {"image": "a" * 5000},
        "swarmlab:image: 'aaaa", "...", "an image reference of at most 255 characters"),
    # overlays
    bad("overlays as an object", {"overlays": {"name": "myoverlay"}},
        "swarmlab:overlays: {'name': 'myoverlay'} is not valid", "a list of {name"),
    bad("an overlay named like a flag", overlays({"name": "-x"}),
        "swarmlab:overlays[0].name: '-x' is not valid", OBJECT),
    bad("an overlay named --attachable", overlays({"name": "--attachable"}),
        "swarmlab:overlays[0].name: '--attachable' is not valid", OBJECT),
    bad("an overlay named ingress", overlays({"name": "ingress"}),
        "swarmlab:overlays[0].name: 'ingress' is not valid", "not bridge, host, none, ingress"),
    bad("an overlay name with a command", overlays({"name": "a$(id)"}),
        "swarmlab:overlays[0].name: 'a$(id)' is not valid", OBJECT),
    bad("one overlay name twice", overlays({"name": "a"}, {"name": "a"}),
        "swarmlab:overlays[1].name: network 'a' is listed twice"),
    bad("an overlay subnet smaller than a /29", overlays({"name": "a", "subnet": "10.20.0.0/30"}),
        "swarmlab:overlays[0].subnet: '10.20.0.0/30' is not valid", OVERLAY),
    bad("an overlay subnet wider than a /16", overlays({"name": "a", "subnet": "10.20.0.0/15"}),
        "swarmlab:overlays[0].subnet: '10.20.0.0/15' is not valid", OVERLAY),
    bad("an overlay as wide as 192.168.0.0/16 over the LAN",
        overlays({"name": "a", "subnet": "192.168.0.0/16"}),
        "swarmlab:overlays[0].subnet: 192.168.0.0/16 overlaps lanSubnet 192.168.1.0/24",
        "a subnet that overlaps no other lab network"),
    bad("two overlay subnets that overlap",
        overlays({"name": "a", "subnet": "10.20.0.0/24"}, {"name": "b", "subnet": "10.20.0.128/25"}),
        "swarmlab:overlays[1].subnet: 10.20.0.128/25 overlaps overlays[0].subnet 10.20.0.0/24",
        "a subnet that overlaps no other lab network"),
    bad("a public overlay subnet", overlays({"name": "a", "subnet": "1.1.1.0/24"}),
        "swarmlab:overlays[0].subnet: '1.1.1.0/24' is not valid", OVERLAY),
    bad("encrypted as a word", overlays({"name": "a", "encrypted": "yes"}),
        "swarmlab:overlays[0].encrypted: 'yes' is not valid", "true or false"),
    bad("an overlay with the host driver", overlays({"name": "a", "driver": "host"}),
        "swarmlab:overlays[0].driver: 'host' is not valid", "overlay (macvlan is configured"),
    bad("an overlay with docker options", overlays({"name": "a", "opt": {"x": "y"}}),
        "swarmlab:overlays[0]: unknown key 'opt'", "allowed keys: name, encrypted, subnet"),
    # macvlan
    bad("macvlan as a string", {"macvlan": "mymacvlan"},
        "swarmlab:macvlan: 'mymacvlan' is not valid", "an object with keys name, parent"),
    bad("a macvlan parent of 16 characters", macvlan(parent="eth1234567890123"),
        "swarmlab:macvlan.parent: 'eth1234567890123' is not valid", "at most 15 characters"),
    bad("a macvlan parent with a space", macvlan(parent="eth1 up"),
        "swarmlab:macvlan.parent: 'eth1 up' is not valid", "an interface name such as eth1"),
    bad("macvlan named bridge", macvlan(name="bridge"),
        "swarmlab:macvlan.name: 'bridge' is not valid", "not bridge, host, none"),
    bad("the gateway inside a macvlan range",
        {"lanGateway": "192.168.1.130",
         **macvlan(ranges={"manager": "192.168.1.128/29", "worker": "192.168.1.136/29"})},
        "swarmlab:macvlan.ranges.manager: '192.168.1.128/29' is not valid",
        "a range that leaves out the gateway 192.168.1.130"),
    bad("a macvlan range outside the LAN",
        macvlan(ranges={"manager": "10.9.0.0/29", "worker": "192.168.1.136/29"}),
        "swarmlab:macvlan.ranges.manager: '10.9.0.0/29' is not valid",
        "an ip-range inside lanSubnet 192.168.1.0/24"),
    bad("a macvlan range for an unknown host",
        macvlan(ranges={"manager": "192.168.1.128/29", "worker": "192.168.1.136/29",
                        "router": "192.168.1.144/29"}),
        "swarmlab:macvlan.ranges.router: 'router' is not valid", "one of the hosts: manager, worker"),
    bad("macvlan ranges as a list", macvlan(ranges=["192.168.1.128/29"]),
        "swarmlab:macvlan.ranges: ['192.168.1.128/29'] is not valid", "an object host name -> CIDR"),
    # services
    bad("services as an object", {"services": {"name": "web"}},
        "swarmlab:services: {'name': 'web'} is not valid", "a list of {name, network, node"),
    bad("a service named like a flag", service(name="-d"),
        "swarmlab:services[0].name: '-d' is not valid", OBJECT),
    bad("a service named as one number", service(name="3232235777"),
        "swarmlab:services[0].name: '3232235777' is not valid", NOT_A_NUMBER),
    bad("a service named in hex", service(name="0xc0a80101"),
        "swarmlab:services[0].name: '0xc0a80101' is not valid", NOT_A_NUMBER),
    bad("a service named as an address", service(name="192.168.1.1"),
        "swarmlab:services[0].name: '192.168.1.1' is not valid", NOT_A_NUMBER),
    bad("a service name with a space", service(name="web app"),
        "swarmlab:services[0].name: 'web app' is not valid", OBJECT),
    bad("a service on the host network", service(network="host"),
        "swarmlab:services[0].network: 'host' is not valid", "one of the lab's swarm networks"),
    bad("a service on a node given as a list", service(node=["worker"]),
        "swarmlab:services[0].node: ['worker'] is not valid", "one of the hosts: manager, worker"),
    bad("a service image as a flag", service(image="--cap-add=ALL"),
        "swarmlab:services[0].image: '--cap-add=ALL' is not valid", IMAGE),
    bad("a service command as a string", service(command="sh -c id"),
        "swarmlab:services[0].command: 'sh -c id' is not valid", "a list of strings"),
    bad("a service command with a number", service(command=["sleep", 5]),
        "swarmlab:services[0].command: ['sleep', 5] is not valid", "a list of strings"),
    bad("a service command with a C1 control", service(command=["echo", "\x9b2J"]),
        "swarmlab:services[0].command[1]: '\\x9b2J' is not valid", "printable text"),
    bad("101 replicas", service(replicas=101), "swarmlab:services[0].replicas: 101 is not valid",
        f"{WHOLE} 0 to 100"),
    bad("replicas as a word", service(replicas="many"),
        "swarmlab:services[0].replicas: 'many' is not valid", f"{WHOLE} 0 to 100"),
    bad("a privileged service", service(privileged=True),
        "swarmlab:services[0]: unknown key 'privileged'", "allowed keys: name, network, node"),
    # the demos, hardening, the wait
    bad("singleHostDemos as a word", {"singleHostDemos": "yes"},
        "swarmlab:singleHostDemos: 'yes' is not valid", "true or false"),
    bad("singleHostNodes with a flag", {"singleHostNodes": ["-x"]},
        "swarmlab:singleHostNodes[0]: '-x' is not valid", "one of the hosts: manager, worker"),
    bad("autolock as a number", {"autolock": 1}, "swarmlab:autolock: 1 is not valid",
        "true or false"),
    bad("certExpiry of 0h", {"certExpiry": "0h"}, "swarmlab:certExpiry: '0h' is not valid",
        "hours such as 2160h"),
    bad("certExpiry negative", {"certExpiry": "-1h"}, "swarmlab:certExpiry: '-1h' is not valid",
        "hours such as 2160h"),
    bad("tokenRotation negative", {"tokenRotation": -1},
        "swarmlab:tokenRotation: -1 is not valid", f"{WHOLE} 0 to 1000000"),
    bad("readyTimeout over 900", {"readyTimeout": 901},
        "swarmlab:readyTimeout: 901 is not valid", f"{WHOLE} 10 to 900"),
    # link impairment (swarmlab:links): the same values and ranges as `make impair`
    bad("links as a string", {"links": "worker: 100ms"},
        "swarmlab:links: 'worker: 100ms' is not valid", "an object host name -> {delay, jitter, "
        "loss, rate}"),
    bad("links for a host not in the lab", link_of("nobody", delay="100ms"),
        "swarmlab:links: 'nobody' is not valid", "host names of the lab as keys: manager, worker"),
    bad("links for a host with a shell command", link_of("worker;reboot", delay="100ms"),
        "swarmlab:links: 'worker;reboot' is not valid", "host names of the lab as keys"),
    bad("links of a host that impair nothing", link_of("worker"),
        "swarmlab:links.worker: nothing to impair", "one or more of delay, jitter, loss, rate"),
    bad("links of a host as a string", {"links": {"worker": "delay 100ms"}},
        "swarmlab:links.worker: 'delay 100ms' is not valid",
        "an object with keys delay, jitter, loss, rate"),
    bad("links with a key netem has but the lab does not", link_of("worker", corrupt="1%"),
        "swarmlab:links.worker: unknown key 'corrupt'", "allowed keys: delay, jitter, loss, rate"),
    bad("a delay as a number", link_of("worker", delay=100),
        "swarmlab:links.worker.delay: 100 is not valid", TIME),
    bad("a delay over 10s", link_of("worker", delay="11s"),
        "swarmlab:links.worker.delay: '11s' is not valid", TIME),
    bad("a delay like a flag", link_of("worker", delay="-1ms"),
        "swarmlab:links.worker.delay: '-1ms' is not valid", TIME),
    bad("a delay with a shell command", link_of("worker", delay="100ms;reboot"),
        "swarmlab:links.worker.delay: '100ms;reboot' is not valid", TIME),
    bad("a delay in Arabic-Indic digits", link_of("worker", delay="\u0663ms"),
        "swarmlab:links.worker.delay: '\u0663ms' is not valid", TIME),
    bad("an empty delay", link_of("worker", delay=""),
        "swarmlab:links.worker.delay: '' is not valid", TIME),
    bad("a jitter over 10s", link_of("worker", delay="1s", jitter="10001ms"),
        "swarmlab:links.worker.jitter: '10001ms' is not valid", TIME),
    bad("a jitter without a delay", link_of("worker", jitter="10ms"),
        "swarmlab:links.worker.jitter: '10ms' needs a delay to vary around",
        "allowed: a jitter together with swarmlab:links.worker.delay"),
    bad("a loss over 100%", link_of("worker", loss="100.5%"),
        "swarmlab:links.worker.loss: '100.5%' is not valid", LOSS),
    bad("a loss without its percent sign", link_of("worker", loss="5"),
        "swarmlab:links.worker.loss: '5' is not valid", LOSS),
    bad("a rate of 0", link_of("manager", rate="0mbit"),
        "swarmlab:links.manager.rate: '0mbit' is not valid", RATE),
    bad("a rate in bytes", link_of("manager", rate="10Mbps"),
        "swarmlab:links.manager.rate: '10Mbps' is not valid", RATE),
    # keys
    bad("a key in the wrong case", {"EndpointMode": "vip"},
        "swarmlab:EndpointMode: unknown key", "allowed keys: hosts, hostsFile"),
    bad("a key that clears the screen", {"\x1b[2Jx": 1},
        "swarmlab:'\\x1b[2Jx': unknown key", "allowed keys: hosts, hostsFile"),
    bad("hosts and a hosts file", {"hostsFile": ".lab/hosts.json"},
        "swarmlab:hostsFile: set either swarmlab:hosts or swarmlab:hostsFile, not both"),
    bad("a hosts file like a flag", {"hosts": None, "hostsFile": "-F/etc/passwd"},
        "swarmlab:hostsFile: '-F/etc/passwd' is not valid", PATH),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_a_bad_stack_key_is_refused_naming_it(case: Bad) -> None:
    changes = case.value
    assert isinstance(changes, dict)
    with pytest.raises(ConfigError) as refused:
        parse_spec(with_(**changes), [MANAGER, WORKER] if "hostsFile" in changes else None)
    message = str(refused.value)
    for words in case.refusal:
        assert words in message
    # What a terminal would act on is escaped, and a huge value makes no huge message.
    assert message.isprintable() and len(message) < 1500, message
