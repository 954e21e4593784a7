"""A lab for a test folder: the one that is up (`make validate`), or one built for the
session and always taken down after it (`make test`, SWARMLAB_BUILD_LAB=1)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator

import pytest
import testinfra

from tests.support.env import lab_env
from tests.support.hoststool import hosts_ok, run_hosts
from tests.support.lab import Lab, inventory
from tests.support.paths import PY, ROOT, lab_dir, lab_name
from tests.support.pulumi import Pulumi


def pulumi() -> Pulumi:
    return Pulumi(lab_name())


def is_built() -> bool:
    """The lab's hosts are up and its stack has been built."""
    if not inventory():
        return False
    proc = pulumi()("stack", "output", "--json", check=False)
    return proc.returncode == 0 and "clusterId" in proc.stdout


def connect(lab_built_here: bool, timings: dict[str, float] | None = None) -> Lab:
    inv = inventory()
    ssh_config = str(lab_dir() / "ssh_config")
    hosts = {h["name"]: testinfra.get_host(f"ssh://{h['name']}", ssh_config=ssh_config)
             for h in inv}
    return Lab(hosts=hosts, inventory=inv, outputs=pulumi().outputs(), built_here=lab_built_here,
               timings=timings or {})


def build(stack: str = "local") -> dict[str, float]:
    """Hosts up, the working stack file, `pulumi up`; the seconds each took."""
    timings: dict[str, float] = {}
    start = time.monotonic()
    hosts_ok("up", "--quiet")
    timings["hosts up"] = time.monotonic() - start
    subprocess.run([str(PY), "-m", "tools.lab", "--lab", lab_name(), "stack", "--stack", stack,
                    "--backend", "onebox"], cwd=ROOT, env=lab_env(), check=True,
                   capture_output=True)
    start = time.monotonic()
    pulumi().up()
    timings["pulumi up"] = time.monotonic() - start
    return timings


def teardown() -> None:
    """Whatever the tests did, leave no stack resources and no hosts behind."""
    if is_built():
        pulumi().destroy(check=False)
    run_hosts("down", "--quiet")


@contextlib.contextmanager
def lab_for_session(require_own: bool = False) -> Iterator[Lab]:
    """The lab that is up, or (SWARMLAB_BUILD_LAB=1) one built here and taken down after.
    `require_own`: the tests change the lab in ways a user's lab must not see (faults,
    destroy): they run only on a lab built here."""
    if os.geteuid() != 0:
        pytest.skip("lab tests need root (network namespaces, dockerd)")
    build_here = os.environ.get("SWARMLAB_BUILD_LAB") == "1"
    if is_built() and not (require_own and build_here):
        if require_own:
            pytest.skip("these tests change or destroy the lab: they run only on a lab they "
                        "build themselves (make test)")
        yield connect(False)
        return
    if not build_here:
        pytest.fail(f"no lab is up (lab {lab_name()}, {lab_dir()}): run `make lab` first, or "
                    "`make test`, which builds its own")
    if is_built():
        teardown()
    timings = build()
    try:
        yield connect(True, timings)
    finally:
        teardown()
