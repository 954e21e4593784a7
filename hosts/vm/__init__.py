"""The vm backend: the lab's hosts as QEMU guests with a stock Debian kernel.

    hosts.vm.up(lab_dir, hosts, report, suite) -> list[dict]   inventory records
    hosts.vm.down(lab_dir, report)
    hosts.vm.status(lab_dir) -> list[dict]
    hosts.vm.doctor(lab_dir, names) -> list[dict]       kernel features per VM
    hosts.vm.load_image(lab_dir, archive, report)       `docker load` on every VM

Nothing of it touches the machine's network: SSH reaches each VM through
a QEMU user-mode forward on 127.0.0.1 (restrict=on), and the lab LAN lives
in a vde_switch. See README.md in this directory.
"""

from hosts.vm.doctor import doctor
from hosts.vm.down import down
from hosts.vm.guestimage import load_image
from hosts.vm.status import status
from hosts.vm.up import up

__all__ = ["doctor", "down", "load_image", "status", "up"]
