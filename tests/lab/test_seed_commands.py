"""Every `docker network` command of the seed's command table, run on the live lab.

These change the lab for a moment (a scratch network on one host, a scratch container on
mynetwork on another) and put it back. Both sequences run at once, each in one round trip
(tests/support/gather.py); the tests read what each step said.
"""

from __future__ import annotations

import json
from functools import partial

import pytest

from tests.support.gather import in_turn, side_by_side

pytestmark = pytest.mark.lab

NETWORK_STEPS = {
    "create": "docker network create seedtest",
    "inspect": "docker network inspect seedtest",
    "ls": "docker network ls --format '{{.Name}}'",
    "rm": "docker network rm seedtest",
    "ls after rm": "docker network ls --format '{{.Name}}'",
}
# A scratch container, not web1: connecting a container to a user-defined network rewrites
# its resolv.conf for the embedded DNS for good, and web1 must stay a plain default-bridge
# container (test_single_host proves it cannot resolve names).
CONNECT_STEPS = {
    "run": "docker run -d --name seedconnect --network bridge "
           "\"$(docker inspect -f '{{.Config.Image}}' web1)\" sleep 600",
    "connect": "docker network connect mynetwork seedconnect",
    # Now on a user-defined network, it resolves app by name.
    "ping app": "docker exec seedconnect ping -c 1 -W 2 app",
    "disconnect": "docker network disconnect mynetwork seedconnect",
    "networks": "docker inspect -f '{{json .NetworkSettings.Networks}}' seedconnect",
}


@pytest.fixture(scope="module")
def said(lab):
    return side_by_side({
        "network": partial(in_turn, lab.host("worker"), NETWORK_STEPS,
                           "docker network rm seedtest"),
        "connect": partial(in_turn, lab.host("manager"), CONNECT_STEPS,
                           "docker rm -f seedconnect"),
    })


def test_network_create_inspect_and_rm(said):
    steps = said["network"]
    steps["create"].ok()
    net = json.loads(steps["inspect"].ok())[0]
    assert (net["Name"], net["Driver"]) == ("seedtest", "bridge")
    assert "seedtest" in steps["ls"].ok().split()
    steps["rm"].ok()
    assert "seedtest" not in steps["ls after rm"].ok().split()


def test_network_connect_then_disconnect(said):
    steps = said["connect"]
    steps["run"].ok()
    steps["connect"].ok()
    assert " 0% packet loss" in steps["ping app"].ok()
    steps["disconnect"].ok()
    assert list(json.loads(steps["networks"].ok())) == ["bridge"]


def test_swarm_network_is_listed_with_swarm_scope(seen):
    rows = seen.out("manager", "networks")
    assert "myoverlay overlay swarm" in rows.splitlines()
