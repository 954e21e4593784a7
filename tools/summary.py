"""Print a short summary of the lab from the stack's outputs (after `make lab`, in `make status`).

Usage: python -m tools.summary [STACK]
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=False)).rstrip()
             for r in [headers, *rows]]
    return "\n".join(lines)


def render(outputs: dict[str, Any]) -> str:
    nodes = outputs.get("nodes", {})
    node_rows = [[name, n.get("role", ""), n.get("address", ""), n.get("state", ""),
                  str(n.get("id", ""))[:12]] for name, n in sorted(nodes.items())]
    nets = outputs.get("networks", {})
    net_rows = []
    for name, n in nets.items():
        attached = ", ".join(f"{a['name'].split('.')[0]}@{a['host']}" for a in n.get("attached", []))
        net_rows.append([name, n.get("driver", "-"), n.get("scope", ""), n.get("subnet", "-"),
                         "yes" if n.get("encrypted") else "", attached])
    services = outputs.get("services", {})
    svc_rows = [[name, ", ".join(t["node"] for t in tasks or []) or "(no running task)"]
                for name, tasks in sorted(services.items())]
    return "\n\n".join([
        "Swarm " + str(outputs.get("clusterId", ""))[:12],
        table(["NODE", "ROLE", "ADDRESS", "STATE", "ID"], node_rows),
        table(["NETWORK", "DRIVER", "SCOPE", "SUBNET", "ENCRYPTED", "ATTACHED"], net_rows),
        table(["SERVICE", "TASKS ON"], svc_rows),
    ])


def main(argv: list[str]) -> int:
    stack = argv[0] if argv else "local"
    proc = subprocess.run(["pulumi", "stack", "output", "--json", "--stack", stack],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f"no outputs for stack {stack}: {proc.stderr.strip()}", file=sys.stderr)
        return 1
    outputs = json.loads(proc.stdout or "{}")
    if not outputs:
        print(f"stack {stack} is empty (run `make lab`)")
        return 0
    print(render(outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
