"""The seed's single-host networks on every node that runs the demos (the stack's
singleHostNodes): bridge, custom bridges, host and none."""

from __future__ import annotations

import pytest

from tests.support.observed import other_host

pytestmark = pytest.mark.lab


@pytest.fixture(params=[0, 1], ids=["first demo host", "second demo host"])
def node(request, lab):
    demo_hosts = sorted(lab.outputs["singleHost"])
    if request.param >= len(demo_hosts):
        pytest.skip(f"the stack runs the single-host demos on {len(demo_hosts)} host(s): "
                    f"{', '.join(demo_hosts)}")
    return demo_hosts[request.param]


PINGED = " 0% packet loss"


def test_default_networks_are_listed(seen, node):
    rows = seen.out(node, "networks")
    listed = {tuple(r.split()) for r in rows.splitlines()}
    assert {("bridge", "bridge", "local"), ("host", "host", "local"),
            ("none", "null", "local")} <= listed


def test_default_bridge_reaches_by_ip_but_not_by_name(seen, node):
    said = seen.said[node]["web1 -> web2 by address"]
    assert said.answered(PINGED), said
    # The default bridge has no embedded DNS: the name does not resolve.
    assert seen.said[node]["web1 -> web2 by name"].rc != 0


def test_custom_bridge_resolves_names(seen, node):
    said = seen.said[node]["web -> db"]
    assert said.answered(PINGED), said
    net = seen.networks(node)["myappnet"]
    assert net["Driver"] == "bridge"
    assert {c["Name"] for c in net["Containers"].values()} == {"db", "web"}


def test_mynetwork_holds_app(seen, node):
    net = seen.networks(node)["mynetwork"]
    assert [c["Name"] for c in net["Containers"].values()] == ["app"]


def test_host_network_container_uses_the_hosts_address(lab, seen, node):
    assert f"inet {lab.address(node)}/" in seen.out(node, "hostweb eth1")
    page = seen.out(other_host(lab, node), f"page {node}:8080")
    assert "200 OK" in page


def test_none_network_has_only_loopback(seen, node):
    links = seen.out(node, "isolated links")
    names = [line.split(":")[1].strip().split("@")[0] for line in links.splitlines()]
    assert names == ["lo"]
