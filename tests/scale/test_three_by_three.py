"""Beyond two nodes: 3 managers + 3 workers on the one-box hosts, built by the same program.

Runs after the two-host lab is gone (tests/lab tears its lab down at the end of its package).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import testinfra
from tools.stackfile import write_for_hosts_up

from tests.lab.labtools import stop_daemon

pytestmark = pytest.mark.scale

ROOT = Path(__file__).resolve().parents[2]
LAB = Path(os.environ.get("SWARMLAB_LAB_DIR", ROOT / ".lab"))
STACK = "scale"
PY = str(ROOT / ".venv" / "bin" / "python")


def _env() -> dict[str, str]:
    from tests.lab.labtools import lab_env

    return lab_env()


def _pulumi(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(["pulumi", "--cwd", str(ROOT), "--non-interactive", "--stack", STACK, *args],
                          capture_output=True, text=True, env=_env(), check=False, timeout=900)
    if check and proc.returncode != 0:
        raise AssertionError(f"pulumi {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n"
                             f"{proc.stderr}")
    return proc


def _hosts(*args: str) -> None:
    proc = subprocess.run([PY, "-m", "hosts", *args], cwd=ROOT, capture_output=True, text=True,
                          env=_env(), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _write_stack(inventory: list[dict[str, Any]]) -> Path:
    return write_for_hosts_up(STACK, {
        "swarmlab:singleHostDemos": False,
        # One web server pinned to every node, so names resolve across all of them.
        "swarmlab:services": [{"name": f"svc-{h['name']}", "network": "myoverlay", "node": h["name"],
                               "command": ["httpd", "-f", "-p", "80", "-h", "/www"]}
                              for h in inventory],
    })


@pytest.fixture(scope="module")
def swarm6() -> Iterator[dict[str, Any]]:
    if os.geteuid() != 0:
        pytest.skip("the 3+3 lab needs root (network namespaces, dockerd)")
    if os.environ.get("SWARMLAB_BUILD_LAB") != "1":
        pytest.skip("builds its own 3+3 hosts: runs under `make test` (SWARMLAB_BUILD_LAB=1)")
    if Path("/run/netns/manager").exists():
        if os.environ.get("SWARMLAB_LAB_BUILT_HERE") != "1":
            pytest.skip("a lab is up on this machine; the 3+3 test needs the hosts to itself")
        # The two-host lab this session built is done with: take it down first.
        subprocess.run(["pulumi", "--cwd", str(ROOT), "--non-interactive", "--stack", "local",
                        "destroy", "--yes", "--skip-preview"], env=_env(), capture_output=True,
                       check=False)
        _hosts("down", "--quiet")
    stack_file = None
    try:
        _hosts("up", "--managers", "3", "--workers", "3", "--quiet")
        inventory = json.loads((LAB / "inventory.json").read_text())
        stack_file = _write_stack(inventory)
        subprocess.run(["pulumi", "--cwd", str(ROOT), "--non-interactive", "stack", "select",
                        "--create", STACK], env=_env(), check=True, capture_output=True)
        start = time.monotonic()
        _pulumi("up", "--yes", "--skip-preview", "--refresh")
        hosts = {h["name"]: testinfra.get_host(f"ssh://{h['name']}", ssh_config=str(LAB / "ssh_config"))
                 for h in inventory}
        yield {"inventory": inventory, "hosts": hosts, "up_seconds": time.monotonic() - start}
    finally:
        _pulumi("destroy", "--yes", "--skip-preview", check=False)
        subprocess.run(["pulumi", "--cwd", str(ROOT), "--non-interactive", "stack", "rm", "--yes",
                        "--force", STACK], env=_env(), capture_output=True, check=False)
        if stack_file:
            stack_file.unlink(missing_ok=True)
        _hosts("down", "--quiet")


def test_all_six_nodes_are_ready_with_three_managers(swarm6):
    rows = swarm6["hosts"]["manager"].check_output(
        "docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'")
    nodes = {line.split()[0]: line.split()[1:] for line in rows.splitlines()}
    assert len(nodes) == 6 and all(v[0] == "Ready" for v in nodes.values()), nodes
    managers = sorted(v[1] for v in nodes.values() if len(v) > 1)
    assert managers == ["Leader", "Reachable", "Reachable"]


def test_ports_by_role(swarm6):
    for h in swarm6["inventory"]:
        host = swarm6["hosts"][h["name"]]
        assert host.socket(f"tcp://{h['address']}:2377").is_listening == (h["role"] == "manager")
        assert host.socket(f"tcp://{h['address']}:7946").is_listening


def test_every_node_resolves_and_reaches_the_next_nodes_service(swarm6):
    names = [h["name"] for h in swarm6["inventory"]]
    for i, name in enumerate(names):
        host = swarm6["hosts"][name]
        task = host.check_output(f"docker ps -q --filter label=com.docker.swarm.service.name=svc-{name}")
        target = f"svc-{names[(i + 1) % len(names)]}"
        assert " 0% packet loss" in host.check_output(f"docker exec {task} ping -c 1 -W 2 {target}")


def test_one_manager_down_keeps_quorum_two_lose_it_and_the_tool_says_so(swarm6):
    leader = swarm6["hosts"]["manager"]
    stop_daemon("manager3", "dockerd")
    try:
        # 2 of 3 managers: the swarm still takes changes.
        leader.check_output("docker service update --detach --label-add quorum=kept svc-worker")
        stop_daemon("manager2", "dockerd")
        proc = _pulumi("preview", check=False)
        output = proc.stdout + proc.stderr
        assert proc.returncode != 0
        assert "the swarm has lost quorum: raft needs 2 of its 3 managers online" in output, output
        assert "manager2 (192.168.1.11): dockerd does not answer" in output, output
    finally:
        _hosts("up", "--managers", "3", "--workers", "3", "--quiet")
    deadline = time.monotonic() + 90
    while leader.run("docker node ls -q").rc != 0:
        assert time.monotonic() < deadline, "quorum did not come back"
        time.sleep(1)
