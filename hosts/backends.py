"""Where a lab's hosts come from, behind one interface: each backend makes its hosts (up),
takes them down, reports them (status) and checks them (doctor), and reads one setting of
its own: the one-box hosts their Docker engine (ENGINE), the VMs their Debian suite
(DEBIAN). The CLI calls these without knowing which backend it has (the way netlab's
providers share one class); a new backend is one more class here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from hosts import image, inventory
from hosts.onebox import doctor, engines, node, status, teardown
from hosts.onebox import up as onebox_up
from hosts.paths import LabPaths, private_dir
from hosts.report import Reporter
from hosts.topology import Host, LabNet
from hosts.vm import access
from hosts.vm.paths import VmLabPaths
from hosts.vm.recipe import SUITES


class Backend(Protocol):
    name: str
    title: str
    """How a message names its hosts: "the one-box hosts"."""
    setting: str
    """Its one setting: the net.json key, the --option and SWARMLAB_<SETTING>."""
    allowed: tuple[str, ...]
    default: str
    instead: str
    """What a message says when the other backend's setting is given."""
    daemons: tuple[tuple[str, str], ...]
    """`status`' columns that say a host is alive: (column, entry key)."""

    def up(self, lab: LabPaths, net: LabNet, hosts: Sequence[Host], report: Reporter,
           chosen: str) -> None: ...

    def down(self, lab: LabPaths, net: LabNet, report: Reporter, recorded: bool) -> None: ...

    def status(self, lab: LabPaths, net: LabNet) -> list[dict[str, Any]]: ...

    def doctor(self, lab: LabPaths, names: list[str] | None) -> list[dict[str, Any]]: ...

    def stop_docker(self, lab: LabPaths, host: Host) -> str:
        """A node failure: the host's dockerd stopped, the host itself still reachable."""
        ...

    def start_docker(self, lab: LabPaths, host: Host) -> str: ...


class OneBox:
    """Network namespaces on this machine, each with its own containerd, dockerd and sshd."""

    name = "onebox"
    title = "the one-box hosts"
    setting = "engine"
    allowed = engines.choices()
    default = inventory.CHOICES["engine"]
    instead = "the one-box hosts run this machine's kernel, and their Docker is ENGINE="
    daemons: tuple[tuple[str, str], ...] = status.DAEMONS

    def up(self, lab: LabPaths, net: LabNet, hosts: Sequence[Host], report: Reporter,
           chosen: str) -> None:
        onebox_up.up(lab, net, hosts, report, chosen)

    def down(self, lab: LabPaths, net: LabNet, report: Reporter, recorded: bool) -> None:
        teardown.down(lab, net, report, recorded=recorded)

    def status(self, lab: LabPaths, net: LabNet) -> list[dict[str, Any]]:
        return status.collect(lab, net)

    def doctor(self, lab: LabPaths, names: list[str] | None) -> list[dict[str, Any]]:
        return doctor.check_all(lab, names)

    def stop_docker(self, lab: LabPaths, host: Host) -> str:
        return node.stop_docker(lab, host)

    def start_docker(self, lab: LabPaths, host: Host) -> str:
        return node.start_docker(lab, host)


class Vm:
    """QEMU guests with a stock Debian kernel on a user-space LAN (hosts/vm)."""

    name = "vm"
    title = "the vm backend"
    setting = "debian"
    allowed: tuple[str, ...] = SUITES
    default = inventory.CHOICES["debian"]
    instead = "the vm backend's Docker is its Debian suite's (DEBIAN=)"
    daemons: tuple[tuple[str, str], ...] = (("QEMU", "qemu_pid"), ("GUEST", "guest"),
                                            ("SSH PORT", "ssh_port"))

    def up(self, lab: LabPaths, net: LabNet, hosts: Sequence[Host], report: Reporter,
           chosen: str) -> None:
        from hosts import vm

        private_dir(lab.root)
        inventory.write_net(lab, net, "vm", debian=chosen)
        records = vm.up(lab.root, hosts, report, chosen)
        if access.recorded(VmLabPaths(lab.root)).owners:
            # Their owners load the lab image (README: "Your own SSH hosts").
            report.say(f"lab image not loaded: load {image.IMAGE} as the README says")
        else:
            built = image.build()
            vm.load_image(lab.root, built.archive, image.IMAGE, built.image_id, report)
        inventory.write_host_list(lab, hosts, {r["name"]: r["ssh"] for r in records})

    def down(self, lab: LabPaths, net: LabNet, report: Reporter, recorded: bool) -> None:
        from hosts import vm

        vm.down(lab.root, report)
        for path in (lab.host_list, lab.net_file):
            path.unlink(missing_ok=True)

    def status(self, lab: LabPaths, net: LabNet) -> list[dict[str, Any]]:
        from hosts import vm

        return vm.status(lab.root)

    def doctor(self, lab: LabPaths, names: list[str] | None) -> list[dict[str, Any]]:
        from hosts import vm

        return vm.doctor(lab.root, names)

    def stop_docker(self, lab: LabPaths, host: Host) -> str:
        from hosts.vm import node as vm_node

        return vm_node.stop_docker(lab, host.name)

    def start_docker(self, lab: LabPaths, host: Host) -> str:
        from hosts.vm import node as vm_node

        return vm_node.start_docker(lab, host.name)


BACKENDS: dict[str, Backend] = {"onebox": OneBox(), "vm": Vm()}
