"""The damage tests' labs (tests/teardown): each test owns its lab for its duration and acts
through make, as a user would; afterwards nothing of the lab may be left on the machine."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hosts.paths import LabPaths
from tests.support import builder
from tests.support.env import lab_env
from tests.support.paths import ROOT
from tools.lab import destroy, labs

LAB = builder.DAMAGE


@contextlib.contextmanager
def own_lab(test_lab: builder.TestLab, needs: str,
            backend_required: bool = False) -> Iterator[None]:
    """Skips unless root under make test (`needs`: what root is for); the lab's environment
    while the test runs; afterwards its hosts, stack, working stack and files are gone."""
    if os.geteuid() != 0:
        pytest.skip(f"damage tests need root ({needs})")
    if os.environ.get("SWARMLAB_BUILD_LAB") != "1":
        pytest.skip("these tests break and destroy labs: they run only under make test")
    if backend_required:
        builder.require_backend(test_lab)
    with builder.environment(test_lab.env):
        try:
            yield
        finally:
            builder.teardown()
            destroy.remove_stack(test_lab.name, forced=True)
            labs.stack_file(test_lab.name).unlink(missing_ok=True)
            labs.remove_lab_files(test_lab.name)


def make(*args: str, check: bool = True, timeout: float = 600,
         test_lab: builder.TestLab = LAB) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in lab_env(test_lab.name).items() if k != "SWARMLAB_BUILD_LAB"}
    proc = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT), *args,
                           f"LAB={test_lab.name}"], capture_output=True, text=True, env=env,
                          timeout=timeout, stdin=subprocess.DEVNULL, check=False)
    if check:
        assert proc.returncode == 0, f"make {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def lab_dir(test_lab: builder.TestLab = LAB) -> Path:
    return labs.lab_dir(test_lab.name)


def what_is_left(test_lab: builder.TestLab = LAB) -> list[str]:
    """Everything of the lab still on the machine: namespaces and links with its tag, any
    process or mount naming its folder (daemons, QEMU, vde_switch), its state and stack."""
    tag = test_lab.name
    left = [f"namespace {n}" for n in os.listdir("/run/netns")
            if n.startswith(f"{tag}-")] if os.path.isdir("/run/netns") else []
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    left += [f"link {line.split(':')[1].strip()}" for line in links.splitlines()
             if line.split(":")[1].strip().startswith(f"{tag}-")]
    folder = lab_dir(test_lab)
    marker = str(folder)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmdline:
            left.append(f"process {pid}: {cmdline[:120]}")
    left += [f"mount {line.split()[1]}" for line in Path("/proc/mounts").read_text().splitlines()
             if marker in line]
    left += [f"state {p}" for p in destroy.state_files(test_lab.name)]
    if labs.stack_file(test_lab.name).exists():
        left.append(f"working stack {labs.stack_file(test_lab.name)}")
    if LabPaths(folder).net_file.exists() or LabPaths(folder).inventory.exists():
        left.append(f"host records in {folder}")
    return left


def destroyed_leaving_nothing(test_lab: builder.TestLab = LAB) -> str:
    proc = make("destroy", check=False, test_lab=test_lab)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert what_is_left(test_lab) == [], output
    assert f"lab {test_lab.name} is gone" in output
    return output
