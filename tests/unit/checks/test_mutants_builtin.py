"""The checks a lab promises by its spec, exactly: which hosts, tasks and pairs, in order,
and the pair tried the other way round."""

from __future__ import annotations

from modules.checks import builtin
from modules.checks.model import Check, Source
from tests.support.stacks import local_spec

SERVICES = [
    {"name": "web", "network": "myoverlay", "node": "worker", "replicas": 3},
    {"name": "db", "network": "myoverlay", "node": "worker"},
    {"name": "idle", "network": "myoverlay", "node": "worker", "replicas": 0},
    {"name": "app", "network": "myoverlay", "node": "manager"},
    {"name": "sec", "network": "secure_net", "node": "worker"},
    {"name": "sec-app", "network": "secure_net", "node": "manager"},
]


def _host(name: str) -> Source:
    return Source("host", name, name)


def test_every_host_every_live_service_and_a_chain_of_services_on_a_network() -> None:
    spec = local_spec(services=SERVICES, validate=None)
    assert builtin.service_checks(spec) == [
        Check("swarm", _host("manager")),
        Check("swarm", _host("worker")),
        Check("tasks", _host("manager"), target="web", count=3),
        Check("tasks", _host("manager"), target="db", count=1),
        Check("tasks", _host("manager"), target="app", count=1),
        Check("tasks", _host("manager"), target="sec", count=1),
        Check("tasks", _host("manager"), target="sec-app", count=1),
        Check("ping", Source("service", "db", "worker"), target="tasks.web", network="myoverlay"),
        Check("ping", Source("service", "app", "manager"), target="tasks.db",
              network="myoverlay"),
        Check("ping", Source("service", "sec-app", "manager"), target="tasks.sec",
              network="secure_net", requires="esp"),
        Check("peers", _host("manager"), target="192.168.1.10 192.168.1.11",
              network="myoverlay"),
        Check("peers", _host("worker"), target="192.168.1.10 192.168.1.11",
              network="myoverlay"),
        Check("peers", _host("manager"), target="192.168.1.10 192.168.1.11",
              network="secure_net"),
        Check("peers", _host("worker"), target="192.168.1.10 192.168.1.11",
              network="secure_net"),
    ]


def test_no_demo_checks_without_the_demos() -> None:
    assert builtin.demo_checks(local_spec(singleHostDemos=False, validate=None)) == []


def test_the_pair_the_other_way_round() -> None:
    spec = local_spec(services=SERVICES, validate=None)
    first = Check("ping", Source("service", "sec-app", "manager"), target="tasks.sec",
                  network="secure_net", requires="esp", timeout=5, retries=3, label="x")
    assert builtin.reverse(first, spec) == Check(
        "ping", Source("service", "sec", "worker"), target="tasks.sec-app", network="secure_net",
        requires="esp")


def test_no_other_way_round_but_between_two_services() -> None:
    spec = local_spec(services=SERVICES, validate=None)
    app = Source("service", "app", "manager")
    assert builtin.reverse(Check("ping", Source("container", "app", "manager"),
                                 target="tasks.web"), spec) is None
    assert builtin.reverse(Check("ping", app, target="web"), spec) is None
    assert builtin.reverse(Check("ping", app, target="xtasks.web"), spec) is None
    assert builtin.reverse(Check("ping", app, target="tasks.nope"), spec) is None


def test_the_pings_grow_with_the_services_not_with_their_pairs() -> None:
    services = [{"name": f"s{i}", "network": "myoverlay",
                 "node": "manager" if i % 2 else "worker"} for i in range(10)]
    checks = builtin.service_checks(local_spec(services=services, validate=None))
    pings = [c for c in checks if c.kind == "ping"]
    assert len([c for c in checks if c.kind == "peers"]) == 2  # one per host of the overlay
    assert [(c.source.name, c.target) for c in pings] == [
        (f"s{i + 1}", f"tasks.s{i}") for i in range(9)]


def test_no_peers_check_for_an_overlay_whose_tasks_share_one_host() -> None:
    services = [{"name": "a", "network": "myoverlay", "node": "worker"},
                {"name": "b", "network": "myoverlay", "node": "worker"}]
    checks = builtin.service_checks(local_spec(services=services, validate=None))
    assert [c for c in checks if c.kind == "peers"] == []
