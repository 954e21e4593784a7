"""The inspect document from host snapshots (tools/lab/inspect_doc.py): its shape, its order,
its addresses, a host that does not answer, and no secret in it. Pure: saved snapshots of the
live lab, no SSH."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import pytest

from modules.docker.snapshot import Snapshot
from tools.lab.inspect_doc import SCHEMA, HostRead, bare, build, short_task

Inspect = Callable[[dict[str, Any]], dict[str, Any]]
TOP = ["schema", "lab", "lan", "hosts", "swarm", "nodes", "networks", "services", "containers"]
FIELDS = {
    "hosts": {"name", "address", "role", "reachable", "swarm", "versions", "error"},
    "nodes": {"name", "id", "address", "role", "state", "availability", "leader", "engine_version"},
    "networks": {"name", "id", "driver", "scope", "host", "subnet", "gateway", "ip_range", "encrypted",
                 "attachable", "internal", "ingress", "config_only", "config_from", "parent"},
    "services": {"name", "id", "image", "mode", "replicas", "endpoint_mode", "networks", "vips", "tasks"},
    "containers": {"host", "name", "id", "image", "state", "service", "task", "addresses"},
}
TASK_FIELDS = {"name", "id", "node", "state", "container", "addresses"}

NO_FAULTS = {"partitions": [], "impaired": {}}


def test_the_saved_document_is_what_build_makes_of_the_saved_snapshots(
        raw: dict[str, Any], doc: dict[str, Any], inspect_of: Inspect) -> None:
    assert inspect_of(raw) == doc


def test_the_shape_is_the_documented_one(doc: dict[str, Any]) -> None:
    assert list(doc) == TOP
    assert doc["schema"] == SCHEMA == "swarmlab.inspect/v1"
    assert doc["lab"] == {"name": "swarmlab", "backend": "onebox", "stack": "local", "faults": NO_FAULTS,
                          "links": {}}
    assert doc["lan"] == {"subnet": "192.168.1.0/24", "gateway": "192.168.1.1"}
    assert set(doc["swarm"]) == {"cluster_id", "managers", "workers", "leader"}
    for key, fields in FIELDS.items():
        assert doc[key], key
        for entry in doc[key]:
            assert set(entry) == fields, (key, entry)
    for svc in doc["services"]:
        for task in svc["tasks"]:
            assert set(task) == TASK_FIELDS


VERSIONS = {"containerd": "1.6.20~ds1", "engine": "20.10.24+dfsg1", "kernel": "6.1.0-40-amd64",
            "runc": "1.1.5+ds1"}


def test_a_version_a_host_does_not_report_is_null(raw: dict[str, Any], inspect_of: Inspect) -> None:
    raw["hosts"][0]["snapshot"]["versions"]["runc"] = ""
    raw["hosts"][1]["snapshot"]["versions"] = {}
    hosts = inspect_of(raw)["hosts"]
    assert hosts[0]["versions"] == {**VERSIONS, "runc": None}
    assert hosts[1]["versions"] == dict.fromkeys(VERSIONS)


def test_hosts_nodes_and_swarm(doc: dict[str, Any]) -> None:
    assert [list(h.values()) for h in doc["hosts"]] == [
        ["manager", "192.168.1.10", "manager", True, "active", VERSIONS, None],
        ["worker", "192.168.1.11", "worker", True, "active", VERSIONS, None]]
    nodes = [(n["name"], n["address"], n["role"], n["state"], n["leader"]) for n in doc["nodes"]]
    assert nodes == [("manager", "192.168.1.10", "manager", "ready", True),
                     ("worker", "192.168.1.11", "worker", "ready", False)]
    assert doc["swarm"]["managers"] == ["manager"] and doc["swarm"]["workers"] == ["worker"]
    assert doc["swarm"]["leader"] == "manager"
    assert len(doc["swarm"]["cluster_id"]) == 25


def test_swarm_networks_once_local_networks_once_per_host(doc: dict[str, Any]) -> None:
    keys = [(n["host"], n["name"]) for n in doc["networks"]]
    assert len(keys) == len(set(keys))
    swarm = [n["name"] for n in doc["networks"] if n["host"] is None]
    assert swarm == ["ingress", "mymacvlan", "myoverlay", "secure_net"]
    assert all(n["scope"] == "swarm" for n in doc["networks"] if n["host"] is None)
    for host in ("manager", "worker"):
        local = [n["name"] for n in doc["networks"] if n["host"] == host]
        assert local == sorted(local)
        assert {"bridge", "host", "none", "myappnet", "mynetwork", "mymacvlan-config"} <= set(local)
    # swarm first, then the hosts in spec order
    rank = {None: 0, "manager": 1, "worker": 2}
    hosts = [n["host"] for n in doc["networks"]]
    assert hosts == sorted(hosts, key=lambda h: rank[h])


def test_network_fields(doc: dict[str, Any]) -> None:
    nets = {(n["host"], n["name"]): n for n in doc["networks"]}
    secure = nets[(None, "secure_net")]
    assert (secure["driver"], secure["encrypted"], secure["attachable"]) == ("overlay", True, True)
    assert secure["subnet"].endswith("/24") and "/" not in secure["gateway"]
    assert nets[(None, "myoverlay")]["encrypted"] is False
    assert nets[(None, "ingress")]["ingress"] is True
    macvlan = nets[(None, "mymacvlan")]
    assert [macvlan[k] for k in ("driver", "subnet", "gateway", "config_from", "parent")] \
        == ["macvlan", "192.168.1.0/24", "192.168.1.1", "mymacvlan-config", "eth1"]
    assert macvlan["ip_range"] is None
    ranges = {nets[(h, "mymacvlan-config")]["ip_range"] for h in ("manager", "worker")}
    assert len(ranges) == 2 and all(r.startswith("192.168.1.") for r in ranges)
    assert nets[("manager", "mymacvlan-config")]["config_only"] is True
    assert nets[("worker", "host")]["subnet"] is None and nets[("worker", "none")]["driver"] == "null"


def test_services_and_their_tasks(doc: dict[str, Any]) -> None:
    services = {s["name"]: s for s in doc["services"]}
    assert list(services) == sorted(services)
    assert set(services) == {"app", "web", "secure-net-app", "secure-net-web", "mymacvlan-app",
                             "mymacvlan-web"}
    web = services["web"]
    assert (web["mode"], web["replicas"], web["endpoint_mode"], web["networks"], web["vips"]) \
        == ("replicated", 1, "dnsrr", ["myoverlay"], {})
    [task] = web["tasks"]
    assert (task["name"], task["node"], task["state"]) == ("web.1", "worker", "running")
    assert task["container"] == f"web.1.{task['id']}"
    assert task["addresses"]["myoverlay"].startswith("10.0.")
    # a macvlan task's attachment records no address: its container's is used
    [mac] = services["mymacvlan-app"]["tasks"]
    assert mac["addresses"] == {"mymacvlan": "192.168.1.128"}


def test_containers(doc: dict[str, Any]) -> None:
    for host in ("manager", "worker"):
        names = [c["name"] for c in doc["containers"] if c["host"] == host]
        assert names == sorted(names)
        plain = {c["name"]: c for c in doc["containers"] if c["host"] == host and c["task"] is None}
        assert set(plain) == {"app", "db", "web", "web1", "web2", "hostweb", "isolated"}
        assert plain["hostweb"]["addresses"] == {"host": None}
        assert plain["isolated"]["addresses"] == {"none": None}
        assert plain["db"]["service"] is None
    assert [c["host"] for c in doc["containers"]] == sorted(c["host"] for c in doc["containers"])
    tasks = {c["task"]: c for c in doc["containers"] if c["task"]}
    assert tasks["web.1"]["service"] == "web" and tasks["web.1"]["host"] == "worker"
    assert tasks["web.1"]["name"].startswith("web.1.")
    by_task = {t["name"]: t for s in doc["services"] for t in s["tasks"]}
    for name, container in tasks.items():
        assert by_task[name]["container"] == container["name"]
        assert by_task[name]["node"] == container["host"]
        assert by_task[name]["addresses"] == container["addresses"]


def test_no_address_carries_a_prefix_length(doc: dict[str, Any]) -> None:
    found = [a for c in doc["containers"] for a in c["addresses"].values()]
    found += [a for s in doc["services"] for t in s["tasks"] for a in t["addresses"].values()]
    found += [n["address"] for n in doc["nodes"]] + [n["gateway"] for n in doc["networks"]]
    assert found and all(a is None or "/" not in a for a in found)


def test_the_order_of_what_dockerd_lists_does_not_matter(raw: dict[str, Any], doc: dict[str, Any],
                                                        inspect_of: Inspect) -> None:
    rng = random.Random(7)
    for host in raw["hosts"]:
        for key in ("networks", "containers", "services", "tasks", "nodes"):
            rng.shuffle(host["snapshot"][key])
    assert json.dumps(inspect_of(raw)) == json.dumps(doc)


def test_vips_have_their_network_names_and_no_prefix(raw: dict[str, Any], inspect_of: Inspect) -> None:
    manager = raw["hosts"][0]["snapshot"]
    overlay = next(n for n in manager["networks"] if n["Name"] == "myoverlay")
    web = next(s for s in manager["services"] if s["Spec"]["Name"] == "web")
    web["Spec"]["EndpointSpec"] = {"Mode": "vip"}
    web["Endpoint"]["VirtualIPs"] = [{"NetworkID": overlay["Id"], "Addr": "10.0.1.5/24"}]
    svc = next(s for s in inspect_of(raw)["services"] if s["name"] == "web")
    assert (svc["endpoint_mode"], svc["vips"]) == ("vip", {"myoverlay": "10.0.1.5"})


def test_a_global_service_s_task_is_named_by_its_node(raw: dict[str, Any], inspect_of: Inspect) -> None:
    manager = raw["hosts"][0]["snapshot"]
    web = next(s for s in manager["services"] if s["Spec"]["Name"] == "web")
    web["Spec"]["Mode"] = {"Global": {}}
    task = next(t for t in manager["tasks"] if t["ServiceID"] == web["ID"])
    del task["Slot"]
    svc = next(s for s in inspect_of(raw)["services"] if s["name"] == "web")
    assert (svc["mode"], svc["replicas"]) == ("global", None)
    assert svc["tasks"][0]["name"] == f"web.{task['NodeID']}"


def test_a_host_that_does_not_answer_is_listed_and_the_rest_is_read(raw: dict[str, Any],
                                                                   inspect_of: Inspect) -> None:
    raw["hosts"][1].update(snapshot=None, error="worker (192.168.1.11): connection refused")
    doc = inspect_of(raw)
    assert doc["hosts"][1] == {"name": "worker", "address": "192.168.1.11", "role": "worker",
                               "reachable": False, "swarm": None, "versions": None,
                               "error": "worker (192.168.1.11): connection refused"}
    assert {c["host"] for c in doc["containers"]} == {"manager"}
    assert not [n for n in doc["networks"] if n["host"] == "worker"]
    web = next(s for s in doc["services"] if s["name"] == "web")
    # the swarm's record still places the task and gives its overlay address
    assert web["tasks"][0]["node"] == "worker" and web["tasks"][0]["container"] is None
    assert web["tasks"][0]["addresses"]["myoverlay"].startswith("10.0.")
    assert [n["name"] for n in doc["nodes"]] == ["manager", "worker"]


def test_without_a_manager_there_is_no_swarm_part(raw: dict[str, Any], inspect_of: Inspect) -> None:
    raw["hosts"][0].update(snapshot=None, error="manager down")
    doc = inspect_of(raw)
    assert doc["swarm"] == {"cluster_id": None, "managers": [], "workers": [], "leader": None}
    assert doc["nodes"] == [] and doc["services"] == []
    # the worker's own view still holds the swarm networks it has tasks on
    assert {n["name"] for n in doc["networks"] if n["host"] is None} >= {"myoverlay", "secure_net"}
    assert {c["host"] for c in doc["containers"]} == {"worker"}


def test_the_join_tokens_of_a_snapshot_never_reach_the_document(raw: dict[str, Any]) -> None:
    token = "SWMTKN-1-" + "0" * 50 + "-notarealtoken"
    hosts = [HostRead(h["name"], h["address"], h["role"],
                      Snapshot(**h["snapshot"], tokens={"worker": token, "manager": token}))
             for h in raw["hosts"]]
    text = json.dumps(build(raw["lab"], raw["lan"], hosts))
    assert "SWMTKN" not in text and "notarealtoken" not in text


@pytest.mark.parametrize("leak", ["SWMTKN-1-abc", "SWMKEY-1-abc", "[secret]"])
def test_a_document_that_would_show_a_secret_is_refused(raw: dict[str, Any], inspect_of: Inspect,
                                                       leak: str) -> None:
    raw["hosts"][0]["snapshot"]["containers"][0]["Labels"]["com.docker.swarm.service.name"] = leak
    with pytest.raises(ValueError, match="join token or unlock key would appear"):
        inspect_of(raw)


@pytest.mark.parametrize(("name", "task_id", "short"), [
    ("web.1.8d83s8smnolfzrvnx5zwqi2ol", "8d83s8smnolfzrvnx5zwqi2ol", "web.1"),
    ("my.app.12.abc", "abc", "my.app.12"),
    ("web.1", None, "web.1"),
    (None, "abc", None),
])
def test_short_task_names(name: str | None, task_id: str | None, short: str | None) -> None:
    assert short_task(name, task_id) == short


@pytest.mark.parametrize(("address", "expected"), [("10.0.1.2/24", "10.0.1.2"), ("10.0.1.2", "10.0.1.2"),
                                                   ("", None), (None, None)])
def test_bare_addresses(address: str | None, expected: str | None) -> None:
    assert bare(address) == expected
