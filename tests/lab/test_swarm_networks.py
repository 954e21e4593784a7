"""The seed's multi-host networks, proven by real traffic between tasks on different hosts."""

from __future__ import annotations

import ipaddress
import json

import pytest

pytestmark = pytest.mark.lab


def test_myoverlay_is_a_swarm_scoped_overlay_with_both_hosts_as_peers(lab, seen):
    net = seen.networks("manager")["myoverlay"]
    assert (net["Driver"], net["Scope"]) == ("overlay", "swarm")
    # Peers appear once a host has a task on the network (the seed's inspect output): the
    # hosts of app and web, whichever they are in a lab of more hosts.
    client_host, _, server_host = seen.pair("")
    verbose = json.loads(seen.out("manager", "myoverlay peers"))[0]
    peers = {p["IP"] for p in verbose.get("Peers") or []}
    assert {lab.address(client_host), lab.address(server_host)} <= peers


def _answered(seen, host, key, wanted):
    said = seen.said[host][key]
    assert said.answered(wanted), f"{key}: {said}"


def test_app_pings_web_by_name_across_hosts_on_myoverlay(seen):
    client_host, _, _ = seen.pair("")
    _answered(seen, client_host, "app -> web ping", " 0% packet loss")


def test_app_fetches_webs_page_across_hosts_on_myoverlay(seen):
    client_host, _, _ = seen.pair("")
    _answered(seen, client_host, "app -> web page", "200 OK")
    assert "swarmlab" in seen.out(client_host, "app -> web page").lower()


def test_macvlan_tasks_get_addresses_from_their_hosts_range_on_the_lan(lab, seen):
    lan = ipaddress.IPv4Network(lab.outputs["networks"]["mymacvlan"]["subnet"])
    for service in ("mymacvlan-app", "mymacvlan-web"):
        host, ctr = seen.task(service)
        host_range = seen.networks(host)["mymacvlan-config"]["IPAM"]["Config"][0]["IPRange"]
        address = seen.containers(host)[ctr]["NetworkSettings"]["Networks"]["mymacvlan"][
            "IPAddress"]
        assert ipaddress.IPv4Address(address) in ipaddress.IPv4Network(host_range)
        assert ipaddress.IPv4Address(address) in lan


def test_mymacvlan_is_swarm_scoped_and_built_from_config_only_networks(lab, seen):
    net = seen.networks("manager")["mymacvlan"]
    assert (net["Driver"], net["Scope"], net["ConfigFrom"]["Network"]) == (
        "macvlan", "swarm", "mymacvlan-config")
    for h in lab.inventory:
        cfg = seen.networks(h["name"])["mymacvlan-config"]
        assert cfg["ConfigOnly"] is True
        assert cfg["Options"]["parent"] == "eth1"


def test_app_pings_and_fetches_web_across_hosts_on_mymacvlan(seen):
    client_host, _, _ = seen.pair("mymacvlan-")
    _answered(seen, client_host, "mymacvlan-app -> mymacvlan-web ping", " 0% packet loss")
    _answered(seen, client_host, "mymacvlan-app -> mymacvlan-web page", "200 OK")


def test_secure_net_is_an_encrypted_overlay(lab, seen):
    net = seen.networks("manager")["secure_net"]
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
