"""The pinned pulumi CLI on a lab's stack, and stacks made for one test and removed after."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from tests.support.env import lab_env
from tests.support.paths import ROOT
from tools.lab import labs


@dataclass
class Pulumi:
    """`pulumi ... --stack <stack>` in the lab's environment; everything it printed is kept
    (tests look for secrets in it)."""

    stack: str
    env: dict[str, str] = field(default_factory=lab_env)
    transcript: list[str] = field(default_factory=list)

    def __call__(self, *args: str, check: bool = True, timeout: float = 900
                 ) -> subprocess.CompletedProcess[str]:
        cmd = ["pulumi", "--cwd", str(ROOT), "--non-interactive", "--stack", self.stack, *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=timeout,
                              check=False)
        self.transcript.append(proc.stdout + proc.stderr)
        if check and proc.returncode != 0:
            # The diagnostics first: a long report may be cut in the middle where it is shown.
            raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}:\n"
                                 f"{diagnostics(proc.stdout)}\n{proc.stderr}\n"
                                 f"--- everything it printed:\n{proc.stdout}")
        return proc

    def up(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self("up", "--yes", "--skip-preview", *args, check=check)

    def destroy(self, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self("destroy", "--yes", "--skip-preview", check=check)

    def outputs(self, secrets: bool = False) -> dict[str, Any]:
        import json

        args = ["stack", "output", "--json", *(["--show-secrets"] if secrets else [])]
        return dict(json.loads(self(*args).stdout))


def diagnostics(output: str) -> str:
    """The `Diagnostics:` section of what a pulumi command printed (the errors), or ''."""
    section: list[str] = []
    for line in output.splitlines():
        if line == "Diagnostics:":
            section = [line]
        elif section and line and not line.startswith(" "):
            break
        elif section:
            section.append(line)
    return "\n".join(section)


@contextlib.contextmanager
def temporary_stack(name: str, config: dict[str, Any], env: dict[str, str] | None = None
                    ) -> Iterator[Pulumi]:
    """A stack `name` with these `swarmlab:*` settings (same passphrase as the lab), removed
    with its working stack file afterwards, whatever the test did."""
    runner = Pulumi(name, env or lab_env())
    path = labs.stack_file(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"config": config}))
    select = ["pulumi", "--cwd", str(ROOT), "--non-interactive", "stack", "select", "--create", name]
    try:
        subprocess.run(select, env=runner.env, check=True, capture_output=True)
        yield runner
    finally:
        subprocess.run(["pulumi", "--cwd", str(ROOT), "--non-interactive", "stack", "rm", "--yes",
                        "--force", name], env=runner.env, capture_output=True, check=False)
        path.unlink(missing_ok=True)
