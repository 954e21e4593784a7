"""The hosts tool for real: up, idempotent up, ssh, docker, the bridge, the guard,
status, doctor, repair, and down leaving nothing (also after a crash).

Runs in file order on one lab (module fixture `live_lab`); the last tests
take it down themselves and check that nothing is left.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import paramiko
import pytest

from hosts import image, procs
from hosts.onebox import dockerapi, doctor, mounts
from hosts.paths import LabPaths
from modules.docker import swarm
from modules.ssh import Target
from tests.support.hoststool_lab import HOSTS, NET, LiveLab, hosts_env, run_hosts

pytestmark = pytest.mark.hosts


def _inventory(lab: LiveLab) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((lab.dir / "inventory.json").read_text())
    return data


def _lab_pids(lab_dir: Path) -> dict[str, int]:
    """Every pid the lab's pidfiles name (holder, dockerd, containerd, sshd)."""
    found = {}
    for host_dir in sorted((lab_dir / "hosts").glob("*")):
        for pidfile in ("holder.pid", "dockerd.pid", "sshd.pid", "containerd.pid"):
            pid = procs.read_pidfile(host_dir / pidfile)
            if pid is not None:
                found[f"{host_dir.name}/{pidfile}"] = pid
    return found


def _snapshot(lab: LiveLab) -> dict[str, Any]:
    files = ["inventory.json", "ssh_config", "known_hosts", "id_ed25519.pub"]
    files += [f"hosts/{h}/{f}" for h in HOSTS for f in ("daemon.json", "sshd_config")]
    return {
        "pids": _lab_pids(lab.dir),
        "files": {f: ((lab.dir / f).read_text(), (lab.dir / f).stat().st_mtime_ns) for f in files},
        "images": {h: dockerapi.image_id(lab.dir / "hosts" / h / "docker.sock", image.IMAGE) for h in HOSTS},
    }


def _assert_nothing_left(lab_dir: Path, pids: dict[str, int]) -> None:
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert not {line.split()[0] for line in netns.splitlines() if line.strip()} & {
        NET.netns(h) for h in HOSTS}
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    assert f"{NET.tag}-" not in links
    assert mounts.under(lab_dir / "hosts") == []
    alive = {name: pid for name, pid in pids.items() if procs.alive(pid)}
    assert alive == {}, f"still running: {alive}"
    for gone in ("hosts", "inventory.json", "ssh_config", "known_hosts"):
        assert not (lab_dir / gone).exists(), gone


def test_up_builds_the_lab(live_lab: LiveLab) -> None:
    out = live_lab.up.stdout
    assert live_lab.up.returncode == 0, f"{out}\n{live_lab.up.stderr}"
    assert "[hosts] manager: starting dockerd ... ok" in out
    assert "[hosts] worker: starting dockerd ... ok" in out
    print(f"cold up: {live_lab.up_seconds:.1f}s")


def test_inventory_lists_both_hosts(live_lab: LiveLab) -> None:
    inv = _inventory(live_lab)
    assert [(h["name"], h["address"], h["role"], h["netns"]) for h in inv] == [
        ("manager", HOSTS["manager"], "manager", NET.netns("manager")),
        ("worker", HOSTS["worker"], "worker", NET.netns("worker")),
    ]
    for h in inv:
        assert set(h) == {
            "name", "address", "role", "netns", "dockerd_pid", "sshd_pid",
            "docker_socket", "data_root",
        }  # fmt: skip
        assert procs.alive(h["dockerd_pid"]) and procs.alive(h["sshd_pid"])
        assert Path(h["docker_socket"]).is_socket()
        assert Path(h["data_root"]).is_relative_to(live_lab.dir)


def test_second_up_changes_nothing_and_is_fast(live_lab: LiveLab) -> None:
    before = _snapshot(live_lab)
    start = time.monotonic()
    again = live_lab.hosts("up")
    elapsed = time.monotonic() - start
    assert again.returncode == 0, again.stdout + again.stderr
    assert "[hosts] changes: none" in again.stdout
    assert _snapshot(live_lab) == before
    print(f"idempotent up: {elapsed:.2f}s")
    assert elapsed < 2.0


@pytest.mark.parametrize("host", list(HOSTS))
def test_ssh_reaches_the_hosts_docker(live_lab: LiveLab, host: str) -> None:
    name = live_lab.ssh(host, "docker info --format '{{.Name}}'")
    assert name.returncode == 0, name.stderr
    assert name.stdout.strip() == host
    hostname = live_lab.ssh(host, "hostname; echo $DOCKER_HOST")
    assert hostname.stdout.split() == [host, f"unix://{live_lab.dir}/hosts/{host}/docker.sock"]


def test_ssh_commands_run_in_a_clean_shell(live_lab: LiveLab) -> None:
    # A lab host is a fresh machine: bash must not run this box's ~/.bashrc for an ssh
    # command (it cost 130 ms a command here). sshd sets SHLVL=1, which is what stops bash
    # from reading it; bash then counts itself, so the command sees 2 (without it, 1).
    shell = live_lab.ssh("worker", "echo $SHLVL")
    assert shell.stdout.strip() == "2", shell.stdout + shell.stderr


def test_paramiko_verifies_the_host_key_by_address(live_lab: LiveLab) -> None:
    client = paramiko.SSHClient()
    client.load_host_keys(str(live_lab.dir / "known_hosts"))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(
        HOSTS["worker"],
        username="root",
        key_filename=str(live_lab.dir / "id_ed25519"),
        look_for_keys=False,
        allow_agent=False,
        timeout=5,
        banner_timeout=5,
        auth_timeout=5,
    )
    try:
        _, stdout, _ = client.exec_command("hostname", timeout=10)
        assert stdout.read().decode().strip() == "worker"
    finally:
        client.close()


def test_every_host_has_the_same_lab_image(live_lab: LiveLab) -> None:
    expected = image.build().image_id
    for h in HOSTS:
        sock = live_lab.dir / "hosts" / h / "docker.sock"
        assert dockerapi.image_id(sock, image.IMAGE) == expected, h


def test_a_sleeping_container_stops_at_once(live_lab: LiveLab) -> None:
    run = live_lab.ssh("worker", f"docker run -d {image.IMAGE} sleep 600")
    assert run.returncode == 0, run.stderr
    cid = run.stdout.strip()
    start = time.monotonic()
    stop = live_lab.ssh("worker", f"docker stop {cid} && docker rm {cid}")
    assert stop.returncode == 0, stop.stderr
    assert time.monotonic() - start < 5.0


def test_hosts_reach_each_other_over_the_bridge(live_lab: LiveLab) -> None:
    ping = subprocess.run(
        ["nsenter", f"--net=/run/netns/{NET.netns('manager')}", "/bin/busybox", "ping", "-c", "2",
         "-W", "2",
         HOSTS["worker"]],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert ping.returncode == 0, ping.stdout + ping.stderr
    assert "2 packets received" in ping.stdout


@pytest.mark.parametrize("address", ["10.1.2.3", "172.20.0.1", "192.168.7.7"])
def test_the_guard_keeps_lab_ranges_from_leaving(live_lab: LiveLab, address: str) -> None:
    # `ip route get` asks the kernel's routing table: no packet is sent.
    got = subprocess.run(["ip", "route", "get", address], capture_output=True, text=True)
    assert got.returncode != 0
    assert "unreachable" in got.stderr.lower() or "no route to host" in got.stderr.lower()
    assert Path("/proc/sys/net/ipv4/ip_forward").read_text().strip() == "0"


def test_status_shows_both_hosts(live_lab: LiveLab) -> None:
    got = live_lab.hosts("status", "--json")
    assert got.returncode == 0, got.stdout + got.stderr
    entries = json.loads(got.stdout)
    inv = {h["name"]: h for h in _inventory(live_lab)}
    assert [e["name"] for e in entries] == list(HOSTS)
    for e in entries:
        assert e["up"] is True
        assert e["dockerd_pid"] == inv[e["name"]]["dockerd_pid"]
        assert e["sshd_pid"] == inv[e["name"]]["sshd_pid"]
        assert e["swarm"] == "inactive"
    table = live_lab.hosts("status").stdout
    assert f"manager  {HOSTS['manager']}" in table and f"worker   {HOSTS['worker']}" in table


def test_doctor_finds_what_the_lab_needs(live_lab: LiveLab) -> None:
    for h in HOSTS:
        result = doctor.check_host(h, LabPaths(live_lab.dir))
        checks = result["checks"]
        assert result["up"] is True
        for needed in ("vxlan", "macvlan", "veth", "bridge", "docker", "ports"):
            assert checks[needed]["ok"] is True, (needed, checks[needed])
            assert checks[needed]["required"] is True
        # ESP and IP_VS are optional: present, nothing to say; missing, a warning naming
        # what the lab cannot show without them.
        for optional, impact in (("esp", "encrypted overlay traffic will not flow"),
                                 ("ip_vs", "service VIPs will not answer: use endpoint_mode dnsrr")):
            assert checks[optional]["required"] is False
            assert isinstance(checks[optional]["ok"], bool)
            assert checks[optional]["impact"] == ("" if checks[optional]["ok"] else impact)
        assert result["ok"] is True
    cli = live_lab.hosts("doctor", "--json")
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert [r["host"] for r in json.loads(cli.stdout)][1:] == list(HOSTS)


def test_a_swarm_forms_with_the_real_hostnames(live_lab: LiveLab) -> None:
    init = live_lab.ssh("manager", f"docker swarm init --advertise-addr {HOSTS['manager']}")
    assert init.returncode == 0, init.stderr
    token = live_lab.ssh("manager", "docker swarm join-token -q worker").stdout.strip()
    # The token goes to dockerd in the request body, never on a command line.
    worker = Target("worker", HOSTS["worker"], "root", str(live_lab.dir / "id_ed25519"),
                    str(live_lab.dir / "known_hosts"))
    swarm.join(worker, token, HOSTS["worker"], HOSTS["manager"])
    del token
    nodes = live_lab.ssh("manager", "docker node ls --format '{{.Hostname}} {{.Status}}'")
    assert sorted(nodes.stdout.split("\n")[:2]) == ["manager Ready", "worker Ready"]
    states = {e["name"]: e["swarm"] for e in json.loads(live_lab.hosts("status", "--json").stdout)}
    assert states == {"manager": "active", "worker": "active"}


def test_each_lab_dockerd_uses_its_hosts_own_containerd(live_lab: LiveLab,
                                                         system_containerd: Path) -> None:
    """The machine's containerd (here one this module started on the default socket) holds
    none of the lab's containers; each host's containerd holds that host's."""
    up = live_lab.hosts("up")
    assert up.returncode == 0, up.stdout + up.stderr
    cid = live_lab.ssh("worker", f"docker run -d {image.IMAGE} sleep 600").stdout.strip()
    try:
        def containers(socket: Path) -> set[str]:
            out = subprocess.run(["ctr", "--address", str(socket), "--namespace", "moby",
                                  "containers", "list", "--quiet"], capture_output=True,
                                 text=True, check=True).stdout
            return set(out.split())

        for host in HOSTS:
            config = json.loads((live_lab.dir / "hosts" / host / "daemon.json").read_text())
            assert config["containerd"] == str(live_lab.dir / "hosts" / host / "containerd.sock")
        assert cid in containers(live_lab.dir / "hosts" / "worker" / "containerd.sock")
        assert cid not in containers(live_lab.dir / "hosts" / "manager" / "containerd.sock")
        assert containers(system_containerd) == set()
    finally:
        live_lab.ssh("worker", f"docker rm -f {cid}")


def test_up_repairs_a_killed_dockerd(live_lab: LiveLab) -> None:
    old = {h["name"]: h["dockerd_pid"] for h in _inventory(live_lab)}
    os.kill(old["worker"], signal.SIGKILL)  # a pid this lab started (its pidfile's)
    assert procs.wait_gone([old["worker"]], 5.0) == []
    fixed = live_lab.hosts("up")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "worker: starting dockerd ... ok" in fixed.stdout
    new = {h["name"]: h["dockerd_pid"] for h in _inventory(live_lab)}
    assert new["manager"] == old["manager"]
    assert new["worker"] != old["worker"] and procs.alive(new["worker"])
    assert live_lab.ssh("worker", "docker info --format '{{.Name}}'").stdout.strip() == "worker"


def test_down_leaves_nothing(live_lab: LiveLab) -> None:
    pids = _lab_pids(live_lab.dir)
    assert len(pids) == 8  # holder, containerd, dockerd, sshd on each host
    start = time.monotonic()
    down = live_lab.hosts("down")
    print(f"down (swarm active): {time.monotonic() - start:.1f}s")
    assert down.returncode == 0, down.stdout + down.stderr
    _assert_nothing_left(live_lab.dir, pids)
    # The guard and the lab key pair stay.
    routes = subprocess.run(["ip", "route"], capture_output=True, text=True).stdout
    for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"):
        assert f"unreachable {net}" in routes
    assert (live_lab.dir / "id_ed25519").exists()


def test_down_after_a_crash_leaves_nothing(live_lab: LiveLab) -> None:
    up = live_lab.hosts("up")
    assert up.returncode == 0, up.stdout + up.stderr
    assert live_lab.ssh("worker", f"docker run -d {image.IMAGE} sleep 600").returncode == 0
    pids = _lab_pids(live_lab.dir)
    # A crash: every daemon killed outright, the inventory lost. Containers,
    # shims and mounts stay behind.
    for name, pid in pids.items():
        if not name.endswith("sshd.pid"):
            os.kill(pid, signal.SIGKILL)
    (live_lab.dir / "inventory.json").unlink()
    down = live_lab.hosts("down")
    assert down.returncode == 0, down.stdout + down.stderr
    _assert_nothing_left(live_lab.dir, pids)


def test_a_failing_step_is_named(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("up checks for root before anything else")
    too_long = tmp_path / ("x" * 80)
    got = run_hosts(hosts_env(too_long), "up")
    assert got.returncode == 1
    assert "preflight" in got.stderr and "SWARMLAB_LAB_DIR" in got.stderr
    assert not too_long.exists()

