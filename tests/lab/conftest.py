"""The behaviour tests against the live lab (testinfra over the lab's ssh_config).

`make validate` runs them against the lab that is up, whatever its backend, and changes
nothing lasting. Under `make test` (SWARMLAB_BUILD_LAB=1) the package runs four times, on labs
of its own, each built for it and taken down after: the one-box hosts (this machine's kernel)
on the machine's Docker and on Debian's Docker 26 and 28 (marked `engines`), and two QEMU
VMs with Debian's stock kernel (marked `vm`), where the encrypted overlay and service VIPs
run for real.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support import builder, observed, own_hosts
from tests.support.lab import Lab, doctor_checks


def _labs() -> list[object]:
    if os.environ.get("SWARMLAB_BUILD_LAB") != "1":
        return [pytest.param(None, id="up")]
    return [pytest.param(builder.ONEBOX, id="onebox"),
            *(pytest.param(e, id=f"docker{e.engine}", marks=pytest.mark.engines)
              for e in builder.ENGINES),
            pytest.param(builder.VM, id="vm", marks=pytest.mark.vm)]


# What changes the lab runs only on the suite's own labs (make test), never under `make validate`.
collect_ignore = [] if os.environ.get("SWARMLAB_BUILD_LAB") == "1" else ["test_wan_impairment.py"]


@pytest.fixture(scope="package", params=_labs())
def lab(request: pytest.FixtureRequest) -> Iterator[Lab]:
    with builder.lab_for_session(request.param or builder.ONEBOX) as running:
        yield running


@pytest.fixture(scope="package")
def kernel_features(lab: Lab) -> dict[str, dict[str, bool]]:
    """Per host, which optional kernel features the doctor found (esp, ip_vs); on hosts the
    hosts tool did not make, what the stack's user sees, and whether it is root. Asked when
    a test first needs it, not beside the suite's reads: on the emulated VMs a doctor run
    beside them found no ESP where there is (its probe timed out)."""
    if lab.targets:
        return own_hosts.kernel_features(lab.targets)
    # The doctor's link trials take a while per host: it asks only the hosts the stack's
    # outputs put the seed's services on, and the manager. The feature tests' traffic runs
    # there; their own service's replicas may land elsewhere, which on one-box hosts (one
    # kernel) and on the two-VM lab (both hosts asked) changes nothing.
    used = {task["node"] for tasks in lab.outputs["services"].values() for task in tasks}
    return {name: {**found, "root": True}
            for name, found in doctor_checks(sorted(used | {"manager"})).items()}


@pytest.fixture(scope="package")
def seen(lab: Lab) -> observed.Seen:
    """What the tests read from the lab, read once, all hosts at once."""
    return observed.gather(lab)
