"""`python -m tools.lab VERB`: the lab tool's everyday verbs (the Makefile's targets call them).

    stack     write the lab's working stack file and select its Pulumi stack
    summary   print the lab's summary from its stack outputs
    require   exit 1 with a message unless the lab is built
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from hosts.paths import private_dir
from modules import outputs
from tools.lab import labs, stackfile, summary


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.lab", description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default=labs.lab_name(), type=labs.check_name)
    sub = parser.add_subparsers(dest="verb", required=True)
    p_stack = sub.add_parser("stack", help="write the working stack file, select the stack")
    p_stack.add_argument("--stack", required=True)
    p_stack.add_argument("--backend", required=True)
    sub.add_parser("summary", help="the lab's summary")
    sub.add_parser("require", help="fail unless the lab is built")
    args = parser.parse_args(argv)
    try:
        return int({"stack": cmd_stack, "summary": cmd_summary, "require": cmd_require}[args.verb](args))
    except ValueError as err:
        print(f"[lab] {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
