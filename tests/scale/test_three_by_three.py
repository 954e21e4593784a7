"""Beyond two nodes: 3 managers + 3 workers on the one-box hosts (stacks/Pulumi.scale.yaml),
built by the same program, on a lab of the suite's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hosts.onebox import dockerapi
from hosts.paths import LabPaths
from tests.support import builder
from tests.support.lab import Lab, daemon_pid, stop_daemon
from tests.support.live import swarm_states, until
from tests.support.paths import lab_dir

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
    wait_whole(swarm6)


def test_hosts_up_leaves_a_leader_alone_while_its_info_waits_on_raft(swarm6):
    """For a while after a swarm loses quorum, the dockerd of its remaining manager (it led
    the swarm as built) takes up to 20 s to answer /info: raft is stepping it down. `hosts up`
    took that for a dead daemon and restarted it, and a restarted manager whose /info waited
    failed the whole up (CI, "manager3: starting dockerd: TimeoutError"): the tool now judges
    a daemon by its namespaces and /_ping."""
    leader_dockerd = daemon_pid("manager", "dockerd")
    sock = LabPaths(lab_dir()).host("manager").docker_socket
    stop_daemon("manager3", "dockerd")
    stop_daemon("manager2", "dockerd")
    try:
        until("the first manager's /info waiting on raft after the quorum is lost",
              lambda: info_waits(sock), 90)
    finally:
        builder.restart_hosts(builder.SCALE)
    assert daemon_pid("manager", "dockerd") == leader_dockerd
    wait_whole(swarm6)


WHOLE = ["Ready", "Ready", "Ready", "Ready Leader", "Ready Reachable", "Ready Reachable"]


def wait_whole(lab: Lab, within: float = 120) -> None:
    """Until the restarted managers are back in: a leader and every node Ready (one command on
    the manager), then every dockerd active in its swarm (a manager's dockerd answers while it
    still reconnects: "pending"). The tests after this one start from the lab as it was built."""
    def rows() -> list[str]:
        out = lab.host("manager").run("docker node ls --format '{{.Status}} {{.ManagerStatus}}'")
        return sorted(line.strip() for line in out.stdout.splitlines() if line.strip())
    until(f"a leader and every node Ready ({WHOLE})", lambda: rows() == WHOLE, within)
    until("every dockerd active in the swarm",
          lambda: set(swarm_states(lab).values()) == {"active"}, within)


def info_waits(sock: Path) -> bool:
    """Whether /info takes longer than 1 s to answer."""
    try:
        dockerapi.info(sock, timeout=1.0)
    except TimeoutError:
        return True
    return False


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
