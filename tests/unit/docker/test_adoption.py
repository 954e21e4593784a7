"""Whether an existing object of the lab's name is the lab's: networks, services and
containers are compared on every field the lab sets (as community.docker's modules do). An
object that differs in any one of them is refused naming that field, never adopted; one
that is the same (as dockerd reports it) is adopted."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from modules.docker import container, network, service
from modules.docker.container import ContainerSettings
from modules.docker.network import NetworkSettings
from modules.docker.service import ServiceSettings
from tests.support.inspected import container_doc, network_doc, service_doc

# Fields that name the object, or that the lab changes in place rather than compares.
NOT_COMPARED = {"name", "replicas"}
# Per kind of object: how it is compared, and what dockerd reports of one made so.
KINDS: dict[type, tuple[Callable[[Any, dict[str, Any]], list[str]],
                        Callable[[Any], dict[str, Any]]]] = {
    NetworkSettings: (network.differences, network_doc),
    ServiceSettings: (service.differences, service_doc),
    ContainerSettings: (container.differences, container_doc),
}

OVERLAY = NetworkSettings("secure_net", driver="overlay", scope="swarm", attachable=True,
                          subnet="10.0.5.0/24", gateway="10.0.5.1", ip_range="10.0.5.0/25",
                          options={"encrypted": ""})
MACVLAN_CONFIG = NetworkSettings("mymacvlan-config", config_only=True, subnet="192.168.1.0/24",
                                 gateway="192.168.1.1", ip_range="192.168.1.64/27",
                                 options={"parent": "eth1"})
MACVLAN = NetworkSettings("mymacvlan", driver="macvlan", scope="swarm",
                          config_from="mymacvlan-config", labels={})
WEB = ServiceSettings("web", "swarmlab/busybox:lab", ["httpd", "-f"], networks=["n1", "n2"],
                      constraints=["node.hostname==worker"], endpoint_mode="dnsrr")
WEB1 = ContainerSettings("web1", "swarmlab/busybox:lab", "bridge", ["httpd", "-f"])
LABS = [OVERLAY, MACVLAN_CONFIG, MACVLAN, WEB, dataclasses.replace(WEB, replicas=3), WEB1]

IMAGE = "image: has 'nginx:1.27', the lab wants 'swarmlab/busybox:lab'"
COMMAND = "command: has ['sh'], the lab wants ['httpd', '-f']"
INIT = "init: has False, the lab wants True"
LABELS = "labels: has {}, the lab wants {'swarmlab': 'true'}"
CASES = [
    (OVERLAY, "driver", "bridge", "driver: has 'bridge', the lab wants 'overlay'"),
    (OVERLAY, "scope", "local", "scope: has 'local', the lab wants 'swarm'"),
    (OVERLAY, "attachable", False, "attachable: has False, the lab wants True"),
    (OVERLAY, "subnet", "10.9.9.0/24", "subnet: has '10.9.9.0/24', the lab wants '10.0.5.0/24'"),
    (OVERLAY, "gateway", "10.0.5.254", "gateway: has '10.0.5.254', the lab wants '10.0.5.1'"),
    (OVERLAY, "ip_range", "10.0.5.128/25",
     "ip_range: has '10.0.5.128/25', the lab wants '10.0.5.0/25'"),
    (OVERLAY, "options", {}, "options: has {}, the lab wants {'encrypted': ''}"),
    (OVERLAY, "labels", {}, LABELS),
    (OVERLAY, "config_only", True, "config_only: has True, the lab wants False"),
    (OVERLAY, "config_from", "other-config",
     "config_from: has 'other-config', the lab wants None"),
    (MACVLAN_CONFIG, "config_only", False, "config_only: has False, the lab wants True"),
    (MACVLAN_CONFIG, "options", {"parent": "eth0"},
     "options: has {'parent': 'eth0'}, the lab wants {'parent': 'eth1'}"),
    (MACVLAN_CONFIG, "ip_range", "192.168.1.96/27",
     "ip_range: has '192.168.1.96/27', the lab wants '192.168.1.64/27'"),
    (MACVLAN, "config_from", None, "config_from: has None, the lab wants 'mymacvlan-config'"),
    (MACVLAN, "config_from", "another-config",
     "config_from: has 'another-config', the lab wants 'mymacvlan-config'"),
    (MACVLAN, "scope", "local", "scope: has 'local', the lab wants 'swarm'"),
    (MACVLAN, "driver", "ipvlan", "driver: has 'ipvlan', the lab wants 'macvlan'"),
    (WEB, "image", "nginx:1.27", IMAGE),
    (WEB, "command", ["sh"], COMMAND),
    (WEB, "networks", ["n1"], "networks: has ['n1'], the lab wants ['n1', 'n2']"),
    (WEB, "constraints", ["node.hostname==manager"],
     "constraints: has ['node.hostname==manager'], the lab wants ['node.hostname==worker']"),
    (WEB, "endpoint_mode", "vip", "endpoint_mode: has 'vip', the lab wants 'dnsrr'"),
    (WEB, "init", False, INIT),
    (WEB, "labels", {}, LABELS),
    (WEB1, "image", "nginx:1.27", IMAGE),
    (WEB1, "command", ["sh"], COMMAND),
    (WEB1, "init", False, INIT),
    (WEB1, "network", "none", "network: has ['none'], the lab wants 'bridge'"),
]


@pytest.mark.parametrize("lab", LABS, ids=lambda s: s.name)
def test_an_object_that_is_the_labs_is_adopted(lab):
    differences, inspected = KINDS[type(lab)]
    assert differences(lab, inspected(lab)) == []


def test_a_container_on_a_network_given_by_id_is_adopted():
    on_myappnet = dataclasses.replace(WEB1, network="0f3c9a")
    assert container.differences(on_myappnet, container_doc(on_myappnet, "myappnet")) == []


@pytest.mark.parametrize(("lab", "field", "other", "message"), CASES,
                         ids=[f"{c[0].name}-{c[1]}-{c[2]}" for c in CASES])
def test_an_object_differing_in_one_field_is_refused_naming_it(lab, field, other, message):
    differences, inspected = KINDS[type(lab)]
    assert differences(lab, inspected(dataclasses.replace(lab, **{field: other}))) == [message]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_every_setting_is_compared(kind):
    fields = {f.name for f in dataclasses.fields(kind)} - NOT_COMPARED
    assert {field for lab, field, _, _ in CASES if isinstance(lab, kind)} == fields


def test_a_network_differing_in_several_fields_is_refused_naming_each():
    lab = NetworkSettings("myoverlay", driver="overlay", attachable=True, options={"encrypted": ""})
    existing = network_doc(dataclasses.replace(lab, attachable=False, options={}))
    assert network.differences(lab, existing) == [
        "options: has {}, the lab wants {'encrypted': ''}",
        "attachable: has False, the lab wants True"]
