"""How the hosts tool logs in to its VMs.

By default as root on the guest's port 22, with the lab key. To make hosts the way their
owners run them (what the hosts stack meets, and what its test builds), a VM can instead
open the lab key to a user of the docker group that has no sudo, with sshd on another port
and root closed to SSH: SWARMLAB_VM_LOGIN_USER and SWARMLAB_VM_SSH_PORT at `up`. The choice
reaches the guest as fw_cfg items (provision.sh `boot`), is recorded with the lab's VMs,
and every later login of the tool (status, doctor) uses it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from hosts.vm.paths import VmLabPaths
from modules.spec.rules import USER_NAME

USER_VARIABLE = "SWARMLAB_VM_LOGIN_USER"
PORT_VARIABLE = "SWARMLAB_VM_SSH_PORT"
# Users and groups a Debian image already has: the login must be a new user (provision.sh
# refuses a system account too, at boot).
TAKEN = frozenset({
    "adm", "audio", "backup", "bin", "cdrom", "daemon", "dialout", "dip", "disk", "docker",
    "fax", "floppy", "games", "gnats", "input", "irc", "kmem", "kvm", "list", "lp", "mail",
    "man", "messagebus", "netdev", "news", "nogroup", "nobody", "operator", "plugdev",
    "proxy", "render", "sasl", "shadow", "src", "sshd", "staff", "sudo", "sys", "sync",
    "systemd-journal", "systemd-network", "systemd-resolve", "systemd-timesync", "tape",
    "tcpdump", "tty", "users", "utmp", "uucp", "video", "voice", "www-data", "_apt",
})


@dataclass(frozen=True)
class Access:
    user: str = "root"
    guest_port: int = 22

    @property
    def owners(self) -> bool:
        """A host as its owner runs it (not root on 22): the tool loads no image there."""
        return self != ROOT_ON_22

    def fw_cfg_items(self) -> dict[str, str]:
        """The items beyond the defaults (none for root on 22)."""
        items = {}
        if self.user != "root":
            items["login_user"] = self.user
        if self.guest_port != 22:
            items["ssh_port"] = str(self.guest_port)
        return items


ROOT_ON_22 = Access()


def from_env(env: dict[str, str] | None = None) -> Access:
    """The access asked for at `up`; ValueError naming the variable and what it allows."""
    values = os.environ if env is None else env
    user = values.get(USER_VARIABLE, "").strip() or "root"
    if user != "root" and (not USER_NAME.fullmatch(user) or user in TAKEN):
        raise ValueError(f"{USER_VARIABLE}={user!r}: a new user's name ([a-z_][a-z0-9_-]*, at "
                         "most 32 characters, not one of the image's own accounts or groups), "
                         "or empty for root")
    raw = values.get(PORT_VARIABLE, "").strip() or "22"
    if not (raw.isascii() and raw.isdigit()) or not (raw == "22" or 1024 <= int(raw) <= 65535):
        raise ValueError(f"{PORT_VARIABLE}={raw!r}: 22, or a port from 1024 to 65535")
    return Access(user, int(raw))


def record(vlab: VmLabPaths, access: Access) -> None:
    vlab.vms_dir.mkdir(parents=True, exist_ok=True)
    vlab.access_file.write_text(json.dumps({"user": access.user,
                                            "guest_port": access.guest_port}) + "\n")


def recorded(vlab: VmLabPaths) -> Access:
    """What the lab's VMs were made with (root on 22 when nothing is recorded)."""
    try:
        data = json.loads(vlab.access_file.read_text())
        return Access(str(data["user"]), int(data["guest_port"]))
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return Access()
