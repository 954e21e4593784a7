"""swarmlab:validate: each bad check refused with its exact message, before anything runs;
the committed stacks' checks parse into what the runner tries."""

from __future__ import annotations

from typing import Any

import pytest

from modules.checks.declared import declared_checks
from modules.spec import ConfigError, parse_spec
from tests.support.stacks import with_

WEB1 = {"container": "web1", "host": "manager"}


NAMES = ("web, app, secure-net-web, secure-net-app, mymacvlan-web, mymacvlan-app, tasks.web, "
         "tasks.app, tasks.secure-net-web, tasks.secure-net-app, tasks.mymacvlan-web, "
         "tasks.mymacvlan-app, web1, web2, db, hostweb, isolated, manager, worker")
TARGETS = (f"a lab name ({NAMES}), a lab host's address (192.168.1.10, 192.168.1.11), a host "
           "address in a macvlan range or declared overlay subnet (192.168.1.128/29, "
           "192.168.1.136/29; not a network, broadcast or gateway address), or @<demo container>")


def check(**fields: Any) -> dict[str, Any]:
    return {"from": {"service": "app"}, "ping": "tasks.web", **fields}


BAD: list[tuple[str, Any, str]] = [
    ("not a list", {"ping": "web"},
     "swarmlab:validate: {'ping': 'web'} is not valid; allowed: a list of checks (see "
     "stacks/Pulumi.local.yaml)"),
    ("no kind", [{"from": {"service": "app"}}],
     "swarmlab:validate[0]: exactly one of ping, dns, http, tcp, udp (what to try, and its "
     "target); got none"),
    ("two kinds", [check(http="web")],
     "swarmlab:validate[0]: exactly one of ping, dns, http, tcp, udp (what to try, and its "
     "target); got ping, http"),
    ("unknown key", [check(shell="id")],
     "swarmlab:validate[0]: unknown key 'shell'; allowed keys: from, name, ping, dns, http, "
     "tcp, udp, port, network, expect, timeout, retries"),
    ("unknown service", [check(**{"from": {"service": "nope"}})],
     "swarmlab:validate[0].from.service: 'nope' is not valid; allowed: a service with tasks: "
     "app, mymacvlan-app, mymacvlan-web, secure-net-app, secure-net-web, web"),
    ("container without host", [check(**{"from": {"container": "web1"}})],
     "swarmlab:validate[0].from: one of {service: NAME}, {container: NAME, host: HOST} or "
     "{host: HOST}; got keys container"),
    ("not a demo container", [check(**{"from": {"container": "sshd", "host": "manager"}})],
     "swarmlab:validate[0].from.container: 'sshd' is not valid; allowed: a single-host demo "
     "container: web1, web2, app, db, web, hostweb, isolated"),
    ("unknown host", [check(**{"from": {"host": "router"}})],
     "swarmlab:validate[0].from.host: 'router' is not valid; allowed: one of the hosts: "
     "manager, worker"),
    ("an address outside the lab", [check(ping="8.8.8.8")],
     f"swarmlab:validate[0].ping: '8.8.8.8' is not valid; allowed: {TARGETS}"),
    ("a name outside the lab", [{"from": {"service": "app"}, "http": "example.com"}],
     f"swarmlab:validate[0].http: 'example.com' is not valid; allowed: {TARGETS}"),
    ("a flag as target", [check(ping="-f")],
     f"swarmlab:validate[0].ping: '-f' is not valid; allowed: {TARGETS}"),
    ("@container without network", [check(ping="@web2", **{"from": WEB1})],
     "swarmlab:validate[0].ping: @web2 is an address on a network: set `network` too "
     "(bridge, myappnet, ...)"),
    ("unknown network", [check(network="lan")],
     "swarmlab:validate[0].network: 'lan' is not valid; allowed: a lab network: myoverlay, "
     "secure_net, mymacvlan, bridge, mynetwork, myappnet, host, none"),
    ("tcp without port", [{"from": {"host": "worker"}, "tcp": "manager"}],
     "swarmlab:validate[0].port: missing; tcp needs a port (1-65535)"),
    ("port out of range", [{"from": {"host": "worker"}, "tcp": "manager", "port": 70000}],
     "swarmlab:validate[0].port: 70000 is not valid; allowed: a whole number from 1 to 65535"),
    ("port on ping", [check(port=80)],
     "swarmlab:validate[0].port: only http, tcp and udp take a port"),
    ("udp on another host", [{"from": {"host": "worker"}, "udp": "manager", "port": 4789}],
     "swarmlab:validate[0]: udp asks whether a host has port 4789/udp bound: `from: {host: H}` "
     "and `udp: H` (the same host)"),
    ("bad expect", [check(expect="maybe")],
     "swarmlab:validate[0].expect: 'maybe' is not valid; allowed: pass | fail"),
    ("too many retries", [check(retries=50)],
     "swarmlab:validate[0].retries: 50 is not valid; allowed: a whole number from 0 to 10"),
    ("timeout zero", [check(timeout=0)],
     "swarmlab:validate[0].timeout: 0 is not valid; allowed: a whole number from 1 to 30"),
    ("control characters in a name", [check(name="a\nb")],
     "swarmlab:validate[0].name: 'a\\nb' is not valid; allowed: printable text of at most 120 "
     "characters (no control, format or bidi characters)"),
]


@pytest.mark.parametrize(("case", "value", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_check_is_refused_naming_its_key(case: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_spec(with_(validate=value))
    assert str(refused.value) == message


def test_demo_containers_are_no_source_when_the_demos_are_off() -> None:
    with pytest.raises(ConfigError, match=r"none \(singleHostDemos is off\)"):
        parse_spec(with_(singleHostDemos=False, validate=[check(**{"from": WEB1})]))


def test_the_local_stacks_checks_become_what_the_runner_tries() -> None:
    spec = parse_spec(with_())
    checks = {c.label: c for c in declared_checks(spec)}
    assert len(checks) == len(spec.checks) >= 10
    names = checks["the default bridge has no names"]
    assert (names.kind, names.source.kind, names.source.name, names.source.host, names.target,
            names.network, names.expect) == ("ping", "container", "web1", "manager", "web2",
                                            "bridge", "fail")
    # A host's name stands for its lab address; a service's host is the node it is pinned to.
    served = checks["the host network serves on the host's address"]
    assert (served.kind, served.target, served.port) == ("http", "192.168.1.10", 8080)
    assert checks["app gets web's page across hosts on myoverlay"].source.host == "manager"
    # On an encrypted overlay a check needs ESP, and says so where the kernel has none.
    assert checks["the encrypted overlay carries traffic (needs ESP)"].requires == "esp"
    assert checks["app gets web's page across hosts on myoverlay"].requires == ""


OVERLAY = {"overlays": [{"name": "myoverlay", "subnet": "10.20.0.0/24"}], "services": None}


@pytest.mark.parametrize(("target", "changes"), [
    ("192.168.1.10", {}),                 # a lab host's own address
    ("192.168.1.11", {}),
    ("192.168.1.129", {}),                # in the manager's macvlan range
    ("192.168.1.143", {}),                # the last of the worker's
    ("10.20.0.2", OVERLAY),               # the first task address of a declared overlay
    ("10.20.0.254", OVERLAY),             # its last
])
def test_a_check_may_aim_at_any_host_address_of_the_lab(target: str, changes: dict) -> None:
    spec = parse_spec(with_(validate=[check(ping=target)], **changes))
    assert spec.checks[0].target == target


@pytest.mark.parametrize(("target", "ranges", "gateway"), [
    ("192.168.1.0", {"manager": "192.168.1.0/29", "worker": "192.168.1.136/29"}, "192.168.1.254"),
    ("192.168.1.255", {"manager": "192.168.1.248/29", "worker": "192.168.1.136/29"},
     "192.168.1.1"),
])
def test_the_lans_own_addresses_are_no_target_even_inside_a_macvlan_range(
        target: str, ranges: dict, gateway: str) -> None:
    raw = with_(lanGateway=gateway, macvlan={"name": "mymacvlan", "parent": "eth1",
                                              "ranges": ranges})
    assert parse_spec({**raw, "validate": None}).macvlan.ranges == ranges
    with pytest.raises(ConfigError) as refused:
        parse_spec({**raw, "validate": [check(ping=target)]})
    assert str(refused.value).startswith(f"swarmlab:validate[0].ping: {target!r} is not valid; "
                                         "allowed: a lab name (")


def test_the_lans_gateway_is_never_a_target() -> None:
    with pytest.raises(ConfigError) as refused:
        parse_spec(with_(validate=[{"from": {"host": "worker"}, "tcp": "192.168.1.1", "port": 22}]))
    assert str(refused.value) == (
        "swarmlab:validate[0].tcp: '192.168.1.1' is not valid; allowed: not the LAN's gateway "
        f"192.168.1.1, which is the machine's own, not the lab's; {TARGETS}")


@pytest.mark.parametrize("target", ["web", "tasks.web", "db"])
def test_dns_resolves_what_dockers_dns_knows(target: str) -> None:
    spec = parse_spec(with_(validate=[{"from": {"container": "web", "host": "manager"},
                                       "dns": target}]))
    assert (spec.checks[0].kind, spec.checks[0].target) == ("dns", target)


def test_a_check_name_is_printable_text_of_up_to_120_characters() -> None:
    for name in ("n" * 120, "ping über ∆ — 名前", "a 'quoted' [name] (x)"):
        assert parse_spec(with_(validate=[check(name=name)])).checks[0].name == name
