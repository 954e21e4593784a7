"""The lab LAN between the VMs: one vde_switch, entirely in user space.

Each VM's eth1 is a port of this switch (QEMU `-netdev vde`), so
192.168.1.0/24 exists only inside the guests: no tap, bridge, route or
address on the machine. The switch is found again only through its
pidfile, checked against its command line (which names the lab's socket
directory).
"""

from __future__ import annotations

import shutil
import time

from hosts import procs
from hosts.commands import CommandError, run
from hosts.vm.paths import LanPaths

VDE_SWITCH = "vde_switch"
# More ports than the lab can have hosts (topology.MAX_HOSTS), so a VM that is
# being replaced never finds the switch full.
PORTS = 64
START_TIMEOUT = 5.0


def argv(lan: LanPaths) -> list[str]:
    return [
        VDE_SWITCH,
        "--sock", str(lan.socket_dir),
        "--dirmode", "0700",
        "--mode", "0600",
        "--numports", str(PORTS),
        # No rc file: ~/.vderc or /etc/vde2/vde_switch.rc of this machine must not
        # add a tap (`-t`) or anything else to the lab's switch.
        "--rcfile", "/dev/null",
        "--pidfile", str(lan.pidfile),
        "--daemon",
    ]  # fmt: skip


def running(lan: LanPaths) -> int | None:
    return procs.verified(lan.pidfile, str(lan.socket_dir))


def ensure(lan: LanPaths) -> tuple[int, bool]:
    """The switch's pid, started if needed; True when it was started now."""
    pid = running(lan)
    if pid is not None and (lan.socket_dir / "ctl").exists():
        return pid, False
    stop(lan)
    lan.dir.mkdir(parents=True, exist_ok=True)
    if shutil.which(VDE_SWITCH) is None:
        raise CommandError("vde_switch not found: apt-get install vde2")
    run(argv(lan), timeout=10)
    # The daemon writes its pidfile and control socket after the parent has
    # returned: wait for both.
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        pid = running(lan)
        if pid is not None and (lan.socket_dir / "ctl").exists():
            return pid, True
        time.sleep(0.05)
    raise CommandError(f"vde_switch did not start within {START_TIMEOUT:.0f}s (see {lan.dir})")


def stop(lan: LanPaths) -> None:
    pid = running(lan)
    if pid is not None:
        procs.stop([pid], 5.0)
    if lan.dir.exists():
        shutil.rmtree(lan.dir)
