"""The behaviour tests against the live lab (testinfra over the lab's ssh_config).

`make validate` runs them against the lab that is up and changes nothing lasting. Under
`make test` (SWARMLAB_BUILD_LAB=1) the package builds its own lab and takes it down after.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import builder
from tests.support.lab import Lab


@pytest.fixture(scope="package")
def lab() -> Iterator[Lab]:
    with builder.lab_for_session() as running:
        yield running


@pytest.fixture(scope="package")
def kernel_features(lab: Lab) -> dict[str, dict[str, bool]]:
    """Per host, which optional kernel features the doctor found (esp, ip_vs)."""
    from hosts.doctor import check_host
    from hosts.paths import LabPaths

    return {h["name"]: {name: bool(c["ok"]) for name, c in
                        check_host(h["name"], LabPaths(lab.dir))["checks"].items()}
            for h in lab.inventory}
