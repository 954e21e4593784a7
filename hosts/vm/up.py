"""`up` for the vm backend: the image, the LAN, one QEMU per host, then the readiness gate.

A VM whose QEMU is alive is kept as it is; one that is not is rebuilt
from a fresh overlay (its disk is throwaway: the lab state lives in the
swarm, which Pulumi rebuilds). The client files are written before the
wait, because the readiness check itself verifies host keys with them.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hosts import lock
from hosts.paths import LabPaths
from hosts.report import Reporter, StepError
from hosts.sshfiles import ensure_key_pair
from hosts.topology import Host
from hosts.vm import accel, access, build, inventory, lan, ports, qemu, ready, seed, sshfiles
from hosts.vm.access import Access
from hosts.vm.paths import VmLabPaths, VmPaths
from hosts.vm.recipe import SUITE

REQUIRED_TOOLS = (qemu.QEMU, qemu.QEMU_IMG, lan.VDE_SWITCH, "ssh-keygen")


def preflight(vlab: VmLabPaths, hosts: Sequence[Host]) -> Access:
    """What `up` needs before it starts anything; the login the VMs are made for."""
    try:
        login = access.from_env()
    except ValueError as err:
        raise StepError("preflight", str(err)) from None
    made_for = access.recorded(vlab)
    if vlab.vm_names() and made_for != login:
        raise StepError("preflight", f"this lab's VMs were made for {made_for.user} on port "
                        f"{made_for.guest_port}, not {login.user} on {login.guest_port}: take "
                        "them down first (`python -m hosts down`)")
    missing = [t for t in REQUIRED_TOOLS if shutil.which(t) is None]
    if missing:
        raise StepError(
            "preflight", f"missing {', '.join(missing)}: apt-get install qemu-system-x86 qemu-utils vde2"
        )
    too_long = vlab.too_long_sockets([h.name for h in hosts])
    if too_long:
        raise StepError(
            "preflight",
            f"{too_long[0]} is longer than a unix socket path may be; "
            "set SWARMLAB_LAB_DIR to a shorter directory",
        )
    return login


def up(lab_dir: Path, hosts: Sequence[Host], report: Reporter, suite: str = SUITE
       ) -> list[dict[str, Any]]:
    """Make every missing VM (from the suite's image) and wait until all answer; return the
    inventory records."""
    lab, vlab = LabPaths(lab_dir), VmLabPaths(lab_dir)
    login = preflight(vlab, hosts)
    with lock.exclusive(lab, "up"):
        return _up(lab, vlab, hosts, report, suite, login)


def _dead(vm: VmPaths) -> bool:
    """A VM directory whose QEMU is gone: rebuilt from scratch."""
    return vm.dir.exists() and qemu.running(vm) is None


def _clear(vm: VmPaths) -> None:
    qemu.stop_all([vm], timeout=5.0)
    if vm.dir.exists():
        shutil.rmtree(vm.dir)


def _up(lab: LabPaths, vlab: VmLabPaths, hosts: Sequence[Host], report: Reporter, suite: str,
        login: Access) -> list[dict[str, Any]]:
    kind = accel.detect()
    why = " (no vmx/svm: emulated, boots take minutes)" if kind == "tcg" else ""
    report.say(f"accelerator: {kind}{why}")
    image = build.ensure(report, suite)
    report.say(f"image {image.dir.name}")

    with report.step("clearing leftovers") as notes:
        wanted = {h.name for h in hosts}
        stale = [n for n in vlab.vm_names() if n not in wanted]
        stale += [h.name for h in hosts if _dead(vlab.vm(h.name))]
        if lan.running(vlab.lan) is None:
            # A new switch has none of the old VMs' ports: they would be cut off the LAN.
            stale += [n for n in vlab.vm_names() if qemu.running(vlab.vm(n)) is not None]
        stale = list(dict.fromkeys(stale))
        for name in stale:
            _clear(vlab.vm(name))
        notes.append(", ".join(stale) if stale else "none")

    access.record(vlab, login)
    if login.owners:
        report.say(f"VMs as their owners run them: user {login.user} (docker group, no sudo), "
                   f"sshd on port {login.guest_port}, no root login")

    with report.step("lab key pair") as notes:
        if ensure_key_pair(lab):
            notes.append(f"created {lab.key}")

    with report.step("lab LAN (vde_switch)") as notes:
        pid, started = lan.ensure(vlab.lan)
        notes.append(f"{'started' if started else 'running'}, pid {pid}")

    endpoints: list[sshfiles.Endpoint] = []
    started_now: list[str] = []
    taken = {inventory.port_of(vlab.vm(h.name)) for h in hosts} - {None}
    for index, h in enumerate(hosts):
        vm = vlab.vm(h.name)
        with report.step(f"VM {h.address}", h.name) as notes:
            port = inventory.port_of(vm)
            if qemu.running(vm) is not None and port is not None:
                notes.append(f"running, pid {qemu.running(vm)}, ssh 127.0.0.1:{port}")
            else:
                vm.dir.mkdir(parents=True, exist_ok=True)
                seed.ensure_host_key(h, vm)
                seed.write_items(h, vm, lab, login)
                qemu.create_overlay(vm, image)
                port = ports.pick(index, {p for p in taken if p is not None})
                taken.add(port)
                vm.ssh_port.write_text(f"{port}\n")
                pid = qemu.start(qemu.argv(h, vm, image, vlab.lan, port, kind, login), vm)
                started_now.append(h.name)
                notes.append(f"started, pid {pid}, ssh 127.0.0.1:{port}")
            endpoints.append(sshfiles.Endpoint(h, port))

    with report.step("ssh_config and known_hosts"):
        sshfiles.write_client_files(lab, vlab, endpoints)

    if started_now:
        report.say(f"waiting for {', '.join(started_now)} to boot (ssh with the lab's host key, then docker)")
    ready.wait(lab, vlab, [ready.Waiting(e.host.name, e.port) for e in endpoints], kind, report)

    records = [inventory.record(e.host, vlab.vm(e.host.name), e.port, kind, image) for e in endpoints]
    with report.step("inventory.json"):
        inventory.write(lab, records)
    report.say(
        f"lab is up: {', '.join(f'{h.name} {h.address}' for h in hosts)}; "
        f"try: ssh -F {lab.ssh_config} {hosts[0].name} docker info"
    )
    return records
