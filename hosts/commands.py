"""Running the system tools the lab needs (ip, nsenter, ssh-keygen, ...)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence

# Daemons and tools get a plain PATH, never the caller's environment: no
# proxies, no DOCKER_HOST, nothing that could point them elsewhere.
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def clean_env(**extra: str) -> dict[str, str]:
    env = {"PATH": SYSTEM_PATH, "LANG": "C.UTF-8"}
    env.update(extra)
    return env


class CommandError(RuntimeError):
    """A command failed; the message carries the command and what it printed."""


def run(
    argv: Sequence[str], *, timeout: float = 30.0, check: bool = True, input: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env if env is not None else clean_env(),
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
    except FileNotFoundError as err:
        raise CommandError(f"{argv[0]} not found: install it (see hosts/README.md)") from err
    except subprocess.TimeoutExpired as err:
        raise CommandError(f"`{' '.join(argv)}` did not finish within {timeout:.0f}s") from err
    if check and proc.returncode != 0:
        output = (proc.stderr or proc.stdout).strip()
        raise CommandError(f"`{' '.join(argv)}` exited {proc.returncode}: {output}")
    return proc


def spawn_daemon(
    argv: Sequence[str], log_path: os.PathLike[str] | str, env: dict[str, str] | None = None
) -> None:
    """Start a long-running process detached from us (own session, parent init).

    `setsid -f` forks, so the daemon is never our child: no zombie to reap and
    nothing tied to this Python process. The daemon's PID is learnt from the
    pidfile it (or its wrapper) writes.
    """
    with open(log_path, "ab") as log:
        proc = subprocess.run(
            ["setsid", "-f", *argv],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=env if env is not None else clean_env(),
            timeout=30,
            check=False,
        )
    if proc.returncode != 0:
        raise CommandError(f"could not start `{' '.join(argv)}` (see {log_path})")
