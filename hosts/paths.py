"""Where the lab keeps its state: `<repo>/.lab/`, or `$SWARMLAB_LAB_DIR`.

Nothing here names a path of one machine: the repo root is the parent of
this package, and every other path is derived from the lab directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# sockaddr_un.sun_path holds 108 bytes including the final NUL.
UNIX_SOCKET_MAX = 107
# The longest socket a host makes below its directory (its containerd's ttrpc socket).
_LONGEST_SOCKET = "containerd.sock.ttrpc"
# ssh's ControlPath below the lab directory: ssh/%C, %C being 40 hex digits.
CONTROL_SOCKET = "ssh/" + "0" * 40


def cache_root() -> Path:
    """What every lab of the user shares (VM images, engines): `$SWARMLAB_CACHE`, default
    `~/.cache/swarmlab`, as in the Makefile."""
    override = os.environ.get("SWARMLAB_CACHE", "").strip()
    return Path(override) if override else Path.home() / ".cache" / "swarmlab"


def private_dir(path: Path) -> Path:
    """A directory only root may read: the lab's keys, sockets and state live below it. The
    folders it makes on the way (`.lab/labs/` for a named lab) are private too."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        folder.chmod(0o700)
    path.chmod(0o700)
    return path


def write_if_changed(path: Path, text: str, mode: int = 0o644) -> bool:
    """Write `text` unless the file already holds it; True when written."""
    if path.exists() and path.read_text() == text:
        return False
    path.write_text(text)
    path.chmod(mode)
    return True


def lab_dir(name: str | None = None) -> Path:
    """A lab's state directory (absolute): `.lab/` for the default lab `swarmlab`, else
    `.lab/labs/<name>/`. Without a name: the lab of this environment ($SWARMLAB_LAB_DIR, else
    $SWARMLAB_LAB's)."""
    from hosts.topology import DEFAULT_LAB, check_lab_name, env_lab_name

    override = os.environ.get("SWARMLAB_LAB_DIR", "").strip()
    if override and name is None:
        return Path(override).resolve()
    name = env_lab_name() if name is None else check_lab_name(name)
    return state_root() if name == DEFAULT_LAB else state_root() / "labs" / name


def state_root() -> Path:
    """Every lab's state: the default lab's in it, each named lab's in labs/<name>/."""
    return REPO_ROOT / ".lab"


def recorded_lab_dirs(root: Path | None = None) -> list[Path]:
    """Every lab directory of this checkout (or below `root`) that may hold a lab: the
    default lab's, then each named lab's."""
    root = root or state_root()
    labs = root / "labs"
    named = sorted(p for p in labs.iterdir() if p.is_dir()) if labs.is_dir() else []
    return [root, *named]


@dataclass(frozen=True)
class HostPaths:
    """Everything one host keeps, all under `<lab>/hosts/<name>/`."""

    dir: Path

    @property
    def daemon_json(self) -> Path:
        return self.dir / "daemon.json"

    @property
    def data_root(self) -> Path:
        return self.dir / "data"

    @property
    def exec_root(self) -> Path:
        return self.dir / "run"

    @property
    def docker_socket(self) -> Path:
        return self.dir / "docker.sock"

    @property
    def dockerd_pid(self) -> Path:
        return self.dir / "dockerd.pid"

    @property
    def containerd_config(self) -> Path:
        return self.dir / "containerd.toml"

    @property
    def containerd_socket(self) -> Path:
        return self.dir / "containerd.sock"

    @property
    def containerd_root(self) -> Path:
        return self.dir / "containerd"

    @property
    def containerd_state(self) -> Path:
        return self.exec_root / "containerd"

    @property
    def containerd_pid(self) -> Path:
        return self.dir / "containerd.pid"

    @property
    def containerd_log(self) -> Path:
        return self.dir / "containerd.log"

    @property
    def dockerd_log(self) -> Path:
        return self.dir / "dockerd.log"

    @property
    def trust_key(self) -> Path:
        # Per host, so the engines get distinct IDs and /etc/docker stays untouched.
        return self.dir / "key.json"

    @property
    def holder_pid(self) -> Path:
        return self.dir / "holder.pid"

    @property
    def holder_log(self) -> Path:
        return self.dir / "holder.log"

    @property
    def sshd_config(self) -> Path:
        return self.dir / "sshd_config"

    @property
    def sshd_pid(self) -> Path:
        return self.dir / "sshd.pid"

    @property
    def sshd_log(self) -> Path:
        return self.dir / "sshd.log"

    @property
    def host_key(self) -> Path:
        return self.dir / "ssh_host_ed25519_key"

    @property
    def host_public_key(self) -> Path:
        return self.dir / "ssh_host_ed25519_key.pub"

    @property
    def longest_socket(self) -> Path:
        return self.dir / _LONGEST_SOCKET


@dataclass(frozen=True)
class LabPaths:
    """The files of the whole lab."""

    root: Path

    @classmethod
    def default(cls) -> LabPaths:
        return cls(lab_dir())

    @property
    def hosts_dir(self) -> Path:
        return self.root / "hosts"

    def host(self, name: str) -> HostPaths:
        return HostPaths(self.hosts_dir / name)

    @property
    def inventory(self) -> Path:
        return self.root / "inventory.json"

    @property
    def net_file(self) -> Path:
        """What the hosts tool made this lab with: its name, tag, LAN and backend."""
        return self.root / "net.json"

    @property
    def key(self) -> Path:
        return self.root / "id_ed25519"

    @property
    def public_key(self) -> Path:
        return self.root / "id_ed25519.pub"

    @property
    def host_list(self) -> Path:
        """The hosts as the stack reads them (swarmlab:hostsFile): one source for both."""
        return self.root / "hosts.json"

    @property
    def ssh_control_dir(self) -> Path:
        """ssh's ControlMaster sockets (0700: a socket planted by another user is never used)."""
        return self.root / "ssh"

    @property
    def known_hosts(self) -> Path:
        return self.root / "known_hosts"

    @property
    def ssh_config(self) -> Path:
        return self.root / "ssh_config"

    @property
    def image_archive(self) -> Path:
        return self.root / "busybox-image.tar"

    @property
    def created_outside(self) -> Path:
        """System paths (in /run) that did not exist until the lab's daemons made them."""
        return self.root / "created-outside.json"
