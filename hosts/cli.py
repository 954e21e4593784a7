"""`python -m hosts up|down|status|doctor|image|guard`."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from pyroute2 import IPRoute

from hosts import backends, image, inventory, topology
from hosts.onebox import doctor, engines, guard, neighbours, network, status
from hosts.paths import LabPaths
from hosts.report import PREFIX, Reporter, StepError
from hosts.vm import access
from hosts.vm.recipe import SUITES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m hosts",
        description="The lab's hosts: network namespaces with dockerd and sshd (onebox), or "
        "QEMU VMs with a stock kernel (vm). The lab is $SWARMLAB_LAB (default swarmlab); its "
        "state lives in <repo>/.lab (or $SWARMLAB_LAB_DIR).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up", help="create the hosts (or repair them); no-op when healthy")
    p_up.add_argument("--backend", choices=tuple(backends.BACKENDS),
                      help="where the hosts run (default onebox, or the one the lab is up on)")
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
    p_image = sub.add_parser("image", help="write the lab image as a `docker save` archive, "
                             "for hosts you run yourself: ssh HOST docker load < FILE")
    p_image.add_argument("file", help="where to write it (an existing file is replaced)")
    for verb, what in (("node-stop", "stop"), ("node-start", "start")):
        p_node = sub.add_parser(verb, help=f"{what} these hosts' dockerd (a node failure)")
        p_node.add_argument("nodes", help="all, or host names separated by commas")
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
    name = args.backend or (recorded[1] if recorded else "onebox")
    if recorded and recorded[1] != name and inventory.read_raw(lab):
        raise StepError("up", f"this lab is up on the {recorded[1]} backend; take it down first "
                        f"(`python -m hosts down`, or `make destroy`)")
    backend = backends.BACKENDS[name]
    chosen = _chosen(args, lab, backend)
    asked = [v for v in (access.USER_VARIABLE, access.PORT_VARIABLE) if os.environ.get(v)]
    if asked and name != "vm":
        raise StepError("up", f"{', '.join(asked)} is for the vm backend (VMs made as their "
                        f"owner runs them); {backend.title} are reached as root on port 22")
    net = topology.lab_net(subnet=subnet or (str(recorded[0].subnet) if recorded else None))
    hosts = topology.plan(managers, workers, net)
    neighbours.refuse_clash(lab, net, name)
    report = Reporter(quiet=args.quiet)
    start = time.monotonic()
    backend.up(lab, net, hosts, report, chosen)
    report.say(f"up took {time.monotonic() - start:.1f}s")
    return 0


def _given(args: argparse.Namespace, setting: str) -> str | None:
    return getattr(args, setting) or os.environ.get(f"SWARMLAB_{setting.upper()}")


def _chosen(args: argparse.Namespace, lab: LabPaths, backend: backends.Backend) -> str:
    """The backend's setting: --engine / --debian, else $SWARMLAB_ENGINE / $SWARMLAB_DEBIAN,
    else what the lab was made with, else its default. A lab that is up keeps it (its
    data-root, swarm state and image belong to it); another backend's setting is refused."""
    for other in backends.BACKENDS.values():
        given = _given(args, other.setting)
        if other is not backend and given and given != other.default:
            raise StepError("up", f"{other.setting.upper()}={given} is for {other.title}; "
                            f"{backend.instead}")
    recorded = inventory.read_choice(lab, backend.setting)
    value = _given(args, backend.setting) or recorded or backend.default
    if value not in backend.allowed:
        raise StepError("up", f"SWARMLAB_{backend.setting.upper()}={value!r} is not known; "
                        f"allowed: {', '.join(backend.allowed)}")
    if recorded and recorded != value and inventory.read_raw(lab):
        raise StepError("up", f"this lab runs {backend.setting.upper()}={recorded}; take it "
                        "down first (`make destroy`) to change it")
    return value


def _backend(lab: LabPaths) -> tuple[topology.LabNet, backends.Backend, bool]:
    """The lab's LAN and backend as recorded (the defaults before any up), and whether they
    were recorded."""
    recorded = _recorded(lab)
    net, name = recorded if recorded else (topology.lab_net(), "onebox")
    return net, backends.BACKENDS[name], recorded is not None


def cmd_down(args: argparse.Namespace, lab: LabPaths) -> int:
    net, backend, recorded = _backend(lab)
    report = Reporter(quiet=args.quiet)
    start = time.monotonic()
    backend.down(lab, net, report, recorded)
    report.say(f"down took {time.monotonic() - start:.1f}s")
    return 0


def cmd_status(args: argparse.Namespace, lab: LabPaths) -> int:
    net, backend, _ = _backend(lab)
    entries = backend.status(lab, net)
    print(json.dumps(entries, indent=2) if args.json else status.render(entries, backend.daemons))
    if not entries:
        print(f"{PREFIX} no lab is up ({lab.root}): run `make lab`", file=sys.stderr)
    return 0 if entries and all(e["up"] for e in entries) else 1


def cmd_doctor(args: argparse.Namespace, lab: LabPaths) -> int:
    _, backend, _ = _backend(lab)
    results = backend.doctor(lab, args.hosts or None)
    print(json.dumps(results, indent=2) if args.json else doctor.render(results))
    if len(results) == 1:
        print(f"{PREFIX} no hosts: run `python -m hosts up` first", file=sys.stderr)
    return 0 if len(results) > 1 and all(r["ok"] for r in results) else 1


def cmd_image(args: argparse.Namespace, lab: LabPaths) -> int:
    """The archive the hosts tool loads on its own hosts, for hosts it did not make."""
    target = Path(args.file)
    if target.is_dir() or not target.parent.is_dir():
        raise StepError("image", f"{args.file}: not a file in an existing directory")
    try:
        built = image.build()
    except FileNotFoundError as err:
        raise StepError("image", str(err)) from None
    target.write_bytes(built.archive)
    print(f"{PREFIX} {image.IMAGE} ({built.image_id}) written to {args.file}; on each host: "
          f"docker load < {target.name}")
    return 0


def _lab_hosts(lab: LabPaths, net: topology.LabNet, asked: str) -> list[topology.Host]:
    """The recorded hosts `asked` names (all, or names separated by commas, each once)."""
    hosts = [topology.Host(r["name"], r["address"], r["role"], net)
             for r in inventory.read_raw(lab)]
    if not hosts:
        raise StepError("node", f"no lab is up ({lab.root}): run `make lab`")
    chosen = topology.choose([h.name for h in hosts], asked)
    return [h for h in hosts if h.name in chosen]


def cmd_node(args: argparse.Namespace, lab: LabPaths) -> int:
    net, backend, _ = _backend(lab)
    act = backend.stop_docker if args.command == "node-stop" else backend.start_docker
    for host in _lab_hosts(lab, net, args.nodes):
        print(f"{PREFIX} {host.name}: {act(lab, host)}")
    return 0


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
            "image": cmd_image, "guard": cmd_guard, "node-stop": cmd_node,
            "node-start": cmd_node}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        # Bad input is refused first, whoever runs the tool.
        topology.env_lab_name()
        lab = LabPaths.default()
        if args.command == "up":
            _up_input(args)
        if args.command in ("up", "down", "doctor", "guard", "node-stop", "node-start") \
                and os.geteuid() != 0:
            raise StepError(args.command, "must run as root (namespaces, routes, daemons)")
        return COMMANDS[args.command](args, lab)
    except StepError as err:
        print(f"{PREFIX} FAILED: {err}", file=sys.stderr)
        return 1
    except ValueError as err:
        print(f"{PREFIX} {err}", file=sys.stderr)
        return 2
