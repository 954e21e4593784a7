"""Where the vm backend keeps things: per-VM state under the lab directory, images in the cache.

Per VM, everything lives in `<lab>/vms/<name>/`; the user-space LAN (the
vde_switch) in `<lab>/vms/lan/`. Images are shared by every lab of the
user: `$SWARMLAB_CACHE/images/<key>/` (default `~/.cache/swarmlab`, as in
the Makefile). No path of one machine is written down anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hosts.paths import UNIX_SOCKET_MAX, cache_root

# fw_cfg items a VM reads at boot (provision.sh `boot`), as opt/swarmlab/<item>.
FW_CFG_PREFIX = "opt/swarmlab/"
FW_CFG_ITEMS = ("hostname", "eth0_address", "eth1_address", "authorized_keys", "host_key")
# libvdeplug makes each port's data socket inside the switch directory, named
# like `.01234-00000`; keep room for it.
VDE_PORT_SOCKET_ROOM = 16


def images_dir() -> Path:
    return cache_root() / "images"


@dataclass(frozen=True)
class ImagePaths:
    """One built image: a directory named by its recipe's key."""

    dir: Path

    @property
    def rootfs(self) -> Path:
        return self.dir / "rootfs.img"

    @property
    def kernel(self) -> Path:
        return self.dir / "vmlinuz"

    @property
    def initrd(self) -> Path:
        return self.dir / "initrd.img"

    @property
    def manifest(self) -> Path:
        return self.dir / "manifest.json"

    def complete(self) -> bool:
        # The manifest is written last, inside the temporary directory, before
        # the rename: a directory with it is a whole image.
        return all(p.is_file() for p in (self.rootfs, self.kernel, self.initrd, self.manifest))


@dataclass(frozen=True)
class VmPaths:
    """Everything one VM keeps."""

    dir: Path

    @property
    def name(self) -> str:
        return self.dir.name

    @property
    def overlay(self) -> Path:
        return self.dir / "disk.qcow2"

    @property
    def pidfile(self) -> Path:
        return self.dir / "qemu.pid"

    @property
    def qmp_socket(self) -> Path:
        return self.dir / "qmp.sock"

    @property
    def console_log(self) -> Path:
        return self.dir / "console.log"

    @property
    def qemu_log(self) -> Path:
        return self.dir / "qemu.log"

    @property
    def ssh_port(self) -> Path:
        return self.dir / "ssh_port"

    @property
    def host_key(self) -> Path:
        return self.dir / "ssh_host_ed25519_key"

    @property
    def host_public_key(self) -> Path:
        return self.dir / "ssh_host_ed25519_key.pub"

    @property
    def fw_cfg_dir(self) -> Path:
        return self.dir / "fw_cfg"

    def fw_cfg(self, item: str) -> Path:
        return self.fw_cfg_dir / item


@dataclass(frozen=True)
class LanPaths:
    """The vde_switch that is the lab LAN between the VMs."""

    dir: Path

    @property
    def socket_dir(self) -> Path:
        return self.dir / "sw"

    @property
    def pidfile(self) -> Path:
        return self.dir / "vde_switch.pid"

    @property
    def log(self) -> Path:
        return self.dir / "vde_switch.log"


@dataclass(frozen=True)
class VmLabPaths:
    root: Path

    @property
    def vms_dir(self) -> Path:
        return self.root / "vms"

    def vm(self, name: str) -> VmPaths:
        return VmPaths(self.vms_dir / name)

    @property
    def access_file(self) -> Path:
        """How the tool logs in to these VMs (hosts/vm/access.py)."""
        return self.vms_dir / "access.json"

    @property
    def lan(self) -> LanPaths:
        return LanPaths(self.vms_dir / "lan")

    def vm_names(self) -> list[str]:
        """Every VM directory this lab has (the LAN's is not a VM)."""
        if not self.vms_dir.is_dir():
            return []
        return sorted(d.name for d in self.vms_dir.iterdir() if d.is_dir() and d.name != "lan")

    def too_long_sockets(self, names: list[str]) -> list[str]:
        """Unix socket paths that would not fit in sockaddr_un."""
        paths = [str(self.vm(n).qmp_socket) for n in names]
        paths.append(str(self.lan.socket_dir / "ctl") + "x" * VDE_PORT_SOCKET_ROOM)
        # ssh's ControlPath <lab>/ssh/%C, %C being 40 hex digits.
        paths.append(str(self.root / "ssh" / ("0" * 40)))
        return [p for p in paths if len(p) > UNIX_SOCKET_MAX]
