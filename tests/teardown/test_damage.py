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

import pytest

from tests.support import builder
from tests.support.damage_lab import destroyed_leaving_nothing, lab_dir, make, own_lab
from tests.support.env import lab_env
from tests.support.paths import ROOT
from tools.lab import destroy

pytestmark = [pytest.mark.lab, pytest.mark.teardown]

LAB = builder.DAMAGE


@pytest.fixture(autouse=True)
def _own_lab() -> Iterator[None]:
    with own_lab(LAB, needs="network namespaces, dockerd"):
        yield


def pid_of(host: str, daemon: str) -> int:
    return int((lab_dir() / "hosts" / host / f"{daemon}.pid").read_text().split()[0])


def delete_bridge() -> None:
    subprocess.run(["ip", "link", "del", f"{LAB.name}-br0"], check=True)


def delete_worker_namespace() -> None:
    subprocess.run(["ip", "netns", "del", f"{LAB.name}-worker"], check=True)


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
