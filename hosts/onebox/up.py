"""`up` for the one-box backend: build the hosts, or repair them; a no-op when all is healthy.

Order matters for safety: the guard routes come first, before any lab address exists; then
whatever a crashed run left is cleared; then the bridge, the namespaces, and the daemons
inside them. Every piece is checked before it is made, so a second `up` changes nothing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pyroute2 import IPRoute

from hosts import image, inventory, lock, procs, sshfiles
from hosts.commands import CommandError
from hosts.onebox import (
    containerd,
    dockerapi,
    dockerd,
    engine,
    engines,
    guard,
    holder,
    mounts,
    network,
    outside,
    sshd,
)
from hosts.onebox.teardown import clean_hosts, lab_host_names
from hosts.paths import CONTROL_SOCKET, UNIX_SOCKET_MAX, LabPaths, private_dir
from hosts.report import Reporter, StepError
from hosts.topology import Host, LabNet

REQUIRED_TOOLS = ("ip", "nsenter", "unshare", "setsid", "ssh-keygen", "sshd")
INSTALL_HINT = "apt-get install busybox-static openssh-server iproute2 iptables util-linux"


def preflight(lab: LabPaths, hosts: Sequence[Host], choice: str = engines.SYSTEM,
              report: Reporter | None = None) -> engine.Engine:
    step = "preflight"
    if os.geteuid() != 0:
        raise StepError(step, "must run as root (namespaces, routes, dockerd)")
    missing = [t for t in REQUIRED_TOOLS if shutil.which(t) is None]
    missing += [str(image.BUSYBOX)] if not image.BUSYBOX.exists() else []
    if missing:
        raise StepError(step, f"missing {', '.join(missing)}: {INSTALL_HINT}")
    try:
        found = engine.find(choice, report.say if report else lambda line: None)
    except (ValueError, CommandError) as err:
        raise StepError(step, str(err)) from None
    for longest in [lab.root / CONTROL_SOCKET, *(lab.host(h.name).longest_socket for h in hosts)]:
        if len(str(longest)) > UNIX_SOCKET_MAX:
            raise StepError(
                step,
                f"{longest} is longer than a unix socket path may be ({UNIX_SOCKET_MAX}); "
                "set SWARMLAB_LAB_DIR to a shorter directory",
            )
    return found


def _foreign_namespaces(lab: LabPaths, hosts: Sequence[Host]) -> list[str]:
    """Namespaces with a lab host's name that this lab directory did not create."""
    return [h.netns for h in hosts if network.netns_exists(h.netns) and not lab.host(h.name).dir.is_dir()]


def _reusable(host: Host, lab: LabPaths) -> bool:
    """A host whose holder is alive in its namespace is repaired in place, not rebuilt."""
    return holder.running(host.netns, lab.host(host.name)) is not None


def up(lab: LabPaths, net: LabNet, hosts: Sequence[Host], report: Reporter,
       choice: str = engines.SYSTEM) -> list[inventory.HostRecord]:
    """Make every piece that is missing; return the inventory records."""
    found = preflight(lab, hosts, choice, report)
    with lock.exclusive(lab, "up"):
        return _up(lab, net, hosts, found, choice, report)


def _up(lab: LabPaths, net: LabNet, hosts: Sequence[Host], found: engine.Engine, choice: str,
        report: Reporter) -> list[inventory.HostRecord]:
    changes: list[str] = []

    with report.step("guard routes (unreachable 10/8, 172.16/12, 192.168/16)") as notes:
        with IPRoute() as ipr:
            added = guard.ensure(ipr)
            if not guard.holds(ipr):
                raise StepError("guard routes", "the guard routes are not in the main table")
        notes += [f"added {a}" for a in added] or ["in place"]
        changes += added

    private_dir(lab.root)
    inventory.write_net(lab, net, "onebox", engine=choice)
    # Recorded before anything runs, so that down after a failed up still
    # knows which /run paths the lab's daemons made.
    outside.record(lab, outside.missing())

    with report.step("clearing leftovers") as notes:
        foreign = _foreign_namespaces(lab, hosts)
        if foreign:
            raise StepError(
                "clearing leftovers",
                f"network namespace(s) {', '.join(foreign)} exist but were not created by "
                f"this lab ({lab.root}); remove them (ip netns delete NAME) or run down "
                "from the lab that made them",
            )
        wanted = {h.name for h in hosts}
        stale = [n for n in lab_host_names(lab) if n not in wanted]
        stale += [h.name for h in hosts if lab.host(h.name).dir.is_dir() and not _reusable(h, lab)]
        clean_hosts(lab, net, stale, Reporter(quiet=True))
        notes.append(f"cleared {', '.join(stale)}" if stale else "none")
        changes += [f"cleared {n}" for n in stale]

    with report.step(f"bridge {net.bridge} {net.gateway}/{net.prefixlen}") as notes, \
            IPRoute() as ipr:
        if network.ensure_bridge(ipr, net):
            changes.append("bridge")
            notes.append("created")

    holders: dict[str, int] = {}
    with IPRoute() as ipr:
        for h in hosts:
            hp = lab.host(h.name)
            with report.step(f"namespace {h.netns}, eth1 {h.address}/{net.prefixlen}, holder",
                             h.name) as notes:
                # The directory first: it marks the namespace as this lab's.
                hp.dir.mkdir(parents=True, exist_ok=True)
                if network.ensure_host_link(ipr, h):
                    changes.append(f"{h.name} link")
                    notes.append("network set up")
                pid = holder.running(h.netns, hp)
                if pid is None:
                    pid = holder.start(h, hp)
                    changes.append(f"{h.name} holder")
                    notes.append(f"holder {pid}")
                holders[h.name] = pid
        if any(c.endswith(" link") for c in changes):
            network.flush_neighbours(ipr, net, hosts)

    # Start every missing engine first (its containerd, then its dockerd), then wait for
    # them together.
    starting = []
    for h in hosts:
        hp = lab.host(h.name)
        config_changed = containerd.write_config(hp)
        config_changed = dockerd.write_config(hp, found) or config_changed
        # Another engine's daemons (a failed up with another ENGINE, a bumped pin) are
        # restarted on this one's binaries.
        if (dockerd.healthy(h, hp) and procs.runs(containerd.running(hp), found.containerd)
                and procs.runs(dockerd.running(hp), found.dockerd) and not config_changed):
            continue
        clean_daemon_state(lab, h)
        containerd.start(h, holders[h.name], hp, found)
        starting.append(h.name)
        changes.append(f"{h.name} dockerd")
    for name in starting:
        hp = lab.host(name)
        with report.step("starting containerd", name) as notes:
            notes.append(f"pid {containerd.wait_ready(hp)}")
        host = next(h for h in hosts if h.name == name)
        dockerd.start(host, holders[name], hp, found)
    for h in hosts:
        hp = lab.host(h.name)
        label = "starting dockerd" if h.name in starting else "dockerd"
        with report.step(label, h.name) as notes:
            notes.append(f"{dockerd.wait_ready(h, hp)}, pid {dockerd.running(hp)}")

    with report.step("lab key pair") as notes:
        if sshfiles.ensure_key_pair(lab):
            changes.append("key pair")
            notes.append(f"created {lab.key}")
    for h in hosts:
        hp = lab.host(h.name)
        with report.step(f"sshd on {h.address}:22", h.name) as notes:
            changed = sshd.ensure_host_key(h, hp)
            changed = sshd.write_config(h, hp, lab, found.path) or changed
            pid = sshd.running(hp)
            if pid is not None and (changed or not sshd.healthy(h, hp, holders[h.name])):
                procs.stop([pid], 5.0)
                pid = None
            if pid is None:
                pid = sshd.start(h, hp, holders[h.name])
                changes.append(f"{h.name} sshd")
            notes.append(f"pid {pid}")
    with report.step("ssh_config and known_hosts"):
        if sshfiles.write_client_files(lab, hosts):
            changes.append("ssh client files")

    with report.step(f"building {image.IMAGE}") as notes:
        built = image.build()
        if not lab.image_archive.exists() or lab.image_archive.read_bytes() != built.archive:
            lab.image_archive.write_bytes(built.archive)
        notes.append(built.image_id[:19])
    with report.step(f"image {image.IMAGE} on {len(hosts)} host(s)") as notes:
        # Each dockerd loads it at the same time as the others (one at a time took 5.4 s of
        # a 32-host up); a failed load names its host.
        with ThreadPoolExecutor(max_workers=IMAGE_LOADS_AT_ONCE) as pool:
            loaded = [h.name for h, done in zip(hosts, pool.map(
                lambda h: _load_image(lab.host(h.name).docker_socket, h.name, built), hosts),
                strict=True) if done]
        changes += [f"{name} image" for name in loaded]
        notes.append(f"loaded on {', '.join(loaded)}" if loaded else "on every host already")

    records = [
        inventory.record(lab, h, dockerd.running(lab.host(h.name)), sshd.running(lab.host(h.name)))
        for h in hosts
    ]
    with report.step("inventory.json, hosts.json"):
        if inventory.write(lab, records):
            changes.append("inventory")
        if inventory.write_host_list(lab, hosts):
            changes.append("host list")
    report.say(f"changes: {', '.join(changes) if changes else 'none'}")
    report.say(
        f"lab {net.name} is up: {', '.join(f'{h.name} {h.address}' for h in hosts)}; "
        f"try: ssh -F {lab.ssh_config} {hosts[0].name} docker info"
    )
    return records


IMAGE_LOADS_AT_ONCE = 8


def _load_image(sock: Path, name: str, built: image.Image) -> bool:
    """The lab image into a host's dockerd unless it has it: whether it was loaded."""
    try:
        if dockerapi.image_id(sock, image.IMAGE) == built.image_id:
            return False
        dockerapi.load_image(sock, built.archive)
        loaded = dockerapi.image_id(sock, image.IMAGE)
    except (OSError, dockerapi.DockerAPIError, ValueError) as err:
        raise RuntimeError(f"{name}: {err}") from err
    if loaded != built.image_id:
        raise RuntimeError(f"{name}: loaded image has ID {loaded}, expected {built.image_id}")
    return True


def clean_daemon_state(lab: LabPaths, host: Host) -> None:
    """Before (re)starting a host's engine: stop what is left of the old one, keep its data."""
    hp = lab.host(host.name)
    pids = [p for p in (dockerd.running(hp), sshd.running(hp)) if p is not None]
    procs.stop(pids, 15.0)
    engine_pid = containerd.running(hp)
    if engine_pid is not None:
        procs.stop([engine_pid], 10.0)
    # Shims and container processes of the old engine live on in the namespace.
    hold = holder.running(host.netns, hp)
    inode = network.netns_inode(host.netns)
    if inode is not None:
        members = [p for p in procs.in_namespace("net", inode) if p != hold]
        procs.stop(members + sorted(procs.descendants(members)), 5.0)
    mounts.unmount_under(hp.exec_root)
    mounts.unmount_under(hp.data_root)
    hp.containerd_pid.unlink(missing_ok=True)
    hp.dockerd_pid.unlink(missing_ok=True)
