"""The seed's multi-host networks, proven by real traffic between tasks on different hosts."""

from __future__ import annotations

import ipaddress
import json

import pytest

from tests.support.live import pair

pytestmark = pytest.mark.lab

HTTP_GET = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {name} 80"


def _inspect(lab, name):
    return json.loads(lab.host("manager").check_output(f"docker network inspect {name}"))[0]


def test_myoverlay_is_a_swarm_scoped_overlay_with_both_hosts_as_peers(lab):
    net = _inspect(lab, "myoverlay")
    assert (net["Driver"], net["Scope"]) == ("overlay", "swarm")
    # Peers appear once a host has a task on the network (the seed's inspect output): the
    # hosts of app and web, whichever they are in a lab of more hosts.
    client_host, _, server_host = pair(lab, "")
    peers = {p["IP"] for p in _verbose_peers(lab, "myoverlay")}
    assert {lab.address(client_host), lab.address(server_host)} <= peers


def _verbose_peers(lab, name):
    out = lab.host("manager").check_output(f"docker network inspect --verbose {name}")
    return json.loads(out)[0].get("Peers") or []


def test_app_pings_web_by_name_across_hosts_on_myoverlay(lab):
    client_host, app, _ = pair(lab, "")
    host = lab.host(client_host)
    out = host.check_output(f"docker exec {app} ping -c 1 -W 2 web")
    assert " 0% packet loss" in out


def test_app_fetches_webs_page_across_hosts_on_myoverlay(lab):
    client_host, app, _ = pair(lab, "")
    host = lab.host(client_host)
    page = host.check_output(f"docker exec {app} sh -c \"{HTTP_GET.format(name='web')}\"")
    assert "200 OK" in page and "swarmlab" in page.lower()


def test_macvlan_tasks_get_addresses_from_their_hosts_range_on_the_lan(lab):
    ranges = {}
    for h in lab.inventory:
        out = lab.host(h["name"]).check_output("docker network inspect mymacvlan-config")
        ranges[h["name"]] = json.loads(out)[0]["IPAM"]["Config"][0]["IPRange"]
    for service in ("mymacvlan-app", "mymacvlan-web"):
        host_name, ctr = lab.task_container(service)
        out = lab.host(host_name).check_output(
            f"docker inspect -f '{{{{json .NetworkSettings.Networks}}}}' {ctr}")
        address = json.loads(out)["mymacvlan"]["IPAddress"]
        assert ipaddress.IPv4Address(address) in ipaddress.IPv4Network(ranges[host_name])
        lan = ipaddress.IPv4Network(lab.outputs["networks"]["mymacvlan"]["subnet"])
        assert ipaddress.IPv4Address(address) in lan


def test_mymacvlan_is_swarm_scoped_and_built_from_config_only_networks(lab):
    net = _inspect(lab, "mymacvlan")
    assert (net["Driver"], net["Scope"], net["ConfigFrom"]["Network"]) == (
        "macvlan", "swarm", "mymacvlan-config")
    for h in lab.inventory:
        cfg = json.loads(lab.host(h["name"]).check_output(
            "docker network inspect mymacvlan-config"))[0]
        assert cfg["ConfigOnly"] is True
        assert cfg["Options"]["parent"] == "eth1"


def test_app_pings_and_fetches_web_across_hosts_on_mymacvlan(lab):
    client_host, app, _ = pair(lab, "mymacvlan-")
    host = lab.host(client_host)
    assert " 0% packet loss" in host.check_output(
        f"docker exec {app} ping -c 1 -W 2 mymacvlan-web")
    page = host.check_output(
        f"docker exec {app} sh -c \"{HTTP_GET.format(name='mymacvlan-web')}\"")
    assert "200 OK" in page


def test_secure_net_is_an_encrypted_overlay(lab):
    net = _inspect(lab, "secure_net")
    assert (net["Driver"], net["Scope"]) == ("overlay", "swarm")
    assert "encrypted" in net["Options"]
    assert lab.outputs["networks"]["secure_net"]["encrypted"] is True


def test_outputs_describe_every_swarm_network_and_where_its_tasks_run(lab):
    networks = lab.outputs["networks"]
    assert set(networks) == {"myoverlay", "secure_net", "mymacvlan"}
    for name, entry in networks.items():
        assert entry["driver"] == ("macvlan" if name == "mymacvlan" else "overlay")
        assert entry["scope"] == "swarm" and entry["id"] and entry["subnet"]
    assert networks["secure_net"]["encrypted"] and not networks["myoverlay"]["encrypted"]
    tasks = lab.outputs["services"]
    for prefix in ("", "secure-net-", "mymacvlan-"):
        assert tasks[f"{prefix}web"][0]["node"] != tasks[f"{prefix}app"][0]["node"], tasks
