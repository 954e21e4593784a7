"""Removing hosts: `down`, and `up`'s clearing of what a crashed run left.

Processes are found only through the lab's pidfiles, as members of a
namespace the lab created (containerd and its shims live in the host's
network namespace; the shims are re-parented to init, so parentage alone
would miss them), or as descendants of those. Never by name.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence

from pyroute2 import IPRoute

from hosts import inventory, lock, procs
from hosts.onebox import containerd, dockerd, holder, mounts, network, outside, sshd
from hosts.paths import LabPaths
from hosts.report import Reporter, StepError
from hosts.topology import HOST_NAME, LabNet

DOCKERD_STOP_TIMEOUT = 15.0
CONTAINERD_STOP_TIMEOUT = 10.0
LEFTOVER_STOP_TIMEOUT = 5.0


def lab_host_names(lab: LabPaths) -> list[str]:
    """Hosts this lab directory owns: the inventory's plus every host directory."""
    names = [r.name for r in inventory.read(lab)]
    if lab.hosts_dir.is_dir():
        names += sorted(d.name for d in lab.hosts_dir.iterdir() if d.is_dir() and HOST_NAME.match(d.name))
    return list(dict.fromkeys(names))


def _leftover_processes(lab: LabPaths, netns: str, name: str) -> set[int]:
    hp = lab.host(name)
    roots: set[int] = set()
    engine = containerd.running(hp)
    if engine is not None:
        roots.add(engine)
    inode = network.netns_inode(netns)
    if inode is not None:
        roots.update(procs.in_namespace("net", inode))
    hold = holder.running(netns, hp) or holder.orphan(hp)
    if hold is not None:
        roots.add(hold)
        for kind in ("net", "uts"):
            ns = procs.namespace(hold, kind)
            if ns is not None:
                roots.update(procs.in_namespace(kind, ns))
    return roots | procs.descendants(roots)


def close_ssh_masters(lab: LabPaths, names: Sequence[str]) -> None:
    """Ask the ssh client masters that ssh_config's ControlMaster started for these hosts to
    exit, through their own control sockets; once the namespace is gone no FIN would reach
    them and they would linger until ControlPersist runs out."""
    if not lab.ssh_config.exists():
        return
    for name in names:
        subprocess.run(["ssh", "-F", str(lab.ssh_config), "-O", "exit", name],
                       capture_output=True, timeout=5, check=False)


def clean_hosts(lab: LabPaths, net: LabNet, names: Sequence[str], report: Reporter) -> None:
    """Stop, unmount and delete everything of these hosts. Safe on any partial state."""
    if not names:
        return
    close_ssh_masters(lab, names)
    with report.step(f"stopping sshd, dockerd and containerd ({', '.join(names)})") as notes:
        daemons = []
        for name in names:
            hp = lab.host(name)
            daemons += [p for p in (sshd.running(hp), dockerd.running(hp)) if p is not None]
        # dockerd stops its containers on SIGTERM; then their containerd can go.
        killed = procs.stop(daemons, DOCKERD_STOP_TIMEOUT)
        engines = [p for p in (containerd.running(lab.host(n)) for n in names) if p is not None]
        killed += procs.stop(engines, CONTAINERD_STOP_TIMEOUT)
        if killed:
            notes.append(f"SIGKILL after the grace period: pids {killed}")
    with IPRoute() as ipr:
        for name in names:
            hp = lab.host(name)
            netns = net.netns(name)
            with report.step("stopping leftover processes", name):
                procs.stop(_leftover_processes(lab, netns, name), LEFTOVER_STOP_TIMEOUT)
            with report.step("unmounting", name):
                mounts.unmount_under(hp.dir)
            with report.step("deleting namespace and veth", name):
                network.delete_netns(netns)
                veth = netns
                if not network.wait_link_gone(ipr, veth):
                    network.delete_link(ipr, veth)
                if not network.wait_link_gone(ipr, veth, 5.0):
                    raise StepError("deleting namespace and veth", f"{veth} is still there", name)
            with report.step("removing host directory", name):
                left = mounts.under(hp.dir)
                if left:
                    raise StepError("removing host directory", f"still mounted: {left}", name)
                if hp.dir.exists():
                    shutil.rmtree(hp.dir)


def down(lab: LabPaths, net: LabNet, report: Reporter, recorded: bool = True) -> None:
    """Remove every host, the bridge and the generated files. Keeps the guard and key pair.
    `recorded`: the lab directory holds the lab's net.json, so the bridge of `net` is the
    one this directory made; without it the bridge is left alone."""
    with lock.exclusive(lab, "down"):
        _down(lab, net, report, recorded)


def _down(lab: LabPaths, net: LabNet, report: Reporter, recorded: bool = True) -> None:
    names = lab_host_names(lab)
    clean_hosts(lab, net, names, report)
    if recorded:
        with IPRoute() as ipr, report.step(f"deleting bridge {net.bridge} and lab links"):
            for name in network.lab_links(ipr, net, names):
                if name != net.bridge:
                    network.delete_link(ipr, name)
            network.delete_link(ipr, net.bridge)
            left = network.lab_links(ipr, net, names)
            if left:
                raise StepError("deleting bridge and lab links", f"still there: {left}")
    else:
        with IPRoute() as ipr:
            if network.link_exists(ipr, net.bridge):
                report.say(f"left bridge {net.bridge} alone: {lab.root} has no record of "
                           f"lab {net.name} (net.json), so it may be another directory's")
    with report.step("removing generated files"):
        for path in (lab.inventory, lab.host_list, lab.known_hosts, lab.ssh_config,
                     lab.image_archive, lab.net_file):
            path.unlink(missing_ok=True)
        if lab.hosts_dir.is_dir() and not any(lab.hosts_dir.iterdir()):
            lab.hosts_dir.rmdir()
        removed = outside.remove(lab)
    if removed:
        report.say(f"removed what the lab had created outside {lab.root}: {', '.join(removed)}")
    report.say(f"lab {net.name} is down (the guard routes and the lab key pair stay)")
