"""The Makefile run for real in a folder of its own: a copy of it, its versions file and the
committed stacks, with stand-ins for what its targets run (the deps and tools scripts do
nothing; `.venv/bin/python` records each call's arguments and succeeds). So a test runs
`make <target> VAR=value` without root, without a lab and without the repository's state,
and sees exactly what reached the tools, or that nothing ran at all.

The stand-in python answers the lab tool's `subnet` verb with $FAKE_SUBNET and exits
$FAKE_SUBNET_STATUS there (a stack that cannot be read exits non-zero), and 0 elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_FAKE_PYTHON = """#!{python}
import json, os, sys
from pathlib import Path

args = sys.argv[1:]
with (Path(__file__).resolve().parents[2] / "calls.jsonl").open("a") as log:
    log.write(json.dumps(args) + "\\n")
if args[:2] == ["-m", "tools.lab"] and "subnet" in args:
    print(os.environ.get("FAKE_SUBNET", "192.168.1.0/24"))
    sys.exit(int(os.environ.get("FAKE_SUBNET_STATUS", "0")))
"""


@dataclass(frozen=True)
class Sandbox:
    root: Path

    @classmethod
    def make_in(cls, folder: Path) -> Sandbox:
        shutil.copy(REPO / "Makefile", folder / "Makefile")
        toolchain = folder / "tools" / "toolchain"
        toolchain.mkdir(parents=True)
        shutil.copy(REPO / "tools" / "toolchain" / "versions.env", toolchain / "versions.env")
        for script in ("install-deps.sh", "install-pulumi.sh"):
            _executable(toolchain / script, "#!/bin/sh\nexit 0\n")
        (folder / "stacks").mkdir()
        for stack in (REPO / "stacks").glob("Pulumi.*.yaml"):
            shutil.copy(stack, folder / "stacks" / stack.name)
        _executable(folder / ".venv" / "bin" / "python", _FAKE_PYTHON.format(python=sys.executable))
        (folder / "home").mkdir()
        return cls(folder)

    @property
    def lab_dir(self) -> Path:
        return self.root / ".lab"

    def make(self, *args: str, env: dict[str, str] | None = None,
             **variables: str) -> subprocess.CompletedProcess[str]:
        """`make -s <args> VAR=value...`, each value one argument (as a shell passes a quoted
        word), in an environment of only PATH, HOME and `env`: nothing of a make this test
        may run under (MAKEFLAGS) or of a lab this machine has (SWARMLAB_*)."""
        clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.root / "home"),
                 "LANG": "C.UTF-8", **(env or {})}
        assigned = [f"{key}={value}" for key, value in variables.items()]
        return subprocess.run(["make", "-s", "--no-print-directory", "-C", str(self.root), *args,
                               *assigned], env=clean, capture_output=True, text=True,
                              timeout=60, check=False)

    def calls(self) -> list[list[str]]:
        """The arguments of every python call the targets made, in order."""
        log = self.root / "calls.jsonl"
        lines = log.read_text().splitlines() if log.exists() else []
        return [json.loads(line) for line in lines]

    def forget_calls(self) -> None:
        (self.root / "calls.jsonl").unlink(missing_ok=True)


def _executable(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
