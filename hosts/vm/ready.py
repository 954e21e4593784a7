"""Waiting until every VM answers: sshd with the expected host key, then dockerd.

A VM is ready when `docker info` over SSH (paramiko, RejectPolicy against
the lab's known_hosts) prints its host name, which also proves the boot
unit ran (hostname from fw_cfg) before dockerd started. Slirp accepts the
forwarded port's TCP connection before the guest listens, so an early
attempt fails at the banner: that is waiting, not an error. A host key
that does not match, or a QEMU that died, ends the wait at once.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass

import paramiko

from hosts.paths import LabPaths
from hosts.report import Reporter, StepError
from hosts.vm import qemu, remote
from hosts.vm.paths import VmLabPaths
from hosts.vm.ports import LOOPBACK

# TCG boots in minutes; KVM in seconds.
TIMEOUT = {"tcg": 600.0, "kvm": 180.0}
PROGRESS_EVERY = 30.0
POLL = 2.0
DOCKER_INFO = "docker info --format '{{.Name}}'"
# systemd colours its status lines on the serial console.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class Waiting:
    name: str
    port: int


def console_tail(vlab: VmLabPaths, name: str, lines: int = 3) -> str:
    try:
        text = vlab.vm(name).console_log.read_text(errors="replace")
    except FileNotFoundError:
        return "(no console log)"
    text = _ANSI.sub("", text)
    tail = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return " | ".join(tail) or "(console empty)"


def _banner(port: int, timeout: float = 5.0) -> bool:
    """sshd's "SSH-" greeting arrives through the forward (slirp alone sends nothing)."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout) as s:
            return s.recv(4) == b"SSH-"
    except OSError:
        return False


def _attempt(lab: LabPaths, w: Waiting) -> str | None:
    """None when ready; otherwise what is still missing ("sshd", "dockerd: ...")."""
    if not _banner(w.port):
        return "sshd"
    try:
        client = remote.connect(lab, w.port, timeout=15.0)
    except paramiko.BadHostKeyException as err:
        raise StepError("waiting for sshd", f"host key mismatch: {err}", w.name) from err
    except paramiko.SSHException as err:
        if "not found in known_hosts" in str(err):
            raise StepError("waiting for sshd", str(err), w.name) from err
        return "sshd"
    except (OSError, EOFError):
        return "sshd"
    try:
        code, out, errors = remote.run(client, DOCKER_INFO, timeout=30.0)
    except (paramiko.SSHException, OSError, EOFError):
        return "dockerd"
    finally:
        client.close()
    if code == 0 and out.strip() == w.name:
        return None
    return f"dockerd ({(errors or out).strip()[:60] or f'exit {code}'})"


def wait(
    lab: LabPaths, vlab: VmLabPaths, waiting: Sequence[Waiting], accel_kind: str, report: Reporter
) -> dict[str, float]:
    """Seconds until each VM was ready; StepError naming the VM on a timeout."""
    start = time.monotonic()
    deadline = start + TIMEOUT[accel_kind]
    pending = {w.name: w for w in waiting}
    missing = dict.fromkeys(pending, "sshd")
    took: dict[str, float] = {}
    last_said = start
    while pending:
        for name, w in list(pending.items()):
            if qemu.running(vlab.vm(name)) is None:
                raise StepError("waiting for sshd", f"QEMU exited; console: {console_tail(vlab, name)}",
                                name)  # fmt: skip
            state = _attempt(lab, w)
            if state is None:
                took[name] = time.monotonic() - start
                report.say(f"{name}: ssh and docker answer ({took[name]:.0f}s)")
                del pending[name]
            else:
                missing[name] = state
        if not pending:
            break
        now = time.monotonic()
        if now > deadline:
            name = next(iter(pending))
            raise StepError(
                f"waiting for {missing[name]}",
                f"not ready after {now - start:.0f}s; console: {console_tail(vlab, name)}",
                name,
            )
        if now - last_said >= PROGRESS_EVERY:
            for name in pending:
                report.say(f"{name}: waiting for {missing[name]} ({now - start:.0f}s); "
                           f"console: {console_tail(vlab, name, 1)[:90]}")  # fmt: skip
            last_said = now
        time.sleep(POLL)
    return took
