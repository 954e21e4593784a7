"""Beyond two nodes: 3 managers + 3 workers on the one-box hosts (stacks/Pulumi.scale.yaml),
built by the same program, on a lab of the suite's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import builder
from tests.support.lab import Lab, stop_daemon

pytestmark = [pytest.mark.lab, pytest.mark.scale]


@pytest.fixture(scope="module")
def swarm6() -> Iterator[Lab]:
    with builder.lab_for_session(builder.SCALE, require_own=True) as running:
        yield running


def test_all_six_nodes_are_ready_with_three_managers(swarm6):
    rows = swarm6.host("manager").check_output(
        "docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'")
    nodes = {line.split()[0]: line.split()[1:] for line in rows.splitlines()}
    assert len(nodes) == 6 and all(v[0] == "Ready" for v in nodes.values()), nodes
    managers = sorted(v[1] for v in nodes.values() if len(v) > 1)
    assert managers == ["Leader", "Reachable", "Reachable"]


def test_ports_by_role(swarm6):
    for h in swarm6.inventory:
        host = swarm6.host(h["name"])
        assert host.socket(f"tcp://{h['address']}:2377").is_listening == (h["role"] == "manager")
        assert host.socket(f"tcp://{h['address']}:7946").is_listening


def test_every_node_resolves_and_reaches_the_next_nodes_service(swarm6):
    names = [h["name"] for h in swarm6.inventory]
    for i, name in enumerate(names):
        host = swarm6.host(name)
        task = host.check_output(f"docker ps -q --filter label=com.docker.swarm.service.name=svc-{name}")
        target = f"svc-{names[(i + 1) % len(names)]}"
        assert " 0% packet loss" in host.check_output(f"docker exec {task} ping -c 1 -W 2 {target}")


def test_one_manager_down_keeps_quorum_two_lose_it_and_the_tool_says_so(swarm6):
    leader = swarm6.host("manager")
    stop_daemon("manager3", "dockerd")
    try:
        # 2 of 3 managers: the swarm still takes changes.
        leader.check_output("docker service update --detach --label-add quorum=kept svc-worker")
        stop_daemon("manager2", "dockerd")
        proc = builder.pulumi()("preview", check=False)
        output = proc.stdout + proc.stderr
        assert proc.returncode != 0
        assert "the swarm has lost quorum: raft needs 2 of its 3 managers online" in output, output
        assert (f"manager2 ({swarm6.address('manager2')}): dockerd does not answer"
                in output), output
    finally:
        builder.restart_hosts(builder.SCALE)
    leader.check_output("timeout 90 sh -c 'until docker node ls -q >/dev/null 2>&1; do sleep 1; "
                        "done'")


def test_pulumi_destroy_takes_the_three_managers_apart(swarm6):
    """Last in this module: it destroys the lab the tests above use. Two managers leaving at
    once with --force took the raft quorum with them, so the leader could remove no node
    and `pulumi destroy` failed (`make destroy` then took the hosts down without it); each
    manager is now demoted through the leader before it leaves."""
    builder.pulumi().destroy()
    for h in swarm6.inventory:
        state = swarm6.host(h["name"]).check_output(
            "docker info --format '{{.Swarm.LocalNodeState}}'")
        assert state == "inactive", (h["name"], state)
