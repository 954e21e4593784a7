"""`make destroy` finishes from any state and leaves nothing of the lab (no namespace, link,
process, mount, state or working stack); where the damage can be repaired, `make hosts` and a
plain `pulumi up` return a lab on which `make validate` passes.

Each test builds the suite's damage lab (builder.DAMAGE), breaks it one way, and acts through
make, as a user would."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hosts.paths import LabPaths
from tests.support import builder
from tests.support.env import lab_env
from tests.support.paths import ROOT
from tools.lab import destroy, labs

pytestmark = [pytest.mark.lab, pytest.mark.teardown]

LAB = builder.DAMAGE
TAG = LAB.name


@pytest.fixture(autouse=True)
def _own_lab() -> Iterator[None]:
    if os.geteuid() != 0:
        pytest.skip("damage tests need root (network namespaces, dockerd)")
    if os.environ.get("SWARMLAB_BUILD_LAB") != "1":
        pytest.skip("these tests break and destroy labs: they run only under make test")
    with builder.environment(LAB.env):
        try:
            yield
        finally:
            builder.teardown()
            destroy.remove_stack(LAB.name, forced=True)
            labs.stack_file(LAB.name).unlink(missing_ok=True)


def make(*args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in lab_env(LAB.name).items() if k != "SWARMLAB_BUILD_LAB"}
    proc = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT), *args,
                           f"LAB={LAB.name}"], capture_output=True, text=True, env=env,
                          timeout=timeout, stdin=subprocess.DEVNULL, check=False)
    if check:
        assert proc.returncode == 0, f"make {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def lab_dir() -> Path:
    return labs.lab_dir(LAB.name)


def pid_of(host: str, daemon: str) -> int:
    return int((lab_dir() / "hosts" / host / f"{daemon}.pid").read_text().split()[0])


def what_is_left() -> list[str]:
    """Everything of the lab still on the machine."""
    left = [f"namespace {n}" for n in os.listdir("/run/netns")
            if n.startswith(f"{TAG}-")] if os.path.isdir("/run/netns") else []
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    left += [f"link {line.split(':')[1].strip()}" for line in links.splitlines()
             if line.split(":")[1].strip().startswith(f"{TAG}-")]
    marker = str(lab_dir())
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmdline:
            left.append(f"process {pid}: {cmdline[:120]}")
    left += [f"mount {line.split()[1]}" for line in Path("/proc/mounts").read_text().splitlines()
             if marker in line]
    left += [f"state {p}" for p in destroy.state_files(LAB.name)]
    if labs.stack_file(LAB.name).exists():
        left.append(f"working stack {labs.stack_file(LAB.name)}")
    if LabPaths(lab_dir()).net_file.exists() or LabPaths(lab_dir()).inventory.exists():
        left.append(f"host records in {lab_dir()}")
    return left


def destroyed_leaving_nothing() -> str:
    proc = make("destroy", check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert what_is_left() == [], output
    assert f"lab {LAB.name} is gone" in output
    return output


def delete_bridge() -> None:
    subprocess.run(["ip", "link", "del", f"{TAG}-br0"], check=True)


def delete_worker_namespace() -> None:
    subprocess.run(["ip", "netns", "del", f"{TAG}-worker"], check=True)


def kill_worker_dockerd() -> None:
    os.kill(pid_of("worker", "dockerd"), signal.SIGKILL)


def remove_state_file() -> None:
    for path in destroy.state_files(LAB.name):
        if path.name == f"{LAB.name}.json":
            path.unlink()


DAMAGE: dict[str, Callable[[], None]] = {
    "bridge deleted": delete_bridge,
    "a host's namespace deleted": delete_worker_namespace,
    "a host's dockerd killed": kill_worker_dockerd,
    "the state file removed": remove_state_file,
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_destroy_after_damage_leaves_nothing(damage):
    builder.build(LAB)
    DAMAGE[damage]()
    output = destroyed_leaving_nothing()
    if damage == "bridge deleted":
        assert "no answer from manager" in output and "taking lab tdm's hosts down" in output


def test_destroy_after_make_lab_was_interrupted_halfway_through_pulumi_up():
    builder.restart_hosts(LAB)
    env = {k: v for k, v in lab_env(LAB.name).items() if k != "SWARMLAB_BUILD_LAB"}
    proc = subprocess.Popen(["make", "-s", "-C", str(ROOT), "lab", f"LAB={LAB.name}",
                             f"STACK={LAB.stack}"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    assert proc.stdout is not None
    for line in proc.stdout:  # halfway: once Pulumi has created something
        if "created" in line:
            break
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    destroyed_leaving_nothing()


def test_destroy_of_a_lab_that_is_not_there_keeps_its_message():
    proc = make("destroy", check=False)
    assert proc.returncode != 0
    assert f"no lab {LAB.name} to destroy" in proc.stderr


@pytest.mark.parametrize("damage", ["bridge deleted", "a host's dockerd killed"])
def test_make_hosts_and_a_plain_up_repair_the_damage(damage):
    builder.build(LAB)
    DAMAGE[damage]()
    make("hosts")
    builder.pulumi().up()
    proc = make("validate", check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
