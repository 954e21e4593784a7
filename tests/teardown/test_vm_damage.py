"""`make destroy` after a VM of the lab was killed (QEMU gone, its SSH forward refusing):
nothing of the lab is left, no QEMU, no vde_switch, no state."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator

import pytest

from tests.support import builder
from tests.support.damage_lab import destroyed_leaving_nothing, lab_dir, own_lab, what_is_left
from tests.support.env import lab_env
from tests.support.paths import PY, ROOT
from tools.lab import destroy

pytestmark = [pytest.mark.lab, pytest.mark.teardown, pytest.mark.vm]

LAB = builder.VM_DAMAGE


@pytest.fixture(autouse=True)
def _own_lab() -> Iterator[None]:
    with own_lab(LAB, needs="QEMU, the hosts tool", backend_required=True):
        yield


def test_destroy_after_a_vm_was_killed_leaves_nothing():
    # The VMs and the lab's stack; no `pulumi up` (minutes under emulation): `make destroy`
    # meets a stack whose hosts no longer answer either way.
    builder.restart_hosts(LAB)
    made = subprocess.run([str(PY), "-m", "tools.lab", "--lab", LAB.name, "stack", "--stack",
                           LAB.stack, "--backend", LAB.backend], cwd=ROOT,
                          env=lab_env(LAB.name), capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stdout + made.stderr
    assert destroy.state_files(LAB.name), "the stack exists"
    pidfile = lab_dir(LAB) / "vms" / "worker" / "qemu.pid"
    os.kill(int(pidfile.read_text().split()[0]), signal.SIGKILL)
    output = destroyed_leaving_nothing(LAB)
    assert "no answer from worker" in output
    assert what_is_left(LAB) == []
