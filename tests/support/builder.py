"""A lab for a test folder: the one that is up (`make validate`), or, under `make test`
(SWARMLAB_BUILD_LAB=1), one of the suite's own, built for the folder and always taken down
after it. The suite's labs have their own names and LANs, so `make test` runs while a user's
lab is up and never touches it."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import testinfra

from modules.ssh import Target
from tests.support import own_hosts
from tests.support.env import lab_env
from tests.support.hoststool import hosts_ok, run_hosts
from tests.support.lab import Lab, inventory
from tests.support.paths import PY, ROOT, lab_dir, lab_name
from tests.support.pulumi import Pulumi
from tools.lab import labs
from tools.lab.spec import lab_spec, lists_own_hosts
from tools.lab.spec import targets as spec_targets


@dataclass(frozen=True)
class TestLab:
    """One of the suite's own labs."""

    name: str
    backend: str
    stack: str
    subnet: str
    managers: int = 1
    workers: int = 1
    engine: str = "system"
    """The one-box hosts' Docker engine (hosts/onebox/engines.json): the machine's, 26 or 28."""
    debian: str = "bookworm"
    """The VMs' Debian suite (hosts/vm/recipe.py): its kernel and its own Docker."""

    @property
    def env(self) -> dict[str, str]:
        # Its own state folder too: `make test` exports the default lab's.
        return {"SWARMLAB_LAB": self.name, "SWARMLAB_SUBNET": self.subnet,
                "SWARMLAB_LAB_DIR": str(labs.lab_dir(self.name)),
                "SWARMLAB_ENGINE": self.engine, "SWARMLAB_DEBIAN": self.debian}


ONEBOX = TestLab("tob", "onebox", "local", "192.168.78.0/24")
# The VMs' LAN lives in user space, so it can be the seed's own.
VM = TestLab("tvm", "vm", "vm", "192.168.1.0/24")
SCALE = TestLab("tsc", "onebox", "scale", "192.168.79.0/24", managers=3, workers=3)
HOSTS_TOOL = "hst"
"""The hosts tool's own tests' lab (tests/hosts)."""
DAMAGE = TestLab("tdm", "onebox", "local", "192.168.77.0/24")
"""The lab tests/teardown damages and destroys, again and again."""
VM_DAMAGE = TestLab("tdv", "vm", "vm", "192.168.1.0/24")
"""The VM lab tests/teardown kills a VM of (its LAN is in user space, like VM's)."""
ENGINES = (TestLab("t26", "onebox", "local", "192.168.81.0/24", engine="26"),
           TestLab("t28", "onebox", "local", "192.168.82.0/24", engine="28"))
"""The one-box lab on Debian's Docker 26.1 and 28.5 (tests/lab, tests/engines)."""
FORKY = TestLab("tfk", "vm", "vm", "192.168.1.0/24", debian="forky")
"""VMs from Debian forky: kernel 7, Docker 28 and containerd 2, all the suite's own
(tests/engines)."""
FAULTS = TestLab("tft", "onebox", "local", "192.168.83.0/24")
"""The lab the fault verbs' tests partition and heal (tests/faults)."""
FAULTS3 = TestLab("tf3", "onebox", "local", "192.168.84.0/24", managers=3, workers=1)
"""Three managers and a worker: raft's majority, lost and found again (tests/faults)."""
OWNERS_VMS = TestLab("thv", "vm", "vm", "192.168.1.0/24")
"""Two VMs made the way a user runs their own hosts (tests/engines/test_own_hosts.py)."""
ON_OWN_HOSTS = TestLab("tho", "onebox", "hosts", "192.168.1.0/24")
"""The lab on them: the `hosts` stack; nothing of the hosts tool."""
ALL = (ONEBOX.name, VM.name, SCALE.name, HOSTS_TOOL, DAMAGE.name, VM_DAMAGE.name,
       *(e.name for e in ENGINES), FORKY.name, OWNERS_VMS.name, ON_OWN_HOSTS.name, FAULTS.name,
       FAULTS3.name)


def pulumi() -> Pulumi:
    return Pulumi(lab_name())


def built_outputs() -> dict[str, Any] | None:
    """The stack's outputs, when the lab's hosts are up and its stack has been built."""
    if not inventory() and not lists_own_hosts(lab_name()):
        return None
    proc = pulumi()("stack", "output", "--json", check=False)
    if proc.returncode != 0 or "clusterId" not in proc.stdout:
        return None
    return dict(json.loads(proc.stdout))


def is_built() -> bool:
    """The lab's hosts are up and its stack has been built."""
    return built_outputs() is not None


def connect(lab_built_here: bool, timings: dict[str, float] | None = None,
            outputs: dict[str, Any] | None = None) -> Lab:
    """The hosts tool's hosts through its ssh_config; other hosts as the stack reaches them."""
    inv = inventory()
    targets: dict[str, Target] = {}
    ssh_config = lab_dir() / "ssh_config"
    if not inv and lists_own_hosts(lab_name()):
        spec = lab_spec(lab_name())
        targets = spec_targets(spec)
        inv = own_hosts.inventory(spec, targets)
        ssh_config = own_hosts.write_ssh_config(lab_dir() / "stack_ssh_config", targets)
    hosts = {h["name"]: testinfra.get_host(f"ssh://{h['name']}", ssh_config=str(ssh_config))
             for h in inv}
    return Lab(hosts=hosts, inventory=inv, outputs=outputs or pulumi().outputs(),
               built_here=lab_built_here,
               timings=timings or {}, targets=targets)


def build(test_lab: TestLab) -> dict[str, float]:
    """Hosts up, the working stack file, `pulumi up`; the seconds each took."""
    timings: dict[str, float] = {}
    start = time.monotonic()
    restart_hosts(test_lab)
    timings["hosts up"] = time.monotonic() - start
    made = subprocess.run([str(PY), "-m", "tools.lab", "--lab", test_lab.name, "stack",
                           "--stack", test_lab.stack, "--backend", test_lab.backend], cwd=ROOT,
                          env=lab_env(), capture_output=True, text=True, check=False)
    if made.returncode != 0:
        raise AssertionError(f"the working stack file of lab {test_lab.name} was not made:\n"
                             f"{made.stdout}{made.stderr}")
    start = time.monotonic()
    pulumi().up()
    timings["pulumi up"] = time.monotonic() - start
    return timings


def restart_hosts(test_lab: TestLab) -> None:
    """`hosts up` again: daemons a test stopped start again (nothing else changes)."""
    hosts_ok("up", "--quiet", "--backend", test_lab.backend, "--subnet", test_lab.subnet,
             "--managers", str(test_lab.managers), "--workers", str(test_lab.workers),
             "--engine", test_lab.engine, "--debian", test_lab.debian)


def teardown() -> None:
    """Whatever the tests did, leave no stack resources and no hosts behind."""
    if is_built():
        pulumi().destroy(check=False)
    run_hosts("down", "--quiet")


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """These variables set for as long as a folder's lab lives (the suite runs one at a time)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def require_backend(test_lab: TestLab) -> None:
    if test_lab.backend == "vm" and shutil.which("qemu-system-x86_64") is None:
        if os.environ.get("SWARMLAB_BUILD_LAB") == "1":
            pytest.fail("qemu-system-x86_64 is missing: `make test` installs it "
                        "(tools/toolchain/install-deps.sh)")
        pytest.skip("QEMU cannot run here: qemu-system-x86_64 is not installed")


@contextlib.contextmanager
def lab_for_session(test_lab: TestLab = ONEBOX, require_own: bool = False) -> Iterator[Lab]:
    """Under `make test`: `test_lab`, built here and taken down after. Otherwise the lab that
    is up (SWARMLAB_LAB), unless `require_own`: tests that break or destroy a lab run only
    on one of their own."""
    if os.geteuid() != 0:
        pytest.skip("lab tests need root (network namespaces, dockerd)")
    if os.environ.get("SWARMLAB_BUILD_LAB") != "1":
        if require_own:
            pytest.skip("these tests break or destroy the lab they run on: they run only on "
                        "a lab of their own (make test)")
        outputs = built_outputs()
        if outputs is None:
            pytest.fail(f"no lab is up (lab {lab_name()}, {lab_dir()}): run `make lab` first, "
                        "or `make test`, which builds its own")
        yield connect(False, outputs=outputs)
        return
    require_backend(test_lab)
    with environment(test_lab.env):
        if is_built() or inventory():
            teardown()
        timings = build(test_lab)
        try:
            yield connect(True, timings)
        finally:
            teardown()
