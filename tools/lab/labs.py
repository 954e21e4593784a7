"""Where a lab keeps its things, by its name: the default lab (`swarmlab`) in `.lab/`, any
other in `.lab/labs/<name>/`. Every lab's Pulumi stack is named after it, its working stack
file lives in `.lab/stacks/` (Pulumi.yaml's stackConfigDir) and its state in `.lab/state`."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from hosts.paths import REPO_ROOT, lab_dir
from hosts.topology import DEFAULT_LAB, env_lab_name
from hosts.topology import check_lab_name as check_name

ROOT = REPO_ROOT
STATE_ROOT = ROOT / ".lab"
STACKS_DIR = STATE_ROOT / "stacks"
# In the default lab's folder (.lab), what is not that lab's own: every lab's state and
# working stack files, the other labs, the suite's reports, the engine's home, bench and
# mutation-testing runs.
SHARED = frozenset({"state", "stacks", "labs", "failures", "pulumi-home", "report.xml", "bench",
                    "mutate"})
# Where a lab's hosts come from (the Makefile's BACKEND, recorded in lab.env): the hosts
# tool's backends, and Vagrant's VMs (`make vagrant-lab`).
BACKENDS = ("onebox", "vm", "vagrant")
# A committed stack's name (the Makefile's STACK): `hosts.example` is an example to copy.
STACK_NAME = re.compile(r"[a-z0-9-]+")

__all__ = ["BACKENDS", "DEFAULT_LAB", "ROOT", "STACKS_DIR", "STATE_ROOT", "check_backend",
           "check_lab", "check_name", "check_stack", "lab_dir", "lab_name", "make_env",
           "remove_lab_files", "stack_file", "stacks", "template"]


def lab_name() -> str:
    """The lab of this environment: $SWARMLAB_LAB (unset: the default lab; empty: refused)."""
    return env_lab_name()


def check_lab(raw: str) -> str:
    """The lab a command names (the Makefile's LAB); ValueError names LAB and the allowed form."""
    return check_name(raw, "LAB")


def check_backend(raw: str) -> str:
    if raw not in BACKENDS:
        raise ValueError(f"BACKEND={raw!r} is not valid; allowed: {', '.join(BACKENDS)}")
    return raw


def stacks() -> list[str]:
    """The committed stacks a lab can be made from (stacks/Pulumi.<stack>.yaml)."""
    found = (p.name[len("Pulumi."):-len(".yaml")] for p in (ROOT / "stacks").glob("Pulumi.*.yaml"))
    return sorted(name for name in found if STACK_NAME.fullmatch(name))


def check_stack(raw: str) -> str:
    """A committed stack by its plain name (never a path: `../x`, `a/b`)."""
    if not STACK_NAME.fullmatch(raw) or not template(raw).is_file():
        raise ValueError(f"STACK={raw!r} is not valid; allowed: {', '.join(stacks())} (a "
                         "stacks/Pulumi.<stack>.yaml, named with a-z, 0-9 and -)")
    return raw


def make_env(name: str) -> dict[str, str]:
    """What `make env LAB=<name>` exports (the pinned tools on PATH, the lab's state,
    passphrase and stack), for the tests and the bench to run pulumi as make does."""
    out = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT), "env",
                          f"LAB={name}"], capture_output=True, text=True, check=True).stdout
    found: dict[str, str] = {}
    for line in out.splitlines():
        # The shell's own word splitting: a value in quotes may hold spaces (a path).
        for assignment in shlex.split(line.removeprefix("export ")):
            key, _, value = assignment.partition("=")
            found[key] = value
    return found


def stack_file(name: str) -> Path:
    return STACKS_DIR / f"Pulumi.{name}.yaml"


def template(stack: str) -> Path:
    return ROOT / "stacks" / f"Pulumi.{stack}.yaml"


def hosts_tool(lab: str, *args: str, timeout: float, capture: bool = False
               ) -> subprocess.CompletedProcess[str]:
    """`python -m hosts ARGS` on lab `lab` (its name and folder in the environment)."""
    env = {**os.environ, "SWARMLAB_LAB": lab, "SWARMLAB_LAB_DIR": str(lab_dir(lab))}
    return subprocess.run([sys.executable, "-m", "hosts", *args], cwd=ROOT, env=env,
                          stdin=subprocess.DEVNULL, capture_output=capture, text=True,
                          timeout=timeout, check=False)


def remove_lab_files(name: str, keep: frozenset[Path] = frozenset()) -> None:
    """A lab's own folder: all of it for a named lab, the default lab's part of `.lab`; but
    never a file in `keep` (what opens hosts the tool did not make)."""
    folder = lab_dir(name)
    if name != DEFAULT_LAB and not keep:
        shutil.rmtree(folder, ignore_errors=True)
        return
    if folder.is_dir():
        _remove_all_but(folder, keep, SHARED if name == DEFAULT_LAB else frozenset())


def _remove_all_but(folder: Path, keep: frozenset[Path], shared: frozenset[str]) -> None:
    """Everything in `folder` but `keep` (at any depth) and the top-level names in `shared`."""
    for path in folder.iterdir():
        resolved = path.resolve()
        if path.name in shared or resolved in keep:
            continue
        if path.is_dir() and not path.is_symlink():
            if any(k.is_relative_to(resolved) for k in keep):
                _remove_all_but(path, keep, frozenset())
            else:
                shutil.rmtree(path)
        else:
            path.unlink()
