"""The seed's single-host networks on every node that runs the demos (the stack's
singleHostNodes): bridge, custom bridges, host and none."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.lab


def _ip(host, container, network):
    out = host.check_output(
        f"docker inspect -f '{{{{json .NetworkSettings.Networks}}}}' {container}")
    return json.loads(out)[network]["IPAddress"]


@pytest.fixture(params=[0, 1], ids=["first demo host", "second demo host"])
def node(request, lab):
    demo_hosts = sorted(lab.outputs["singleHost"])
    if request.param >= len(demo_hosts):
        pytest.skip(f"the stack runs the single-host demos on {len(demo_hosts)} host(s): "
                    f"{', '.join(demo_hosts)}")
    name = demo_hosts[request.param]
    return lab.host(name), name


def test_default_networks_are_listed(node):
    host, _ = node
    rows = host.check_output("docker network ls --format '{{.Name}} {{.Driver}} {{.Scope}}'")
    listed = {tuple(r.split()) for r in rows.splitlines()}
    assert {("bridge", "bridge", "local"), ("host", "host", "local"),
            ("none", "null", "local")} <= listed


def test_default_bridge_reaches_by_ip_but_not_by_name(node):
    host, _ = node
    web2 = _ip(host, "web2", "bridge")
    assert " 0% packet loss" in host.check_output(f"docker exec web1 ping -c 1 -W 2 {web2}")
    # The default bridge has no embedded DNS: the name does not resolve.
    assert host.run("docker exec web1 ping -c 1 -W 2 web2").rc != 0


def test_custom_bridge_resolves_names(node):
    host, _ = node
    assert " 0% packet loss" in host.check_output("docker exec web ping -c 1 -W 2 db")
    net = json.loads(host.check_output("docker network inspect myappnet"))[0]
    assert net["Driver"] == "bridge"
    assert {c["Name"] for c in net["Containers"].values()} == {"db", "web"}


def test_mynetwork_holds_app(node):
    host, _ = node
    net = json.loads(host.check_output("docker network inspect mynetwork"))[0]
    assert [c["Name"] for c in net["Containers"].values()] == ["app"]


def test_host_network_container_uses_the_hosts_address(node, lab):
    host, name = node
    addresses = host.check_output("docker exec hostweb ip -o -4 addr show eth1")
    assert f"inet {lab.address(name)}/" in addresses
    other = next(h["name"] for h in lab.inventory if h["name"] != name)
    page = lab.host(other).check_output(
        f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 3 {lab.address(name)} 8080")
    assert "200 OK" in page


def test_none_network_has_only_loopback(node):
    host, _ = node
    links = host.check_output("docker exec isolated ip -o link show")
    names = [line.split(":")[1].strip().split("@")[0] for line in links.splitlines()]
    assert names == ["lo"]
