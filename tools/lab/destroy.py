"""`make destroy`: the lab taken down from any state, and nothing of it left.

The graceful path first: `pulumi destroy` removes what Pulumi made on the hosts. When it
cannot finish (a host that does not answer, a dockerd stopped or wedged, a state file
missing, half-written or locked by an interrupted run), the hosts the hosts tool made are
taken down all the same by what it recorded (pidfiles, namespaces, links, VM processes),
which removes every Docker object with them; then the lab's stack and state go without
Pulumi, and each step says what it removed. Hosts the tool did not make (your own SSH hosts,
Vagrant) are never written off this way: there a failed `pulumi destroy` stays a failure.

Exit 0 when nothing of the lab is left, 1 when something is (named), or there was no lab.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from hosts import inventory
from hosts.paths import LabPaths
from hosts.topology import lab_net
from tools.lab import labs, spec

PROJECT = "swarmlab"
PULUMI_DESTROY_SECONDS = 900
"""Bound on the graceful path; every SSH command in it has its own deadline well below."""
HOSTS_DOWN_SECONDS = 600
CONNECT_SECONDS = 3.0
SAY = "[destroy]"


def say(text: str) -> None:
    print(f"{SAY} {text}", file=sys.stderr, flush=True)


@dataclass
class Found:
    """What of a lab is on this machine."""

    hosts: bool
    stack_file: bool
    state: list[Path] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return self.hosts or self.stack_file or bool(self.state)


def _pulumi_state() -> Path:
    return labs.STATE_ROOT / "state" / ".pulumi"


def _locks(lab: str) -> Path:
    return _pulumi_state() / "locks" / "organization" / PROJECT / lab


def state_files(lab: str) -> list[Path]:
    """The lab's stack in the local backend: its checkpoint, backups, history and locks."""
    pulumi = _pulumi_state()
    found = [p for p in (pulumi / "stacks" / PROJECT).glob(f"{lab}.json*")]
    for kind in ("backups", "history"):
        folder = pulumi / kind / PROJECT / lab
        if folder.is_dir():
            found.append(folder)
    locks = _locks(lab)
    if locks.is_dir() and any(locks.iterdir()):
        found.append(locks)
    return sorted(found)


def find(lab: str) -> Found:
    paths = LabPaths(labs.lab_dir(lab))
    hosts = any(p.exists() for p in (paths.inventory, paths.net_file, paths.hosts_dir))
    return Found(hosts=hosts, stack_file=labs.stack_file(lab).is_file(), state=state_files(lab))


def made_by_hosts_tool(lab: str) -> bool:
    """The lab's hosts are the hosts tool's own (one-box or VM): it recorded them."""
    return LabPaths(labs.lab_dir(lab)).net_file.is_file()


def unreachable(lab: str) -> list[str]:
    """The lab's hosts whose SSH port does not answer, each with why (a `pulumi destroy`
    refreshes every resource first, so it cannot finish while one does not)."""
    path = LabPaths(labs.lab_dir(lab)).host_list
    try:
        entries = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    found = []
    for entry in entries if isinstance(entries, list) else []:
        ssh = entry.get("ssh") or {}
        host, port = str(ssh.get("host") or entry.get("address")), int(ssh.get("port") or 22)
        try:
            socket.create_connection((host, port), timeout=CONNECT_SECONDS).close()
        except OSError as err:
            found.append(f"{entry.get('name')} ({host}:{port}): {err.strerror or err}")
    return found


def lock_holders(lab: str) -> list[int]:
    """PIDs of the Pulumi processes on this machine whose lock on the lab's stack is live: a
    stack locked by a run that still works is not written off under it (a lock left by an
    interrupted run names a process that is gone, or another program)."""
    locks = _locks(lab)
    holders = []
    for path in sorted(locks.glob("*.json")) if locks.is_dir() else []:
        try:
            lock = json.loads(path.read_text())
            pid, host = int(lock["pid"]), str(lock["hostname"])
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if host == socket.gethostname() and Path(command[0].decode(errors="replace")).name == "pulumi":
            holders.append(pid)
    return holders


def pulumi_destroy(lab: str) -> tuple[bool, str]:
    """`pulumi destroy`, its output shown as it comes; (finished, its last lines)."""
    if shutil.which("pulumi") is None:
        return False, "the Pulumi CLI is not built (make tools)"
    command = ["pulumi", "--cwd", str(labs.ROOT), "--non-interactive", "--stack", lab,
               "destroy", "--yes", "--skip-preview", "--suppress-progress"]
    tail: deque[str] = deque(maxlen=12)
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          stdin=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                print(line, end="", flush=True)
                tail.append(line.rstrip())
            status = proc.wait(timeout=PULUMI_DESTROY_SECONDS)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            return False, f"pulumi destroy did not finish in {PULUMI_DESTROY_SECONDS}s"
    return status == 0, "\n".join(tail)


def why(tail: str) -> str:
    """The lines of a failed destroy that say what failed."""
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    hits = [line for line in lines
            if "error" in line.lower() or "cannot connect" in line or "locked" in line]
    chosen = list(dict.fromkeys(hits[-3:])) or lines[-1:]
    return "; ".join(chosen) or "it printed nothing"


def hosts_down(lab: str) -> bool:
    return labs.hosts_tool(lab, "down", timeout=HOSTS_DOWN_SECONDS).returncode == 0


def remove_stack(lab: str, forced: bool) -> list[str]:
    """The lab's Pulumi stack: `pulumi stack rm` (with --force when its resources could not
    be destroyed: their hosts are gone), else, when Pulumi cannot read it, its files."""
    removed: list[str] = []
    if state_files(lab) and shutil.which("pulumi") is not None:
        args = ["pulumi", "--cwd", str(labs.ROOT), "--non-interactive", "stack", "rm", "--yes",
                "--stack", lab, *(["--force"] if forced else [])]
        proc = subprocess.run(args, capture_output=True, text=True, check=False,
                              stdin=subprocess.DEVNULL)
        if proc.returncode == 0:
            removed.append(f"stack {lab}" + (" (with the resources its hosts took with them)"
                                             if forced else ""))
        elif "no stack named" not in proc.stderr:
            say(f"pulumi stack rm {lab}: {proc.stderr.strip().splitlines()[-1:]}")
    for path in state_files(lab):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        removed.append(f"state file {os.path.relpath(path, labs.ROOT)}")
    return removed


def users_files(lab: str) -> frozenset[Path]:
    """What opens hosts the tool did not make (a stack that lists its own `swarmlab:hosts`),
    as the lab's stack names it: the key (both halves: those hosts authorise it), known_hosts
    and the host list. Destroy keeps them. A stack that cannot be read keeps the lab key pair:
    losing it could lock the user out of their hosts."""
    folder = labs.lab_dir(lab)
    try:
        settings = spec.settings(lab)
    except ValueError:
        return frozenset(p.resolve() for p in (folder / "id_ed25519", folder / "id_ed25519.pub")
                         if p.is_file())
    if not spec.lists_own_hosts(lab):
        return frozenset()
    named = [settings.get(k) for k in ("sshKeyFile", "sshKnownHostsFile", "hostsFile")]
    paths = [(labs.ROOT / p).resolve() for p in named if isinstance(p, str) and p]
    if isinstance(settings.get("sshKeyFile"), str):
        paths.append((labs.ROOT / f"{settings['sshKeyFile']}.pub").resolve())
    return frozenset(p for p in paths if p.is_file())


def forget_files(lab: str, keep: frozenset[Path] = frozenset()) -> list[str]:
    removed = []
    stack_file = labs.stack_file(lab)
    if stack_file.is_file():
        stack_file.unlink()
        removed.append(f"working stack file {os.path.relpath(stack_file, labs.ROOT)}")
    labs.remove_lab_files(lab, keep)
    return removed


def leftovers(lab: str, tag: str) -> list[str]:
    """What of the lab is still on the machine: its namespaces, links, lab folder's host
    records, stack and working stack file."""
    left = [f"namespace {n}" for n in sorted(os.listdir("/run/netns"))
            if n.startswith(f"{tag}-")] if os.path.isdir("/run/netns") else []
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True,
                           check=False).stdout
    for line in links.splitlines():
        name = line.split(":", 2)[1].strip().split("@")[0] if ":" in line else ""
        if name.startswith(f"{tag}-"):
            left.append(f"link {name}")
    found = find(lab)
    if found.hosts:
        left.append(f"host records in {labs.lab_dir(lab)}")
    if found.stack_file:
        left.append(f"working stack file {labs.stack_file(lab)}")
    left += [f"state {p}" for p in found.state]
    return left


def destroy(lab: str) -> int:
    found = find(lab)
    if not found.anything:
        say(f"no lab {lab} to destroy: it has no hosts, no stack and no state "
            f"({labs.lab_dir(lab)})")
        return 1
    busy = lock_holders(lab)
    if busy:
        say(f"pulumi (pid {', '.join(map(str, busy))}) is working on lab {lab} now: wait for "
            "it to end, or stop it, then run make destroy again; nothing was changed")
        return 1
    ours = made_by_hosts_tool(lab)
    recorded = inventory.read_net(LabPaths(labs.lab_dir(lab)), asked=lab) if ours else None
    tag = recorded[0].tag if recorded else lab_net(lab).tag
    graceful = True
    gone = unreachable(lab) if ours else []
    if found.state:
        graceful, tail = (False, f"no answer from {'; '.join(gone)}") if gone \
            else pulumi_destroy(lab)
        if not graceful:
            if not ours:
                say(f"pulumi destroy of lab {lab} failed ({why(tail)}). Its hosts are not the "
                    "hosts tool's, so nothing is removed without Pulumi: fix the message above "
                    "and run make destroy again")
                return 1
            say(f"pulumi destroy could not finish ({why(tail)}); taking lab {lab}'s hosts "
                "down without it: that removes every Docker object on them")
    if (ours or found.hosts) and not hosts_down(lab):
        say(f"the hosts tool could not take lab {lab}'s hosts down (above)")
    keep = frozenset() if ours else users_files(lab)
    removed = remove_stack(lab, forced=not graceful) + forget_files(lab, keep)
    if removed:
        say("removed " + ", ".join(removed))
    if keep:
        say("kept what opens your hosts: " + ", ".join(sorted(os.path.relpath(p, labs.ROOT)
                                                               for p in keep)))
    left = leftovers(lab, tag)
    if left:
        say(f"lab {lab} is not gone: {', '.join(left)}")
        return 1
    say(f"lab {lab} is gone: nothing of it is left on this machine")
    return 0
