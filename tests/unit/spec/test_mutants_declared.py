"""swarmlab:validate, exactly: the refusals the other tests do not assert, the bounds, and
what a good check becomes."""

from __future__ import annotations

from typing import Any

import pytest

from modules.spec import CheckSpec, ConfigError, parse_spec
from modules.spec import declared as declared_module
from tests.support.stacks import with_

OVERLAY = {"overlays": [{"name": "myoverlay", "subnet": "10.20.0.0/24"}], "services": None}
FROM = ("swarmlab:validate[0].from: one of {service: NAME}, {container: NAME, host: HOST} or "
        "{host: HOST}; got keys ")
SERVICES = "app, mymacvlan-app, mymacvlan-web, secure-net-app, secure-net-web, web"
NAMES = ("web, app, secure-net-web, secure-net-app, mymacvlan-web, mymacvlan-app, tasks.web, "
         "tasks.app, tasks.secure-net-web, tasks.secure-net-app, tasks.mymacvlan-web, "
         "tasks.mymacvlan-app, web1, web2, db, hostweb, isolated")
TARGETS = (f"a lab name ({NAMES}, manager, worker), a lab host's address (192.168.1.10, "
           "192.168.1.11), a host address in a macvlan range or declared overlay subnet "
           "(192.168.1.128/29, 192.168.1.136/29; not a network, broadcast or gateway address), "
           "or @<demo container>")
OVERLAY_TARGETS = (
    "a lab name (web, app, mymacvlan-web, mymacvlan-app, tasks.web, tasks.app, "
    "tasks.mymacvlan-web, tasks.mymacvlan-app, web1, web2, db, hostweb, isolated, manager, "
    "worker), a lab host's address (192.168.1.10, 192.168.1.11), a host address in a macvlan "
    "range or declared overlay subnet (192.168.1.128/29, 192.168.1.136/29, 10.20.0.0/24; not a "
    "network, broadcast or gateway address), or @<demo container>")


def check(**fields: Any) -> dict[str, Any]:
    return {"from": {"service": "app"}, "ping": "tasks.web", **fields}


def _refused(raw: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_spec(raw)
    return caught.value


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("from nothing", with_(validate=[check(**{"from": {}})]), FROM + "none"),
    ("from a service and a host",
     with_(validate=[check(**{"from": {"service": "app", "host": "manager"}})]),
     FROM + "service, host"),
    ("from a container and a service",
     with_(validate=[check(**{"from": {"container": "web1", "host": "manager",
                                       "service": "app"}})]),
     FROM + "container, host, service"),
    ("from a host and a service in that order",
     with_(validate=[check(**{"from": {"host": "manager", "service": "app"}})]),
     FROM + "host, service"),
    ("from a service that is not text", with_(validate=[check(**{"from": {"service": 5}})]),
     f"swarmlab:validate[0].from.service: 5 is not valid; allowed: a service with tasks: "
     f"{SERVICES}"),
    ("from a service without tasks", with_(validate=[check(**{"from": {"service": "idle"}})],
                                           services=[
        {"name": "idle", "network": "myoverlay", "node": "worker", "replicas": 0},
        {"name": "app", "network": "myoverlay", "node": "manager"}]),
     "swarmlab:validate[0].from.service: 'idle' is not valid; allowed: a service with tasks: app"),
    ("from a container on a host without the demos",
     with_(singleHostNodes=["manager"],
           validate=[check(**{"from": {"container": "web1", "host": "worker"}})]),
     "swarmlab:validate[0].from.host: 'worker' is not valid; allowed: a host that runs the "
     "demos: manager"),
    ("from a container with the demos off",
     with_(singleHostDemos=False,
           validate=[check(**{"from": {"container": "web1", "host": "manager"}})]),
     "swarmlab:validate[0].from.container: 'web1' is not valid; allowed: a single-host demo "
     "container: none (singleHostDemos is off)"),
    ("an @ that is no demo container", with_(validate=[check(ping="@nope", network="bridge")]),
     f"swarmlab:validate[0].ping: '@nope' is not valid; allowed: {TARGETS}"),
    ("a target that is not text", with_(validate=[check(ping=5)]),
     f"swarmlab:validate[0].ping: 5 is not valid; allowed: {TARGETS}"),
    ("dns of a host name", with_(validate=[{"from": {"service": "app"}, "dns": "manager"}]),
     f"swarmlab:validate[0].dns: 'manager' is not valid; allowed: a lab name Docker's DNS "
     f"resolves: {NAMES}"),
    ("an overlay's network address", with_(validate=[check(ping="10.20.0.0")], **OVERLAY),
     f"swarmlab:validate[0].ping: '10.20.0.0' is not valid; allowed: {OVERLAY_TARGETS}"),
    ("an overlay's gateway", with_(validate=[check(ping="10.20.0.1")], **OVERLAY),
     f"swarmlab:validate[0].ping: '10.20.0.1' is not valid; allowed: {OVERLAY_TARGETS}"),
    ("an overlay's broadcast", with_(validate=[check(ping="10.20.0.255")], **OVERLAY),
     f"swarmlab:validate[0].ping: '10.20.0.255' is not valid; allowed: {OVERLAY_TARGETS}"),
    ("an address beside the lab", with_(validate=[check(ping="192.168.1.12")]),
     f"swarmlab:validate[0].ping: '192.168.1.12' is not valid; allowed: {TARGETS}"),
    ("a name of 121 characters", with_(validate=[check(name="n" * 121)]),
     "swarmlab:validate[0].name: '" + "n" * 37 + "..." + "n" * 38 + "' is not valid; allowed: "
     "printable text of at most 120 characters (no control, format or bidi characters)"),
    ("a timeout of 31", with_(validate=[check(timeout=31)]),
     "swarmlab:validate[0].timeout: 31 is not valid; allowed: a whole number from 1 to 30"),
    ("retries below zero", with_(validate=[check(retries=-1)]),
     "swarmlab:validate[0].retries: -1 is not valid; allowed: a whole number from 0 to 10"),
    ("201 checks", with_(validate=[check()] * 201),
     "swarmlab:validate: '201 checks' is not valid; allowed: at most 200 checks"),
    ("udp from a service", with_(validate=[{"from": {"service": "app"}, "udp": "manager",
                                            "port": 53}]),
     "swarmlab:validate[0]: udp asks whether a host has port 53/udp bound: `from: {host: H}` "
     "and `udp: H` (the same host)"),
    ("udp without a port", with_(validate=[{"from": {"host": "manager"}, "udp": "manager"}]),
     "swarmlab:validate[0].port: missing; udp needs a port (1-65535)"),
    ("port zero", with_(validate=[{"from": {"host": "manager"}, "tcp": "worker", "port": 0}]),
     "swarmlab:validate[0].port: 0 is not valid; allowed: a whole number from 1 to 65535"),
    ("port on dns", with_(validate=[{"from": {"service": "app"}, "dns": "web", "port": 53}]),
     "swarmlab:validate[0].port: only http, tcp and udp take a port"),
    ("a demo network with the demos off",
     with_(singleHostDemos=False, validate=[check(network="bridge")]),
     "swarmlab:validate[0].network: 'bridge' is not valid; allowed: a lab network: myoverlay, "
     "secure_net, mymacvlan"),
    ("a check that is no object", with_(validate=["ping web"]),
     "swarmlab:validate[0]: 'ping web' is not valid; allowed: an object with keys from, name, "
     "ping, dns, http, tcp, udp, port, network, expect, timeout, retries"),
    ("a check without from", with_(validate=[{"ping": "web"}]),
     "swarmlab:validate[0]: missing key 'from'; required keys: from, name, ping, dns, http, tcp, "
     "udp, port, network, expect, timeout, retries"),
    ("from an unknown key", with_(validate=[check(**{"from": {"node": "manager"}})]),
     "swarmlab:validate[0].from: unknown key 'node'; allowed keys: service, container, host"),
]


@pytest.mark.parametrize(("raw", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_check_is_refused_with_its_exact_message(raw: dict[str, Any], message: str
                                                       ) -> None:
    assert str(_refused(raw)) == message


def test_the_bounds_of_a_check() -> None:
    assert (declared_module.MAX_CHECKS, declared_module.MAX_NAME) == (200, 120)
    assert declared_module.KINDS == ("ping", "dns", "http", "tcp", "udp")
    assert declared_module.EXPECT == ("pass", "fail")
    spec = parse_spec(with_(validate=[check(name="n" * 120, timeout=30, retries=10)] * 200))
    assert len(spec.checks) == 200
    assert (spec.checks[0].timeout, spec.checks[0].retries) == (30, 10)
    one = parse_spec(with_(validate=[check(timeout=1, retries=0)])).checks[0]
    assert (one.timeout, one.retries) == (1, 0)
    assert parse_spec(with_(validate=None)).checks == ()
    assert parse_spec(with_(validate=[])).checks == ()


def test_what_good_checks_become() -> None:
    spec = parse_spec(with_(validate=[
        {"from": {"service": "app"}, "http": "web"},
        {"from": {"host": "worker"}, "udp": "worker", "port": 4789},
        {"from": {"host": "worker"}, "udp": "192.168.1.11", "port": "65535", "expect": "fail"},
        {"from": {"container": "web1", "host": "worker"}, "ping": "@web2", "network": "bridge",
         "name": "by address"},
        {"from": {"host": "manager"}, "tcp": "worker", "port": 1},
        {"from": {"service": "secure-net-app"}, "ping": "tasks.secure-net-web",
         "network": "secure_net"},
    ]))
    assert spec.checks == (
        CheckSpec("http", "service", "app", "manager", "web", 80, "", "pass", 2, 0, ""),
        CheckSpec("udp", "host", "worker", "worker", "192.168.1.11", 4789, "", "pass", 2, 0, ""),
        CheckSpec("udp", "host", "worker", "worker", "192.168.1.11", 65535, "", "fail", 2, 0, ""),
        CheckSpec("ping", "container", "web1", "worker", "@web2", 0, "bridge", "pass", 2, 0,
                  "by address"),
        CheckSpec("tcp", "host", "manager", "manager", "192.168.1.11", 1, "", "pass", 2, 0, ""),
        CheckSpec("ping", "service", "secure-net-app", "manager", "tasks.secure-net-web", 0,
                  "secure_net", "pass", 2, 0, ""),
    )


def test_a_check_may_aim_at_an_overlays_first_task_address_and_a_macvlan_range() -> None:
    spec = parse_spec(with_(validate=[check(ping="10.20.0.2"), check(ping="192.168.1.128"),
                                      check(ping="192.168.1.136")], **OVERLAY))
    assert [c.target for c in spec.checks] == ["10.20.0.2", "192.168.1.128", "192.168.1.136"]
