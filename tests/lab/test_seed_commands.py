"""Every `docker network` command of the seed's command table, run on the live lab.

These change the lab for a moment (a scratch network, web1 on mynetwork) and put it back.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.lab


def test_network_create_inspect_and_rm(lab):
    host = lab.host("worker")
    host.check_output("docker network create seedtest")
    try:
        net = json.loads(host.check_output("docker network inspect seedtest"))[0]
        assert (net["Name"], net["Driver"]) == ("seedtest", "bridge")
        assert "seedtest" in host.check_output("docker network ls --format '{{.Name}}'").split()
    finally:
        host.check_output("docker network rm seedtest")
    assert "seedtest" not in host.check_output("docker network ls --format '{{.Name}}'").split()


def test_network_connect_then_disconnect(lab):
    host = lab.host("manager")
    host.check_output("docker network connect mynetwork web1")
    try:
        # Now on a user-defined network, web1 resolves app by name.
        assert " 0% packet loss" in host.check_output("docker exec web1 ping -c 1 -W 2 app")
    finally:
        host.check_output("docker network disconnect mynetwork web1")
    networks = json.loads(host.check_output(
        "docker inspect -f '{{json .NetworkSettings.Networks}}' web1"))
    assert list(networks) == ["bridge"]


def test_swarm_network_is_listed_with_swarm_scope(lab):
    rows = lab.host("manager").check_output(
        "docker network ls --filter name=myoverlay --format '{{.Name}} {{.Driver}} {{.Scope}}'")
    assert "myoverlay overlay swarm" in rows.splitlines()
