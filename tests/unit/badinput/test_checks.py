"""Bad declared checks (swarmlab:validate, or a --checks file), each refused by the spec with a
message naming the exact key and what is allowed. A check aims only at the lab: never the
machine (the LAN's gateway is its bridge), never a network, broadcast or gateway address,
never a name or number that reads as an address elsewhere; and its name cannot drive the
terminal its result line is printed on."""

from __future__ import annotations

from typing import Any

import pytest

from modules.spec import ConfigError, parse_spec
from tests.support.badinput import Bad, ids
from tests.support.stacks import with_

APP = {"service": "app"}
WORKER = {"host": "worker"}
WEB1 = {"container": "web1", "host": "manager"}
TARGET = "a lab name (web, app,"
GATEWAY = "not the LAN's gateway 192.168.1.1, which is the machine's own, not the lab's"
HOST_ADDRESS = "a host address in a macvlan range or declared overlay subnet"
NAME = "printable text of at most 120 characters (no control, format or bidi characters)"
DNS = "a lab name Docker's DNS resolves: web, app,"
# An overlay with a declared subnet, so addresses in it may be targets.
OVERLAY = {"overlays": [{"name": "myoverlay", "subnet": "10.20.0.0/24"}], "services": None}


def check(**fields: Any) -> dict[str, Any]:
    return {"from": APP, "ping": "tasks.web", **fields}


def tcp(target: Any, **fields: Any) -> dict[str, Any]:
    return {"from": WORKER, "tcp": target, "port": 22, **fields}


def bad(label: str, validate: Any, *refusal: str, **changes: Any) -> Bad:
    return Bad("checks", label, {"validate": validate, **changes}, refusal)


CASES = [
    # the list and its entries
    bad("checks as an object", {"ping": "web"}, "swarmlab:validate: {'ping': 'web'} is not valid",
        "a list of checks"),
    bad("checks as a string", "ping web", "swarmlab:validate: 'ping web' is not valid",
        "a list of checks"),
    bad("201 checks", [check()] * 201, "swarmlab:validate: '201 checks' is not valid",
        "at most 200 checks"),
    bad("a check as a string", ["ping web"], "swarmlab:validate[0]: 'ping web' is not valid",
        "an object with keys from, name, ping"),
    bad("a check that tries nothing", [{"from": APP}],
        "swarmlab:validate[0]: exactly one of ping, dns, http, tcp, udp", "got none"),
    bad("a check that tries two things", [check(tcp="web", port=80)],
        "swarmlab:validate[0]: exactly one of ping, dns, http, tcp, udp", "got ping, tcp"),
    bad("a check that runs a shell", [check(shell="id")],
        "swarmlab:validate[0]: unknown key 'shell'", "allowed keys: from, name, ping"),
    bad("a check without from", [{"ping": "web"}], "swarmlab:validate[0]: missing key 'from'",
        "required keys: from"),
    # where it is tried from
    bad("from as a string", [check(**{"from": "app"})],
        "swarmlab:validate[0].from: 'app' is not valid", "an object with keys service, container, host"),
    bad("from a service and a host", [check(**{"from": {"service": "app", "host": "worker"}})],
        "swarmlab:validate[0].from: one of {service: NAME}", "got keys service, host"),
    bad("from an unknown service", [check(**{"from": {"service": "db"}})],
        "swarmlab:validate[0].from.service: 'db' is not valid", "a service with tasks: app,"),
    bad("from a container that is no demo", [check(**{"from": {"container": "sshd",
                                                              "host": "manager"}})],
        "swarmlab:validate[0].from.container: 'sshd' is not valid",
        "a single-host demo container: web1, web2"),
    bad("from a host like an ssh flag", [check(**{"from": {"host": "-oProxyCommand=id"}})],
        "swarmlab:validate[0].from.host: '-oProxyCommand=id' is not valid",
        "one of the hosts: manager, worker"),
    # what it aims at: the lab, never the machine
    bad("the LAN's gateway (the machine's bridge)", [tcp("192.168.1.1")],
        "swarmlab:validate[0].tcp: '192.168.1.1' is not valid", GATEWAY),
    bad("the LAN's network address", [tcp("192.168.1.0")],
        "swarmlab:validate[0].tcp: '192.168.1.0' is not valid", HOST_ADDRESS),
    bad("the LAN's broadcast address", [check(ping="192.168.1.255")],
        "swarmlab:validate[0].ping: '192.168.1.255' is not valid", HOST_ADDRESS),
    bad("a LAN address no lab host has", [tcp("192.168.1.50")],
        "swarmlab:validate[0].tcp: '192.168.1.50' is not valid", "a lab host's address "
        "(192.168.1.10, 192.168.1.11)"),
    bad("an overlay subnet's network address", [check(ping="10.20.0.0")],
        "swarmlab:validate[0].ping: '10.20.0.0' is not valid", HOST_ADDRESS, "10.20.0.0/24",
        **OVERLAY),
    bad("an overlay subnet's gateway", [check(ping="10.20.0.1")],
        "swarmlab:validate[0].ping: '10.20.0.1' is not valid", HOST_ADDRESS, **OVERLAY),
    bad("an overlay subnet's broadcast address", [check(ping="10.20.0.255")],
        "swarmlab:validate[0].ping: '10.20.0.255' is not valid", HOST_ADDRESS, **OVERLAY),
    bad("an address outside every lab network", [check(ping="8.8.8.8")],
        "swarmlab:validate[0].ping: '8.8.8.8' is not valid", TARGET),
    bad("the machine's loopback", [tcp("127.0.0.1")],
        "swarmlab:validate[0].tcp: '127.0.0.1' is not valid", TARGET),
    bad("localhost", [tcp("localhost")], "swarmlab:validate[0].tcp: 'localhost' is not valid",
        TARGET),
    bad("the gateway as one number", [tcp("3232235777")],
        "swarmlab:validate[0].tcp: '3232235777' is not valid", TARGET),
    bad("the gateway in hex", [tcp("0xc0a80101")],
        "swarmlab:validate[0].tcp: '0xc0a80101' is not valid", TARGET),
    bad("the gateway in short form", [tcp("192.168.257")],
        "swarmlab:validate[0].tcp: '192.168.257' is not valid", TARGET),
    bad("a host address with a trailing dot", [tcp("192.168.1.10.")],
        "swarmlab:validate[0].tcp: '192.168.1.10.' is not valid", TARGET),
    bad("a host address in fullwidth digits", [tcp("\uff11\uff19\uff12.168.1.10")],
        "swarmlab:validate[0].tcp: '\uff11\uff19\uff12.168.1.10' is not valid", TARGET),
    bad("a name outside the lab", [{"from": APP, "http": "example.com"}],
        "swarmlab:validate[0].http: 'example.com' is not valid", TARGET),
    bad("a target like a ping flag", [check(ping="-f")],
        "swarmlab:validate[0].ping: '-f' is not valid", TARGET),
    bad("a target with a shell command", [check(ping="web;reboot")],
        "swarmlab:validate[0].ping: 'web;reboot' is not valid", TARGET),
    bad("a target with a command substitution", [check(ping="$(id)")],
        "swarmlab:validate[0].ping: '$(id)' is not valid", TARGET),
    bad("a target as a number", [check(ping=80)], "swarmlab:validate[0].ping: 80 is not valid",
        TARGET),
    bad("a target as a list", [check(ping=["web", "app"])],
        "swarmlab:validate[0].ping: ['web', 'app'] is not valid", TARGET),
    bad("the address of a container that is no demo", [check(ping="@sshd", network="bridge")],
        "swarmlab:validate[0].ping: '@sshd' is not valid", "or @<demo container>"),
    bad("a container's address without its network", [check(ping="@web2", **{"from": WEB1})],
        "swarmlab:validate[0].ping: @web2 is an address on a network: set `network` too"),
    bad("dns of an address", [{"from": APP, "dns": "192.168.1.10"}],
        "swarmlab:validate[0].dns: '192.168.1.10' is not valid", DNS),
    bad("dns of a host name (it resolves nowhere in the lab)", [{"from": APP, "dns": "manager"}],
        "swarmlab:validate[0].dns: 'manager' is not valid", DNS),
    bad("dns of a name outside the lab", [{"from": APP, "dns": "example.com"}],
        "swarmlab:validate[0].dns: 'example.com' is not valid", DNS),
    # the network, port, expectation and limits
    bad("an unknown network", [check(network="lan")],
        "swarmlab:validate[0].network: 'lan' is not valid", "a lab network: myoverlay"),
    bad("a network with a flag", [check(network="host --privileged")],
        "swarmlab:validate[0].network: 'host --privileged' is not valid", "a lab network:"),
    bad("tcp without a port", [{"from": WORKER, "tcp": "manager"}],
        "swarmlab:validate[0].port: missing; tcp needs a port (1-65535)"),
    bad("port 0", [tcp("manager", port=0)], "swarmlab:validate[0].port: 0 is not valid",
        "a whole number from 1 to 65535"),
    bad("port 65536", [tcp("manager", port=65536)],
        "swarmlab:validate[0].port: 65536 is not valid", "a whole number from 1 to 65535"),
    bad("a port with a command", [tcp("manager", port="22;id")],
        "swarmlab:validate[0].port: '22;id' is not valid", "a whole number from 1 to 65535"),
    bad("a port as a boolean", [tcp("manager", port=True)],
        "swarmlab:validate[0].port: True is not valid", "a whole number from 1 to 65535"),
    bad("a port on a ping", [check(port=80)],
        "swarmlab:validate[0].port: only http, tcp and udp take a port"),
    bad("udp on another host", [{"from": WORKER, "udp": "manager", "port": 4789}],
        "swarmlab:validate[0]: udp asks whether a host has port 4789/udp bound"),
    bad("udp from a service", [{"from": APP, "udp": "worker", "port": 4789}],
        "swarmlab:validate[0]: udp asks whether a host has port 4789/udp bound"),
    bad("expect maybe", [check(expect="maybe")], "swarmlab:validate[0].expect: 'maybe' is not valid",
        "pass | fail"),
    bad("expect as a boolean", [check(expect=False)],
        "swarmlab:validate[0].expect: False is not valid", "pass | fail"),
    bad("11 retries", [check(retries=11)], "swarmlab:validate[0].retries: 11 is not valid",
        "a whole number from 0 to 10"),
    bad("negative retries", [check(retries=-1)], "swarmlab:validate[0].retries: -1 is not valid",
        "a whole number from 0 to 10"),
    bad("a timeout of 31 s", [check(timeout=31)], "swarmlab:validate[0].timeout: 31 is not valid",
        "a whole number from 1 to 30"),
    bad("a timeout with a unit", [check(timeout="2s")],
        "swarmlab:validate[0].timeout: '2s' is not valid", "a whole number from 1 to 30"),
    # the name its result line shows
    bad("a name that clears the screen (C0)", [check(name="\x1b[2J")],
        "swarmlab:validate[0].name: '\\x1b[2J' is not valid", NAME),
    bad("a name that clears the screen (C1 CSI)", [check(name="\x9b2J")],
        "swarmlab:validate[0].name: '\\x9b2J' is not valid", NAME),
    bad("a name with a right-to-left override", [check(name="ok \u202eLIAF")],
        "swarmlab:validate[0].name: 'ok \\u202eLIAF' is not valid", NAME),
    bad("a name with a left-to-right embedding", [check(name="ok \u202a")],
        "swarmlab:validate[0].name: 'ok \\u202a' is not valid", NAME),
    bad("a name with a bidi isolate", [check(name="\u2066PASS\u2069")],
        "swarmlab:validate[0].name: '\\u2066PASS\\u2069' is not valid", NAME),
    bad("a name with a line separator", [check(name="a\u2028PASS  [x]")],
        "swarmlab:validate[0].name: 'a\\u2028PASS  [x]' is not valid", NAME),
    bad("a name with a paragraph separator", [check(name="a\u2029b")],
        "swarmlab:validate[0].name: 'a\\u2029b' is not valid", NAME),
    bad("a name with a zero-width space", [check(name="we\u200bb")],
        "swarmlab:validate[0].name: 'we\\u200bb' is not valid", NAME),
    bad("a name with a byte-order mark", [check(name="\ufeffname")],
        "swarmlab:validate[0].name: '\\ufeffname' is not valid", NAME),
    bad("a name with a tab", [check(name="a\tb")],
        "swarmlab:validate[0].name: 'a\\tb' is not valid", NAME),
    bad("a name of 121 characters", [check(name="n" * 121)],
        "swarmlab:validate[0].name: 'nnnn", NAME),
    bad("a name as a list", [check(name=["a"])], "swarmlab:validate[0].name: ['a'] is not valid",
        NAME),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_a_bad_check_is_refused_naming_its_key(case: Bad) -> None:
    changes = case.value
    assert isinstance(changes, dict)
    with pytest.raises(ConfigError) as refused:
        parse_spec(with_(**changes))
    message = str(refused.value)
    for words in case.refusal:
        assert words in message
    assert message.isprintable(), message
