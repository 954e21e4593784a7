"""One QEMU process per VM: its command line, its start, its stop.

Two NICs, neither touching the machine's network:
- eth0, management: QEMU user-mode networking with restrict=on (the guest
  reaches nothing, not even the machine) and one forward,
  127.0.0.1:<port> -> the guest's sshd. Its subnet is moved away from
  slirp's 10.0.2.0/24, which swarm's default overlay pool (10.0.0.0/8, /24
  per network) hands out early.
- eth1, the lab LAN: a port of the lab's vde_switch.

Kernel and initrd come from the image and are booted directly (no boot
loader). Per-VM values and keys reach the guest as fw_cfg files, never on
this command line. QEMU daemonizes, writes its pidfile, and is found again
only through it.
"""

from __future__ import annotations

import ipaddress
import os

from hosts import procs
from hosts.commands import CommandError, run
from hosts.topology import Host
from hosts.vm import accel, qmp
from hosts.vm.access import ROOT_ON_22, Access
from hosts.vm.paths import FW_CFG_ITEMS, FW_CFG_PREFIX, ImagePaths, LanPaths, VmPaths

QEMU = "qemu-system-x86_64"
QEMU_IMG = "qemu-img"
MGMT_NET = "10.254.254.0/24"
MGMT_HOST = "10.254.254.2"
MGMT_GUEST = "10.254.254.15"
# Not quiet: console.log shows how far a slow (emulated) boot has come.
KERNEL_CMDLINE = "root=/dev/vda rw console=ttyS0,115200 net.ifnames=0"
POWERDOWN_TIMEOUT = 30.0


def memory_mb() -> int:
    raw = os.environ.get("SWARMLAB_VM_MEMORY_MB", "").strip()
    return int(raw) if raw.isdigit() else 2048


def cpus() -> int:
    """Two vCPUs where the machine has two cores or more: the VMs are rarely busy at the same
    time (the manager builds while the worker waits, and the other way round), so under
    emulation a busy VM gets both cores while the other idles."""
    raw = os.environ.get("SWARMLAB_VM_CPUS", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else min(2, os.cpu_count() or 1)


def lan_mac(host: Host) -> str:
    """Unique on the LAN and readable: 52:54:00:a8:01:<last octet of the lab address>."""
    last = int(ipaddress.IPv4Address(host.address)) & 0xFF
    return f"52:54:00:a8:01:{last:02x}"


def argv(
    host: Host, vm: VmPaths, image: ImagePaths, lan: LanPaths, ssh_port: int, accel_kind: str,
    login: Access = ROOT_ON_22,
) -> list[str]:
    fw_cfg: list[str] = []
    for item in (*FW_CFG_ITEMS, *login.fw_cfg_items()):
        fw_cfg += ["-fw_cfg", f"name={FW_CFG_PREFIX}{item},file={vm.fw_cfg(item)}"]
    return [
        QEMU,
        "-name", f"swarmlab-{host.name}",
        "-machine", "pc",
        *accel.qemu_args(accel_kind),
        "-m", str(memory_mb()),
        "-smp", str(cpus()),
        "-nodefaults",
        "-no-user-config",
        "-display", "none",
        "-kernel", str(image.kernel),
        "-initrd", str(image.initrd),
        "-append", KERNEL_CMDLINE,
        # The overlay is thrown away by down, and rebuilt by an up that finds the
        # VM dead: the host's page cache may hold its writes (cache=unsafe).
        "-drive", f"file={vm.overlay},format=qcow2,if=virtio,cache=unsafe,discard=unmap",
        "-netdev",
        f"user,id=mgmt,restrict=on,ipv6=off,net={MGMT_NET},host={MGMT_HOST},"
        f"hostfwd=tcp:127.0.0.1:{ssh_port}-{MGMT_GUEST}:{login.guest_port}",
        "-device", "virtio-net-pci,netdev=mgmt,addr=0x3",
        "-netdev", f"vde,id=lan,sock={lan.socket_dir}",
        "-device", f"virtio-net-pci,netdev=lan,mac={lan_mac(host)},addr=0x4",
        "-device", "virtio-rng-pci",
        *fw_cfg,
        "-qmp", f"unix:{vm.qmp_socket},server=on,wait=off",
        "-serial", f"file:{vm.console_log}",
        # QEMU runs as root: a seccomp filter once it runs. (spawn=deny and
        # elevateprivileges=deny make -daemonize fail: QEMU 7.2 exits 1 silently.)
        "-sandbox", "on,obsolete=deny,resourcecontrol=deny",
        "-pidfile", str(vm.pidfile),
        "-daemonize",
    ]  # fmt: skip


def create_overlay(vm: VmPaths, image: ImagePaths) -> None:
    vm.overlay.unlink(missing_ok=True)
    run([QEMU_IMG, "create", "-q", "-f", "qcow2", "-b", str(image.rootfs), "-F", "raw", str(vm.overlay)])


def running(vm: VmPaths) -> int | None:
    """The VM's QEMU pid, if alive and really this VM's (its command line names the VM dir)."""
    return procs.verified(vm.pidfile, str(vm.dir))


def start(argv_: list[str], vm: VmPaths) -> int:
    """Start QEMU; it returns once the VM runs (or fails with QEMU's own message)."""
    for stale in (vm.pidfile, vm.qmp_socket, vm.console_log):
        stale.unlink(missing_ok=True)
    proc = run(argv_, timeout=60, check=False)
    vm.qemu_log.write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        said = (proc.stderr or proc.stdout).strip() or f"no message (see {vm.console_log})"
        raise CommandError(f"qemu exited {proc.returncode}: {said}")
    pid = running(vm)
    if pid is None:
        raise CommandError(f"qemu started but {vm.pidfile} names no live QEMU")
    return pid


def stop_all(vms: list[VmPaths], timeout: float = POWERDOWN_TIMEOUT) -> dict[str, str]:
    """Power every VM off (ACPI, all at once), wait up to `timeout`, then kill by pid.

    Returns how each VM ended: "powered off", "killed" or "not running".
    """
    pids: dict[str, int] = {}
    ended: dict[str, str] = {}
    for vm in vms:
        pid = running(vm)
        if pid is None:
            ended[vm.name] = "not running"
            continue
        pids[vm.name] = pid
        qmp.powerdown(vm.qmp_socket)
    left = procs.wait_gone(pids.values(), timeout)
    for name, pid in pids.items():
        ended[name] = "killed" if pid in left else "powered off"
    procs.stop(left, 5.0)
    return ended
