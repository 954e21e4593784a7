"""The hosts tool's own tests: a lab of their own (lab `hst` on 192.168.77.0/24, in a short
temporary directory), brought up once for the module and always taken down at the end, so
they never touch a user's lab, which may be up meanwhile.

A system-style containerd listens on the machine's default socket the whole time (as Docker
CE's containerd.io does on a GitHub runner), so the tests also show that each lab dockerd
uses its host's own containerd, never the machine's.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hosts import procs
from hosts.onebox import engine
from tests.support.hoststool_lab import HOSTS, NET, LiveLab, hosts_env, run_hosts

SYSTEM_SOCKET = Path("/run/containerd/containerd.sock")
NEEDED = ("ip", "nsenter", "unshare", "setsid", "ssh", "ssh-keygen", "sshd")


def require_live() -> None:
    """Root, and everything the hosts tool needs. Under `make test` (which installs it all)
    something missing is a failure; elsewhere, a skip that names it."""
    if os.geteuid() != 0:
        pytest.skip("the hosts tool needs root (namespaces, routes, dockerd)")
    missing = [t for t in NEEDED if shutil.which(t) is None] + engine.missing()
    if missing:
        message = f"missing {', '.join(missing)}"
        if os.environ.get("SWARMLAB_BUILD_LAB") == "1":
            pytest.fail(f"{message}: `make test` installs them (tools/toolchain/install-deps.sh)")
        pytest.skip(message)
    taken = [NET.netns(n) for n in HOSTS if Path("/run/netns", NET.netns(n)).exists()]
    if taken:
        pytest.fail(f"namespaces {taken} exist: the hosts tests' lab is up from an earlier run; "
                    f"take it down (SWARMLAB_LAB={NET.name} python -m hosts down)")


@pytest.fixture(scope="module")
def system_containerd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path | None]:
    """A containerd on the machine's default socket, started here and stopped by its PID
    afterwards, unless one already listens there (then it is left alone)."""
    require_live()
    if SYSTEM_SOCKET.exists():
        yield SYSTEM_SOCKET
        return
    made_run_dir = not SYSTEM_SOCKET.parent.exists()
    work = tmp_path_factory.mktemp("system-containerd")
    config = work / "config.toml"
    config.write_text(f'version = 2\nroot = "{work}/root"\nstate = "{work}/state"\n'
                      f'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
                      f'[grpc]\n  address = "{SYSTEM_SOCKET}"\n')
    with open(work / "containerd.log", "wb") as log:
        proc = subprocess.Popen([shutil.which("containerd") or "containerd", "--config", str(config)],
                                stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not SYSTEM_SOCKET.exists():
            assert time.monotonic() < deadline, (work / "containerd.log").read_text()
            time.sleep(0.1)
        yield SYSTEM_SOCKET
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        SYSTEM_SOCKET.unlink(missing_ok=True)
        if made_run_dir and not any(SYSTEM_SOCKET.parent.rglob("*")):
            shutil.rmtree(SYSTEM_SOCKET.parent, ignore_errors=True)
        assert procs.wait_gone([proc.pid], 1.0) == []


@pytest.fixture(scope="module")
def live_lab(system_containerd: Path | None) -> Iterator[LiveLab]:
    """A 1+1 lab brought up once for the module and always taken down at the end."""
    lab_dir = Path(tempfile.mkdtemp(prefix="swl-"))
    env = hosts_env(lab_dir)
    start = time.monotonic()
    up = run_hosts(env, "up")
    lab = LiveLab(dir=lab_dir, env=env, up=up, up_seconds=time.monotonic() - start)
    try:
        yield lab
    finally:
        down = run_hosts(env, "down")
        # Kept for a second `down` and for inspection when this one failed.
        assert down.returncode == 0, f"down failed ({lab_dir}):\n{down.stdout}\n{down.stderr}"
        shutil.rmtree(lab_dir)
