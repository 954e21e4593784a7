"""Fixtures for tests against the live lab (testinfra over the lab's ssh_config).

`make validate` runs these against a lab that is already up. `make test`
sets SWARMLAB_BUILD_LAB=1: the session then brings the hosts up, runs
`pulumi up`, and at the end destroys the stack and takes the hosts down.
Without either, the lab tests skip and say how to get a lab.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
import testinfra
from labtools import FAULTS_SURVIVED, LAB, ROOT, STACK, Lab, hosts_tool, inventory, lab_env, lab_is_up, pulumi


def _connect(inv: list[dict[str, Any]]) -> dict[str, Any]:
    ssh_config = str(LAB / "ssh_config")
    return {h["name"]: testinfra.get_host(f"ssh://{h['name']}", ssh_config=ssh_config)
            for h in inv}


@pytest.fixture(scope="package")
def lab() -> Iterator[Lab]:
    if os.geteuid() != 0:
        pytest.skip("lab tests need root (network namespaces, dockerd)")
    timings: dict[str, float] = {}
    built_here = False
    if not lab_is_up():
        if os.environ.get("SWARMLAB_BUILD_LAB") != "1":
            pytest.skip("the lab is not up: run `make lab` first (`make test` builds its own)")
        built_here = True
        # Tells tests/scale that this session's lab may be taken down for the 3+3 one.
        os.environ["SWARMLAB_LAB_BUILT_HERE"] = "1"
        start = time.monotonic()
        proc = hosts_tool("up")
        assert proc.returncode == 0, f"hosts up failed:\n{proc.stdout}\n{proc.stderr}"
        timings["hosts up"] = time.monotonic() - start
        subprocess.run(["pulumi", "--cwd", str(ROOT), "--non-interactive", "stack", "select",
                        "--create", STACK], env=lab_env(), check=True, capture_output=True)
        start = time.monotonic()
        # --refresh: a state left by an earlier session whose hosts are gone is reconciled.
        pulumi("up", "--yes", "--skip-preview", "--refresh")
        timings["pulumi up"] = time.monotonic() - start
    inv = inventory()
    outputs = json.loads(pulumi("stack", "output", "--json").stdout)
    lab = Lab(hosts=_connect(inv), inventory=inv, outputs=outputs, built_here=built_here,
              timings=timings)
    yield lab
    if FAULTS_SURVIVED:
        (LAB / "faults.txt").write_text("\n".join(FAULTS_SURVIVED) + "\n")
    if built_here:
        # Whatever the tests did, leave no stack resources and no hosts behind.
        if lab_is_up():
            pulumi("destroy", "--yes", "--skip-preview", check=False)
        hosts_tool("down")


@pytest.fixture(scope="package")
def kernel_features(lab: Lab) -> dict[str, dict[str, bool]]:
    """Per host, which optional kernel features the doctor found (esp, ip_vs)."""
    from hosts.doctor import check_host

    features = {}
    for h in lab.inventory:
        checks = check_host(h["name"])["checks"]
        features[h["name"]] = {name: bool(c["ok"]) for name, c in checks.items()}
    return features


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """When a lab test fails, keep each host's dockerd log (hosts down deletes them) in
    .lab/failures/<test>/, so a flake seen once in CI can be read afterwards."""
    report = yield
    if report.failed and item.get_closest_marker("lab") is not None:
        kept = LAB / "failures" / item.name.replace("/", "_")
        for log in sorted(LAB.glob("hosts/*/dockerd.log")):
            kept.mkdir(parents=True, exist_ok=True)
            (kept / f"{log.parent.name}-dockerd.log").write_bytes(log.read_bytes())
        if kept.is_dir():
            report.sections.append(("dockerd logs kept", str(kept)))
    return report
