"""`down` for the vm backend: power off, kill what is left by pid, delete every file.

Each VM gets the ACPI power button over QMP (all at once) and up to 30 s
to halt; QEMU is then killed through its pidfile. The vde_switch goes the
same way. Then the VM directories (overlays, sockets, keys, logs) and the
generated client files are removed. The cached image and the lab key pair
stay. Safe on any partial state, including after a failed `up`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from hosts import lock
from hosts.paths import LabPaths
from hosts.report import Reporter, StepError
from hosts.vm import lan, qemu
from hosts.vm.paths import VmLabPaths


def close_ssh_masters(lab: LabPaths, names: list[str]) -> None:
    """Ask the ControlMaster clients ssh_config started for these VMs to exit now."""
    if not lab.ssh_config.exists() or shutil.which("ssh") is None:
        return
    for name in names:
        subprocess.run(["ssh", "-F", str(lab.ssh_config), "-O", "exit", name],
                       capture_output=True, timeout=5, check=False)  # fmt: skip


def down(lab_dir: Path, report: Reporter) -> None:
    lab, vlab = LabPaths(lab_dir), VmLabPaths(lab_dir)
    with lock.exclusive(lab, "down"):
        _down(lab, vlab, report)


def _down(lab: LabPaths, vlab: VmLabPaths, report: Reporter) -> None:
    names = vlab.vm_names()
    close_ssh_masters(lab, names)
    if names:
        with report.step(f"powering off {', '.join(names)}") as notes:
            ended = qemu.stop_all([vlab.vm(n) for n in names])
            notes += [f"{n} {how}" for n, how in ended.items()]
            alive = [n for n in names if qemu.running(vlab.vm(n)) is not None]
            if alive:
                raise StepError("powering off", f"QEMU still running for {', '.join(alive)}")
    with report.step("stopping the lab LAN (vde_switch)"):
        lan.stop(vlab.lan)
    with report.step("removing VM files and client files"):
        if vlab.vms_dir.exists():
            shutil.rmtree(vlab.vms_dir)
        for path in (lab.inventory, lab.known_hosts, lab.ssh_config):
            path.unlink(missing_ok=True)
        control = lab.ssh_control_dir
        if control.is_dir() and not any(control.iterdir()):
            control.rmdir()
    report.say("lab is down (the cached image and the lab key pair stay)")
