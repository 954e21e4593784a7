"""`python -m tools.lab VERB`: the lab tool's everyday verbs (the Makefile's targets call them).

    stack     write the lab's working stack file and select its Pulumi stack
    summary   print the lab's summary from its stack outputs
    require   exit 1 with a message unless the lab is built
    inspect   the lab as it runs, read live from every host (--format table|json)
    diagram   draw the running lab: <out>.svg, .png and .mmd (Mermaid)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import graphviz

from hosts.paths import private_dir
from modules import outputs
from tools.lab import diagram, inspect, labs, stackfile, summary


def _pulumi(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["pulumi", "--cwd", str(labs.ROOT), "--non-interactive", *args],
                          capture_output=True, text=True, check=False)


def cmd_stack(args: argparse.Namespace) -> int:
    lab_dir = labs.lab_dir()
    private_dir(labs.STATE_ROOT / "state")
    stackfile.passphrase(lab_dir)
    stackfile.write(args.lab, args.stack, lab_dir)
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


def cmd_summary(args: argparse.Namespace) -> int:
    found = _outputs(args.lab)
    if found is None:
        print(f"[lab] lab {args.lab} is not built: run `make lab`", file=sys.stderr)
        return 1
    print(summary.render(found))
    return 0


def cmd_require(args: argparse.Namespace) -> int:
    if _outputs(args.lab) is None:
        print(f"[lab] no lab is up: lab {args.lab} ({labs.lab_dir()}) has no built stack; "
              "run `make lab` first", file=sys.stderr)
        return 1
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    if cmd_require(args) != 0:
        return 1
    doc = inspect.gather(args.lab)
    print(json.dumps(doc, indent=2) if args.format == "json" else inspect.render_table(doc))
    return 0 if all(h["reachable"] for h in doc["hosts"]) else 1


def cmd_diagram(args: argparse.Namespace) -> int:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.lab", description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default=labs.lab_name(), type=labs.check_name)
    sub = parser.add_subparsers(dest="verb", required=True)
    p_stack = sub.add_parser("stack", help="write the working stack file, select the stack")
    p_stack.add_argument("--stack", required=True)
    p_stack.add_argument("--backend", required=True)
    sub.add_parser("summary", help="the lab's summary")
    sub.add_parser("require", help="fail unless the lab is built")
    p_inspect = sub.add_parser("inspect", help="the lab as it runs (docs/inspect.md)")
    p_inspect.add_argument("--format", choices=("table", "json"), default="table")
    p_diagram = sub.add_parser("diagram", help="draw the running lab")
    p_diagram.add_argument("--out", type=Path, default=None,
                           help="output path without extension (default: <lab dir>/diagram)")
    args = parser.parse_args(argv)
    if args.verb == "diagram" and args.out is None:
        args.out = labs.lab_dir() / "diagram"
    verbs = {"stack": cmd_stack, "summary": cmd_summary, "require": cmd_require,
             "inspect": cmd_inspect, "diagram": cmd_diagram}
    try:
        return int(verbs[args.verb](args))
    except ValueError as err:
        print(f"[lab] {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
