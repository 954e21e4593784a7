"""`python -m tools.lab VERB`: the lab tool's everyday verbs (the Makefile's targets call them).

    stack     write the lab's working stack file and select its Pulumi stack
    summary   print the lab's summary from its stack outputs
    require   exit 1 with a message unless the lab is built
    inspect   the lab as it runs, read live from every host (--format table|json)
    diagram   draw the running lab: <out>.svg, .png and .mmd (Mermaid)
    validate  run the checks the stack declares (swarmlab:validate); exits 0 all passed,
              1 a check failed, 2 no checks declared, 3 warnings only (checks skipped)
    matrix    who reaches whom on every network, by name and by address (<lab dir>/reachability.md)
    exec      a command on lab hosts (--node all|NAME[,NAME]) or in a service's tasks (--service)
    capture   packets on a host's interface for a few seconds: a pcap and a one-line summary
    destroy   the lab down from any state: pulumi destroy, hosts down, stack and files
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from hosts.paths import private_dir
from modules import outputs
from modules.checks import declared
from modules.checks.run import run_checks
from modules.spec.settings import default
from modules.ssh import RemoteError
from tools.lab import (
    capture,
    destroy,
    execute,
    faults,
    inspect,
    labs,
    matrix,
    spec,
    stackfile,
    summary,
)


def _pulumi(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("pulumi") is None:
        raise ValueError('pulumi is not on PATH: run `make tools`, then `eval "$(make -s env)"` '
                         "to run this tool directly")
    return subprocess.run(["pulumi", "--cwd", str(labs.ROOT), "--non-interactive", *args],
                          capture_output=True, text=True, check=False)


def cmd_stack(args: argparse.Namespace) -> int:
    lab_dir = labs.lab_dir()
    private_dir(labs.STATE_ROOT / "state")
    stackfile.passphrase(lab_dir)
    stackfile.write(args.lab, args.stack, lab_dir)
    # The Makefile reads this back as text and accepts only values of its own lists: main()
    # checked both against the same lists before anything here was written.
    (lab_dir / "lab.env").write_text(f"LAB_STACK={args.stack}\nLAB_BACKEND={args.backend}\n")
    proc = _pulumi("stack", "select", "--create", args.lab)
    if proc.returncode != 0:
        print(f"[lab] pulumi stack select {args.lab} failed: {proc.stderr.strip()}", file=sys.stderr)
        return 1
    return 0


def _outputs(lab: str) -> outputs.LabOutputs | None:
    proc = _pulumi("stack", "output", "--json", "--stack", lab)
    if proc.returncode != 0:
        return None
    try:
        return outputs.parse(json.loads(proc.stdout or "{}"))
    except ValueError:
        return None


def _make_lab(lab: str) -> str:
    """The command that builds this lab, as the user would type it."""
    return "make lab" if lab == labs.DEFAULT_LAB else f"make lab LAB={lab}"


def cmd_summary(args: argparse.Namespace) -> int:
    found = _outputs(args.lab)
    if found is None:
        print(f"[lab] lab {args.lab} is not built: run `{_make_lab(args.lab)}`", file=sys.stderr)
        return 1
    print(summary.render(found))
    broken = faults.read(args.lab)
    if not (broken.any or spec.declares(args.lab, "links")):
        return 0
    lab_spec = spec.lab_spec(args.lab)
    if args.after_up:
        broken = faults.after_up(args.lab, lab_spec)
    if broken.any:
        print(f"faults: {faults.describe_faults(lab_spec, broken)} (make heal)")
    links = faults.describe_links(lab_spec, broken)
    if links:
        print(links)
    return 0


def cmd_require(args: argparse.Namespace) -> int:
    if _outputs(args.lab) is None:
        print(f"[lab] no lab is up: lab {args.lab} ({labs.lab_dir()}) has no built stack; "
              f"run `{_make_lab(args.lab)}` first", file=sys.stderr)
        return 1
    return 0


def cmd_subnet(args: argparse.Namespace) -> int:
    """The LAN a stack asks for (its lanSubnet), which the hosts tool builds."""
    settings = stackfile.settings(args.stack, labs.lab_dir())
    print(settings.get("swarmlab:lanSubnet", default("lanSubnet")))
    return 0


FORMATS = ("table", "json")


def check_format(raw: str) -> str:
    if raw not in FORMATS:
        raise ValueError(f"FORMAT={raw!r} is not valid; allowed: {', '.join(FORMATS)}")
    return raw


def cmd_inspect(args: argparse.Namespace) -> int:
    check_format(args.format)
    if cmd_require(args) != 0:
        return 1
    doc = inspect.gather(args.lab)
    print(json.dumps(doc, indent=2) if args.format == "json" else inspect.render_table(doc))
    return 0 if all(h["reachable"] for h in doc["hosts"]) else 1


def cmd_diagram(args: argparse.Namespace) -> int:
    import graphviz  # imported by the one verb that draws (a twentieth of a second)

    from tools.lab import diagram

    if cmd_require(args) != 0:
        return 1
    try:
        paths = diagram.write(inspect.gather(args.lab), args.out)
    except (ValueError, graphviz.ExecutableNotFound, graphviz.CalledProcessError) as err:
        print(f"[lab] diagram: {err}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """The stack's declared checks, from the committed stack file as it is now (an edited
    check counts without a `make up`)."""
    try:
        if cmd_require(args) != 0:
            return declared.A_CHECK_FAILED
        stackfile.write(args.lab, args.stack, labs.lab_dir())
        lab_spec = spec.lab_spec(args.lab, checks_file=args.checks)
    except ValueError as err:
        print(f"[validate] {err}", file=sys.stderr)
        return declared.A_CHECK_FAILED
    checks = declared.declared_checks(lab_spec)
    if not checks:
        print(f"[validate] no checks declared ({args.checks or f'stacks/Pulumi.{args.stack}.yaml'}"
              ": swarmlab:validate)")
        return declared.NO_CHECKS
    results = run_checks(spec.targets(lab_spec), checks)
    for result in results:
        print(result.line())
    print(f"[validate] {declared.tally(results)}")
    return declared.exit_code(results)


def cmd_matrix(args: argparse.Namespace) -> int:
    if cmd_require(args) != 0:
        return 1
    targets = spec.targets(spec.lab_spec(args.lab))
    text = matrix.build(args.lab, inspect.gather(args.lab), lambda c: run_checks(targets, c))
    out = labs.lab_dir() / "reachability.md"
    out.write_text(text)
    print(text, end="")
    print(f"[matrix] written to {out}", file=sys.stderr)
    return 0


def cmd_exec(args: argparse.Namespace) -> int:
    execute.check_command(args.cmd)
    if cmd_require(args) != 0:
        return 1
    lab_spec = spec.lab_spec(args.lab)
    targets = spec.targets(lab_spec)
    if args.service:
        found = execute.in_service(targets, execute.check_service(lab_spec, args.service),
                                   args.cmd)
    else:
        found = execute.on_hosts(targets, execute.choose_nodes(lab_spec, args.node), args.cmd)
    for outcome in found:
        print(outcome.render())
    return 0 if all(o.exit_status == 0 for o in found) else 1


def cmd_partition(args: argparse.Namespace) -> int:
    return _fault(args, lambda: faults.cut(args.lab, args.node))


def cmd_impair(args: argparse.Namespace) -> int:
    return _fault(args, lambda: faults.impair_nodes(args.lab, args.node, args.delay, args.jitter,
                                                    args.loss, args.rate))


def cmd_unimpair(args: argparse.Namespace) -> int:
    return _fault(args, lambda: faults.unimpair(args.lab, args.node))


def cmd_heal(args: argparse.Namespace) -> int:
    return _fault(args, lambda: faults.heal(args.lab))


def _fault(args: argparse.Namespace, verb: Callable[[], str]) -> int:
    """A fault verb on the lab that is built: what the lab is now, or why nothing changed."""
    if cmd_require(args) != 0:
        return 1
    try:
        said = verb()
    except RuntimeError as err:
        print(f"[lab] {err}", file=sys.stderr)
        return 1
    print(f"[lab] {said}")
    return 0


def cmd_capture(args: argparse.Namespace) -> int:
    seconds = capture.parse_seconds(args.duration)
    if cmd_require(args) != 0:
        return 1
    targets = spec.targets(spec.lab_spec(args.lab))
    req = capture.request(args.node, args.iface, seconds, args.filter, list(targets))
    print(f"[capture] {req.node} {req.iface} for {req.seconds}s ...", file=sys.stderr)
    try:
        pcap = capture.take(targets[req.node], req)
    except RemoteError as err:
        print(f"[capture] {err}", file=sys.stderr)
        return 1
    path = capture.save(pcap, labs.lab_dir(), req)
    print(capture.summary(req, capture.count(pcap), path))
    return 0


def cmd_destroy(args: argparse.Namespace) -> int:
    """`pulumi destroy`, the hosts down, then the lab's stack and files, from any state
    (tools/lab/destroy.py)."""
    return destroy.destroy(args.lab)


def _checked(args: argparse.Namespace) -> argparse.Namespace:
    """The values given, each checked (ValueError names the Makefile's variable), before any
    verb runs; the lab is the one named, else this environment's ($SWARMLAB_LAB)."""
    args.lab = labs.lab_name() if args.lab is None else labs.check_lab(args.lab)
    if getattr(args, "stack", None) is not None:
        labs.check_stack(args.stack)
    if getattr(args, "backend", None) is not None:
        labs.check_backend(args.backend)
    return args


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.lab", description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default=None, help="the lab (default: $SWARMLAB_LAB, else swarmlab)")
    sub = parser.add_subparsers(dest="verb", required=True)
    p_stack = sub.add_parser("stack", help="write the working stack file, select the stack")
    p_stack.add_argument("--stack", required=True)
    p_stack.add_argument("--backend", required=True)
    p_summary = sub.add_parser("summary", help="the lab's summary")
    p_summary.add_argument("--after-up", action="store_true",
                           help="run by `make up`: forget the manual impairments the stack's "
                                "links (swarmlab:links) replaced")
    sub.add_parser("require", help="fail unless the lab is built")
    p_subnet = sub.add_parser("subnet", help="the LAN a stack asks for")
    p_subnet.add_argument("--stack", required=True)
    p_inspect = sub.add_parser("inspect", help="the lab as it runs (docs/inspect.md)")
    p_inspect.add_argument("--format", default="table", help=" or ".join(FORMATS))
    p_diagram = sub.add_parser("diagram", help="draw the running lab")
    p_diagram.add_argument("--out", type=Path, default=None,
                           help="output path without extension (default: <lab dir>/diagram)")
    p_validate = sub.add_parser("validate", help="run the stack's declared checks")
    p_validate.add_argument("--stack", required=True)
    p_validate.add_argument("--checks", type=Path, default=None,
                            help="a YAML list of checks to run instead of the stack's")
    sub.add_parser("matrix", help="who reaches whom, by name and by address")
    p_exec = sub.add_parser("exec", help="a command on lab hosts or in a service's tasks")
    p_exec.add_argument("--node", default="all")
    p_exec.add_argument("--service", default="")
    p_exec.add_argument("--cmd", required=True)
    p_capture = sub.add_parser("capture", help="a pcap of a host's interface")
    p_capture.add_argument("--node", required=True)
    p_capture.add_argument("--iface", default="eth1")
    p_capture.add_argument("--duration", default="5", help=f"seconds, 1 to {capture.MAX_SECONDS}")
    p_capture.add_argument("--filter", default="")
    sub.add_parser("destroy", help="the lab down from any state, nothing of it left")
    p_partition = sub.add_parser("partition", help="cut hosts from the rest of the lab LAN")
    p_partition.add_argument("--node", required=True)
    p_impair = sub.add_parser("impair", help="netem on hosts' LAN interfaces")
    p_impair.add_argument("--node", required=True)
    for value in ("delay", "jitter", "loss", "rate"):
        p_impair.add_argument(f"--{value}", default="")
    p_unimpair = sub.add_parser("unimpair", help="netem taken off hosts' LAN interfaces")
    p_unimpair.add_argument("--node", required=True)
    sub.add_parser("heal", help="every partition and impairment removed, every dockerd started")
    args = parser.parse_args(argv)
    verbs = {"stack": cmd_stack, "summary": cmd_summary, "require": cmd_require, "subnet": cmd_subnet,
             "inspect": cmd_inspect, "diagram": cmd_diagram, "validate": cmd_validate,
             "matrix": cmd_matrix, "exec": cmd_exec, "capture": cmd_capture,
             "destroy": cmd_destroy, "partition": cmd_partition, "heal": cmd_heal,
             "impair": cmd_impair, "unimpair": cmd_unimpair}
    try:
        _checked(args)
        if args.verb == "diagram" and args.out is None:
            args.out = labs.lab_dir() / "diagram"
        return int(verbs[args.verb](args))
    except ValueError as err:
        print(f"[lab] {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
