"""`python -m hosts up|down|status|doctor|guard`."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from pyroute2 import IPRoute

from hosts import (
    doctor,
    engines,
    guard,
    image,
    inventory,
    neighbours,
    network,
    status,
    teardown,
    topology,
)
from hosts import up as onebox
from hosts.paths import LabPaths, private_dir
from hosts.report import PREFIX, Reporter, StepError
from hosts.vm.recipe import SUITES

BACKENDS = ("onebox", "vm")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m hosts",
        description="The lab's hosts: network namespaces with dockerd and sshd (onebox), or "
        "QEMU VMs with a stock kernel (vm). The lab is $SWARMLAB_LAB (default swarmlab); its "
        "state lives in <repo>/.lab (or $SWARMLAB_LAB_DIR).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up", help="create the hosts (or repair them); no-op when healthy")
    p_up.add_argument("--backend", choices=BACKENDS, help="where the hosts run (default onebox, "
                      "or the one the lab is up on)")
    # Counts stay text here: topology checks them as typed (int() would take '+3' or ' 3').
    p_up.add_argument("--managers", help="manager hosts (default 1, $SWARMLAB_MANAGERS)")
    p_up.add_argument("--workers", help="worker hosts (default 1, $SWARMLAB_WORKERS)")
    p_up.add_argument("--subnet", help="the lab's LAN (default 192.168.1.0/24, $SWARMLAB_SUBNET)")
    p_up.add_argument("--engine", choices=engines.choices(),
                      help="the one-box hosts' Docker engine: system (the machine's, the "
                           "default) or Debian's pinned 26 or 28 ($SWARMLAB_ENGINE)")
    p_up.add_argument("--debian", choices=SUITES,
                      help="the VMs' Debian suite, its kernel and Docker: bookworm (the "
                           "default), trixie or forky ($SWARMLAB_DEBIAN)")
    p_up.add_argument("--quiet", action="store_true", help="print errors only")
    p_down = sub.add_parser("down", help="remove everything up made (guard routes stay)")
    p_down.add_argument("--quiet", action="store_true", help="print errors only")
    p_status = sub.add_parser("status", help="hosts, daemons and swarm state")
    p_status.add_argument("--json", action="store_true", help="machine-readable output")
    p_doctor = sub.add_parser("doctor", help="kernel features and ports each host needs")
    p_doctor.add_argument("--json", action="store_true", help="machine-readable output")
    p_doctor.add_argument("hosts", nargs="*", help="hosts to check (default: all)")
    p_guard = sub.add_parser("guard", help="the guard routes: show them, or remove them "
                             "(refused while any lab is up)")
    p_guard.add_argument("--remove", action="store_true")
    return parser


def _recorded(lab: LabPaths) -> tuple[topology.LabNet, str] | None:
    """What the lab directory recorded, refused when it is another lab's than SWARMLAB_LAB's."""
    return inventory.read_net(lab, asked=topology.env_lab_name())


def _up_input(args: argparse.Namespace) -> tuple[int, int, str | None]:
    """up's counts and LAN as given, checked before anything else (root included)."""
    managers, workers = topology.counts_from_env(args.managers, args.workers)
    if args.subnet is not None:
        topology.check_subnet(args.subnet, "--subnet (lanSubnet)")
    elif os.environ.get("SWARMLAB_SUBNET") is not None:
        topology.check_subnet(os.environ["SWARMLAB_SUBNET"], "SWARMLAB_SUBNET")
    return managers, workers, args.subnet


def cmd_up(args: argparse.Namespace, lab: LabPaths) -> int:
    managers, workers, subnet = _up_input(args)
    recorded = _recorded(lab)
    backend = args.backend or (recorded[1] if recorded else "onebox")
    if recorded and recorded[1] != backend and inventory.read_raw(lab):
        raise StepError("up", f"this lab is up on the {recorded[1]} backend; take it down first "
                        f"(`python -m hosts down`, or `make destroy`)")
    engine, suite = _engine_and_suite(args, lab, backend)
    net = topology.lab_net(subnet=subnet or (str(recorded[0].subnet) if recorded else None))
    hosts = topology.plan(managers, workers, net)
    neighbours.refuse_clash(lab, net, backend)
    report = Reporter(quiet=args.quiet)
    start = time.monotonic()
    if backend == "vm":
        _up_vm(lab, net, hosts, report, suite)
    else:
        onebox.up(lab, net, hosts, report, engine)
    report.say(f"up took {time.monotonic() - start:.1f}s")
    return 0


def _chosen(args: argparse.Namespace, lab: LabPaths, key: str, allowed: tuple[str, ...]) -> str:
    """--engine / --debian, else $SWARMLAB_ENGINE / $SWARMLAB_DEBIAN, else what the lab was
    made with, else the default. A lab that is up keeps it: its data-root, swarm state and
    image belong to it."""
    recorded = inventory.read_choice(lab, key)
    variable = f"SWARMLAB_{key.upper()}"
    value = getattr(args, key) or os.environ.get(variable) or recorded or inventory.CHOICES[key]
    if value not in allowed:
        raise StepError("up", f"{variable}={value!r} is not known; allowed: {', '.join(allowed)}")
    if recorded and recorded != value and inventory.read_raw(lab):
        raise StepError("up", f"this lab runs {key.upper()}={recorded}; take it down first "
                        f"(`make destroy`) to change it")
    return value


def _engine_and_suite(args: argparse.Namespace, lab: LabPaths, backend: str) -> tuple[str, str]:
    """ENGINE is the one-box hosts' knob, DEBIAN the VMs': each refused with the other backend."""
    engine = _chosen(args, lab, "engine", engines.choices()) if backend == "onebox" \
        else (args.engine or os.environ.get("SWARMLAB_ENGINE") or engines.SYSTEM)
    suite = _chosen(args, lab, "debian", SUITES) if backend == "vm" \
        else (args.debian or os.environ.get("SWARMLAB_DEBIAN") or inventory.CHOICES["debian"])
    if backend == "vm" and engine != engines.SYSTEM:
        raise StepError("up", f"ENGINE={engine} is for the one-box hosts; the vm backend's "
                        "Docker is its Debian suite's (DEBIAN=)")
    if backend == "onebox" and suite != inventory.CHOICES["debian"]:
        raise StepError("up", f"DEBIAN={suite} is for the vm backend; the one-box hosts run "
                        "this machine's kernel, and their Docker is ENGINE=")
    return engine, suite


def _up_vm(lab: LabPaths, net: topology.LabNet, hosts: list[topology.Host],
           report: Reporter, suite: str) -> None:
    from hosts import vm

    private_dir(lab.root)
    inventory.write_net(lab, net, "vm", debian=suite)
    records = vm.up(lab.root, hosts, report, suite)
    built = image.build()
    vm.load_image(lab.root, built.archive, image.IMAGE, built.image_id, report)
    inventory.write_host_list(lab, hosts, {r["name"]: r["ssh"] for r in records})


def cmd_down(args: argparse.Namespace, lab: LabPaths) -> int:
    recorded = _recorded(lab)
    net, backend = recorded if recorded else (topology.lab_net(), "onebox")
    report = Reporter(quiet=args.quiet)
    start = time.monotonic()
    if backend == "vm":
        from hosts import vm

        vm.down(lab.root, report)
        for path in (lab.host_list, lab.net_file):
            path.unlink(missing_ok=True)
    else:
        teardown.down(lab, net, report, recorded=recorded is not None)
    report.say(f"down took {time.monotonic() - start:.1f}s")
    return 0


def cmd_status(args: argparse.Namespace, lab: LabPaths) -> int:
    recorded = _recorded(lab)
    net, backend = recorded if recorded else (topology.lab_net(), "onebox")
    if backend == "vm":
        from hosts import vm

        entries = vm.status(lab.root)
    else:
        entries = status.collect(lab, net)
    print(json.dumps(entries, indent=2) if args.json else status.render(entries))
    if not entries:
        print(f"{PREFIX} no lab is up ({lab.root}): run `make lab`", file=sys.stderr)
    return 0 if entries and all(e["up"] for e in entries) else 1


def cmd_doctor(args: argparse.Namespace, lab: LabPaths) -> int:
    recorded = _recorded(lab)
    if recorded and recorded[1] == "vm":
        from hosts import vm

        results = vm.doctor(lab.root, args.hosts or None)
    else:
        results = doctor.check_all(lab, args.hosts or None)
    print(json.dumps(results, indent=2) if args.json else doctor.render(results))
    if len(results) == 1:
        print(f"{PREFIX} no hosts: run `python -m hosts up` first", file=sys.stderr)
    return 0 if len(results) > 1 and all(r["ok"] for r in results) else 1


def cmd_guard(args: argparse.Namespace, lab: LabPaths) -> int:
    with IPRoute() as ipr:
        if not args.remove:
            print("the guard routes are " + ("in place" if guard.holds(ipr) else "missing"))
            return 0 if guard.holds(ipr) else 1
        up = network.bridges(ipr) + [n for n in network.lab_namespaces()]
        if up:
            raise StepError("guard --remove", f"a lab is up ({', '.join(sorted(set(up)))}): its "
                            "addresses would lose their fence; take every lab down first")
        for line in guard.remove(ipr) or ["nothing to remove"]:
            print(f"{PREFIX} removed {line}" if line != "nothing to remove" else f"{PREFIX} {line}")
    return 0


COMMANDS = {"up": cmd_up, "down": cmd_down, "status": cmd_status, "doctor": cmd_doctor,
            "guard": cmd_guard}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        # Bad input is refused first, whoever runs the tool.
        topology.env_lab_name()
        lab = LabPaths.default()
        if args.command == "up":
            _up_input(args)
        if args.command in ("up", "down", "doctor", "guard") and os.geteuid() != 0:
            raise StepError(args.command, "must run as root (namespaces, routes, daemons)")
        return COMMANDS[args.command](args, lab)
    except StepError as err:
        print(f"{PREFIX} FAILED: {err}", file=sys.stderr)
        return 1
    except ValueError as err:
        print(f"{PREFIX} {err}", file=sys.stderr)
        return 2
