"""Your own SSH hosts (the `hosts` stack), proven on two VMs made to look like a user's
machines: the lab key opens a docker-group user without sudo, root has no SSH, sshd listens
on 2222. After their boot nothing of the hosts tool is used: the host keys are collected with
ssh-keyscan (and checked), the stack is written from stacks/Pulumi.hosts.example.yaml, the
lab image is loaded the way the README tells a user without a registry, and the lab is built,
proven and destroyed with make, as that user."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paramiko
import pytest
import yaml

from hosts.vm import access
from hosts.vm.paths import VmLabPaths
from tests.support import builder
from tests.support.damage_lab import make, own_lab
from tests.support.lab import inventory
from tests.support.paths import PY, ROOT
from tools.lab import destroy, labs

pytestmark = [pytest.mark.lab, pytest.mark.engines, pytest.mark.vm]

MACHINES = builder.OWNERS_VMS
LAB = builder.ON_OWN_HOSTS
USER, PORT = "labuser", "2222"
LOGIN = {access.USER_VARIABLE: USER, access.PORT_VARIABLE: PORT}
STACK = ROOT / "stacks" / "Pulumi.hosts.yaml"
EXAMPLE = ROOT / "stacks" / "Pulumi.hosts.example.yaml"
IMAGE = "swarmlab/busybox:lab"


@dataclass(frozen=True)
class Machine:
    name: str
    address: str
    port: int


def _relative(path: Path) -> str:
    return os.path.relpath(path, ROOT)


def _ssh(m: Machine, key: Path, known: Path, command: str, stdin: bytes | None = None
         ) -> subprocess.CompletedProcess[bytes]:
    """ssh as the user types it (the user's own known_hosts, strict)."""
    return subprocess.run(
        ["ssh", "-i", str(key), "-o", "IdentitiesOnly=yes", "-o", f"UserKnownHostsFile={known}",
         "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
         "-o", "BatchMode=yes", "-p", str(m.port), f"{USER}@127.0.0.1", command],
        input=stdin, capture_output=True, timeout=300, check=False)


def _keyscan(machines: list[Machine], vms: VmLabPaths) -> str:
    """Each machine's key as ssh-keyscan sees it, checked against the one it was given (what
    the example asks a user to do: collect, then check)."""
    lines = []
    for m in machines:
        scanned = subprocess.run(["ssh-keyscan", "-t", "ed25519", "-p", str(m.port), "127.0.0.1"],
                                 capture_output=True, text=True, timeout=60, check=True).stdout
        entry = next(line for line in scanned.splitlines() if not line.startswith("#"))
        given = vms.vm(m.name).host_public_key.read_text().split()[:2]
        assert entry.split()[1:3] == given, f"{m.name}: ssh-keyscan found another key"
        lines.append(entry)
    return "\n".join(lines) + "\n"


def _stack(machines: list[Machine], key: Path, known: Path) -> dict:
    """The example with this user's addresses, port, user, key and known_hosts. Its services
    name nginx and alpine from a registry: without one, the stack's default services (the
    same pairs on every network) run on the lab image."""
    stack = yaml.safe_load(EXAMPLE.read_text())
    config = stack["config"]
    by_name = {m.name: m for m in machines}
    for host in config["swarmlab:hosts"]:
        m = by_name[host["name"]]
        host["address"] = m.address
        host["ssh"] = {"host": "127.0.0.1", "port": m.port}
    del config["swarmlab:services"]
    config.update({"swarmlab:sshUser": USER, "swarmlab:sshKeyFile": _relative(key),
                   "swarmlab:sshKnownHostsFile": _relative(known), "swarmlab:image": IMAGE,
                   # Emulated CPUs (as the vm stack says).
                   "swarmlab:readyTimeout": 600, "swarmlab:sshCommandTimeout": 600,
                   "swarmlab:singleHostNodes": ["manager"]})
    return stack


@pytest.fixture
def machines() -> Iterator[tuple[list[Machine], Path]]:
    """Two VMs as their owner runs them; the key that opens them."""
    with own_lab(MACHINES, needs="QEMU's user-space LAN, the VM image build",
                 backend_required=True), builder.environment(LOGIN):
        if STACK.exists():
            pytest.fail(f"{_relative(STACK)} exists (yours?): this test writes its own there; "
                        "move it away for the run")
        builder.restart_hosts(MACHINES)
        found = [Machine(r["name"], r["address"], int(r["ssh"]["port"])) for r in inventory()]
        key = labs.lab_dir(MACHINES.name) / "id_ed25519"
        try:
            yield found, key
        finally:
            STACK.unlink(missing_ok=True)
            with builder.environment(LAB.env):
                if builder.is_built():
                    builder.pulumi().destroy(check=False)
            destroy.remove_stack(LAB.name, forced=True)
            labs.stack_file(LAB.name).unlink(missing_ok=True)
            labs.remove_lab_files(LAB.name)


def _state(machines: list[Machine], key: Path, known: Path, command: str) -> dict[str, str]:
    return {m.name: _ssh(m, key, known, command).stdout.decode().strip() for m in machines}


def test_the_lab_on_hosts_it_did_not_make_as_a_docker_group_user_on_port_2222(machines, capsys):
    found, key = machines
    own_dir = labs.lab_dir(LAB.name)
    own_dir.mkdir(parents=True, exist_ok=True)
    known = own_dir / "my_known_hosts"
    known.write_text(_keyscan(found, VmLabPaths(labs.lab_dir(MACHINES.name))))

    # The hosts as their owner runs them.
    ids = _state(found, key, known, "id -u; id -nG; sudo -n true 2>/dev/null && echo SUDO")
    for name, said in ids.items():
        uid, groups, *sudo = said.splitlines()
        assert uid != "0" and "docker" in groups.split() and not sudo, f"{name}: {said}"
    root = paramiko.SSHClient()
    root.load_host_keys(str(known))
    with pytest.raises(paramiko.AuthenticationException):
        root.connect("127.0.0.1", port=found[0].port, username="root", key_filename=str(key),
                     look_for_keys=False, allow_agent=False, timeout=30)
    root.close()

    STACK.write_text(yaml.safe_dump(_stack(found, key, known), sort_keys=False))

    # No image on the hosts and no registry: refused before anything changes.
    refused = make("up", "STACK=hosts", check=False, test_lab=LAB, timeout=1200)
    said = refused.stdout + refused.stderr
    assert refused.returncode != 0, said
    for m in found:
        assert f"{m.name} ({m.address}): image '{IMAGE}' is not on this host" in said, said
    assert set(_state(found, key, known, "docker info --format '{{.Swarm.LocalNodeState}}'"
                      ).values()) == {"inactive"}

    # The README's way without a registry.
    archive = own_dir / "swarmlab-busybox.tar"
    subprocess.run([str(PY), "-m", "hosts", "image", str(archive)], cwd=ROOT, check=True,
                   capture_output=True, timeout=120)
    for m in found:
        loaded = _ssh(m, key, known, "docker load", stdin=archive.read_bytes())
        assert loaded.returncode == 0, loaded.stderr.decode()

    took = {}
    for verb in ("up", "validate", "destroy"):
        start = time.monotonic()
        done = make(verb, *(["STACK=hosts"] if verb == "up" else []), test_lab=LAB, timeout=1800)
        took[verb] = time.monotonic() - start
        out = done.stdout + done.stderr
        if verb == "validate":
            summary = re.search(r"\d+ passed[^\n]*", out)
            assert summary and not re.search(r"\b[1-9][0-9]* failed", out), out
    assert "is gone" in out and "kept what opens your hosts" in out, out
    assert known.exists() and key.exists()
    with capsys.disabled():
        print(f"\n  as {USER} on port {PORT}: " + ", ".join(f"make {v} {t:.0f} s"
                                                          for v, t in took.items())
              + f"; validate: {summary[0]}")
    left = _state(found, key, known, "docker info --format '{{.Swarm.LocalNodeState}}'; "
                  "docker ps -aq | wc -l")
    assert set(left.values()) == {"inactive\n0"}, left
