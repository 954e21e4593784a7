"""`make status`'s host table for each backend: what says a host is alive, its swarm state,
and what it runs (engine, containerd, runc, kernel)."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from hosts import backends, inventory
from hosts.onebox import status
from hosts.paths import LabPaths

vm_status = importlib.import_module("hosts.vm.status")  # hosts.vm exports its function `status`

RUNS = {"engine": "28.5.2+dfsg4", "containerd": "2.1.9+ds1", "runc": "1.1.5", "kernel": "6.1.0"}


def test_a_one_box_host_shows_its_daemons_and_what_it_runs():
    text = status.render([{"name": "manager", "address": "192.168.1.10", "role": "manager",
                           "up": True, "dockerd_pid": 41, "sshd_pid": 42, "swarm": "active",
                           "versions": RUNS},
                          {"name": "worker", "address": "192.168.1.11", "role": "worker",
                           "up": False, "dockerd_pid": None, "sshd_pid": None, "swarm": "down",
                           "versions": {}}])
    assert text.splitlines()[0].split() == ["NAME", "ADDRESS", "ROLE", "DOCKERD", "SSHD", "SWARM",
                                            "ENGINE", "CONTAINERD", "RUNC", "KERNEL"]
    assert text.splitlines()[2].split() == ["manager", "192.168.1.10", "manager", "41", "42",
                                            "active", "28.5.2+dfsg4", "2.1.9+ds1", "1.1.5", "6.1.0"]
    assert text.splitlines()[3].split() == ["worker", "192.168.1.11", "worker", "down", "down",
                                            "down", "-", "-", "-", "-"]


def test_a_vm_shows_qemu_its_guest_and_what_it_runs():
    text = status.render([{"name": "manager", "address": "192.168.1.10", "role": "manager",
                           "backend": "vm", "up": True, "qemu_pid": 7, "guest": "running",
                           "ssh_port": 2222, "swarm": "active", "versions": RUNS}],
                         backends.BACKENDS["vm"].daemons)
    assert re.split(r"  +", text.splitlines()[0])[3:7] == ["QEMU", "GUEST", "SSH PORT", "SWARM"]
    assert text.splitlines()[2].split() == ["manager", "192.168.1.10", "manager", "7", "running",
                                            "2222", "active", "28.5.2+dfsg4", "2.1.9+ds1", "1.1.5",
                                            "6.1.0"]


class Guest:
    def __init__(self, code: int, out: str) -> None:
        self.code, self.out, self.commands = code, out, []

    def connect(self, lab: LabPaths, port: int, timeout: float) -> Guest:
        return self

    def run(self, client: Guest, command: str, timeout: float) -> tuple[int, str, str]:
        self.commands.append(command)
        return self.code, self.out, ""

    def close(self) -> None:
        pass


SERVER = {"Version": "20.10.24+dfsg1", "KernelVersion": "6.1.0-40-amd64",
          "Components": [{"Name": "Engine", "Version": "20.10.24+dfsg1"},
                         {"Name": "containerd", "Version": "1.6.20~ds1"},
                         {"Name": "runc", "Version": "1.1.5+ds1"}]}


@pytest.mark.parametrize(("code", "out", "seen"), [
    (0, f"active\n{json.dumps(SERVER)}\n", ("active", {
        "engine": "20.10.24+dfsg1", "containerd": "1.6.20~ds1", "runc": "1.1.5+ds1",
        "kernel": "6.1.0-40-amd64"})),
    (0, "locked\nnot json\n", ("locked", {})),
    (0, "active\nnull\n", ("active", {})),
    (1, "", ("not answering", {})),
])
def test_a_guest_s_swarm_state_and_versions_come_in_one_command(monkeypatch, tmp_path: Path,
                                                               code: int, out: str,
                                                               seen: tuple[str, dict[str, Any]]):
    guest = Guest(code, out)
    monkeypatch.setattr(vm_status.remote, "connect", guest.connect)
    monkeypatch.setattr(vm_status.remote, "run", guest.run)
    assert vm_status._guest_docker(LabPaths(tmp_path), 2222) == seen
    assert guest.commands == [vm_status.GUEST_DOCKER]
    assert vm_status._guest_docker(LabPaths(tmp_path), None) == ("down", {})


@pytest.mark.parametrize(("pings", "seen"), [(True, "busy (its swarm does not answer)"),
                                             (False, "not answering")])
def test_a_dockerd_whose_info_waits_on_its_swarm_is_busy_not_dead(monkeypatch, tmp_path: Path,
                                                                  pings: bool, seen: str):
    def slow_info(sock: Path, timeout: float) -> dict[str, Any]:
        raise TimeoutError("timed out")
    monkeypatch.setattr(status.dockerd, "running", lambda hp: 4242)
    monkeypatch.setattr(status.dockerapi, "info", slow_info)
    monkeypatch.setattr(status.dockerapi, "answers", lambda sock: pings)
    monkeypatch.setattr(status.dockerapi, "version", lambda sock, timeout: SERVER)
    monkeypatch.setattr(status.holder, "running", lambda netns, hp: 1)
    monkeypatch.setattr(status.sshd, "running", lambda hp: 7)
    rec = inventory.HostRecord("manager", "192.168.1.10", "manager", "swarmlab-manager", 4242, 7,
                               "", "")
    found = status.host_status(LabPaths(tmp_path), rec)
    assert (found["swarm"], found["up"], found["versions"]["engine"]) == (seen, True,
                                                                         "20.10.24+dfsg1")
