"""Every `docker network` command of the seed's command table, run on the live lab.

These change the lab for a moment (a scratch network, a scratch container on mynetwork) and put it back.
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
    # A scratch container, not web1: connecting a container to a user-defined network
    # rewrites its resolv.conf for the embedded DNS for good, and web1 must stay a plain
    # default-bridge container (test_single_host proves it cannot resolve names).
    host = lab.host("manager")
    image = host.check_output("docker inspect -f '{{.Config.Image}}' web1")
    host.check_output(f"docker run -d --name seedconnect --network bridge {image} sleep 600")
    try:
        host.check_output("docker network connect mynetwork seedconnect")
        # Now on a user-defined network, it resolves app by name.
        assert " 0% packet loss" in host.check_output(
            "docker exec seedconnect ping -c 1 -W 2 app")
        host.check_output("docker network disconnect mynetwork seedconnect")
        networks = json.loads(host.check_output(
            "docker inspect -f '{{json .NetworkSettings.Networks}}' seedconnect"))
        assert list(networks) == ["bridge"]
    finally:
        host.run("docker rm -f seedconnect")


def test_swarm_network_is_listed_with_swarm_scope(lab):
    rows = lab.host("manager").check_output(
        "docker network ls --filter name=myoverlay --format '{{.Name}} {{.Driver}} {{.Scope}}'")
    assert "myoverlay overlay swarm" in rows.splitlines()
