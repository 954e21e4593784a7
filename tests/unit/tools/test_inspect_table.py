"""render_table: the inspect document as plain-text tables (pure)."""

from __future__ import annotations

import copy
from typing import Any

from tools.lab.inspect import render_table


def sections(text: str) -> list[list[str]]:
    return [block.splitlines() for block in text.split("\n\n")]


def row(block: list[str], *words: str) -> str:
    """The one row of a table holding every word, each as a whole word."""
    found = [line for line in block if all(w in line.split() for w in words)]
    assert len(found) == 1, (words, found)
    return found[0]


def test_heading_and_four_tables(doc: dict[str, Any]) -> None:
    heading, hosts, networks, services, containers = sections(render_table(doc))
    assert heading == [f"Lab swarmlab (backend onebox, stack local) · LAN 192.168.1.0/24 gw 192.168.1.1 · "
                       f"swarm {doc['swarm']['cluster_id'][:12]}, leader manager"]
    assert hosts[0].split() == ["HOST", "ADDRESS", "ROLE", "SWARM", "NODE", "AVAILABILITY", "LEADER",
                                "ENGINE", "CONTAINERD", "RUNC", "KERNEL"]
    assert networks[0].split() == ["NETWORK", "HOST", "DRIVER", "SCOPE", "SUBNET", "GATEWAY", "FLAGS"]
    assert services[0].split()[:3] == ["SERVICE", "/", "TASK"]
    assert containers[0].split() == ["HOST", "CONTAINER", "STATE", "SERVICE", "ADDRESSES"]
    assert len(hosts) == 1 + len(doc["hosts"])
    assert len(networks) == 1 + len(doc["networks"])
    assert len(services) == 1 + len(doc["services"]) + sum(len(s["tasks"]) for s in doc["services"])
    assert len(containers) == 1 + len(doc["containers"])


def test_rows_say_what_the_document_holds(doc: dict[str, Any]) -> None:
    _, hosts, networks, services, containers = sections(render_table(doc))
    assert row(hosts, "manager").split() == ["manager", "192.168.1.10", "manager", "active", "ready",
                                             "active", "yes", "20.10.24+dfsg1", "1.6.20~ds1",
                                             "1.1.5+ds1", "6.1.0-40-amd64"]
    doc["hosts"][1].update(reachable=False, swarm=None, versions=None, error="refused")
    doc["nodes"][1]["engine_version"] = "26.1.5"
    assert row(sections(render_table(doc))[1], "worker").split()[-4:] == ["26.1.5", "-", "-", "-"]
    secure = row(networks, "secure_net").split()
    assert secure[:4] == ["secure_net", "(swarm)", "overlay", "swarm"] and "encrypted" in secure
    assert "config-from=mymacvlan-config" in row(networks, "mymacvlan", "(swarm)")
    assert row(networks, "host", "worker").split() == ["host", "worker", "host", "local", "-", "-"]
    web = next(s for s in doc["services"] if s["name"] == "web")
    assert row(services, "web").split() == ["web", "1/1", "dnsrr", "myoverlay", "vip", "-"]
    task_line = next(line for line in services if line.startswith("  web.1 "))
    address = web["tasks"][0]["addresses"]["myoverlay"]
    assert task_line.split() == ["web.1", "running", "worker", f"myoverlay={address}"]
    assert row(containers, "manager", "hostweb").split() == ["manager", "hostweb", "running", "-", "host=-"]
    db = next(c for c in doc["containers"] if c["host"] == "worker" and c["name"] == "db")
    assert row(containers, "worker", "db").split()[-1] == f"myappnet={db['addresses']['myappnet']}"
    # tasks' containers show their task name, not the long container name
    assert not any(c["name"] in "\n".join(containers) for c in doc["containers"] if c["task"])


def test_an_unreachable_host_and_no_manager(doc: dict[str, Any]) -> None:
    doc = copy.deepcopy(doc)
    doc["hosts"][1].update(reachable=False, swarm=None, error="worker (192.168.1.11): connection refused")
    doc["swarm"] = {"cluster_id": None, "managers": [], "workers": [], "leader": None}
    doc["nodes"] = []
    heading, hosts, *_ = sections(render_table(doc))
    assert heading[0].endswith("· no swarm manager answered")
    assert "UNREACHABLE: worker (192.168.1.11): connection refused" in row(hosts, "worker")


def test_the_same_document_gives_the_same_text(doc: dict[str, Any]) -> None:
    assert render_table(doc) == render_table(copy.deepcopy(doc))


def test_the_stack_s_links_follow_the_heading(doc: dict[str, Any]) -> None:
    doc["lab"]["links"] = {"worker": {"delay": "100ms", "loss": "5%"}, "manager": {"rate": "1gbit"}}
    heading = sections(render_table(doc))[0]
    assert heading[1] == "links (stack): worker (delay 100ms loss 5%), manager (rate 1gbit)"
