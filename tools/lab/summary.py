"""A short summary of the lab from its stack outputs (after `make lab`, in `make status`)."""

from __future__ import annotations

from collections.abc import Sequence

from modules.outputs import LabOutputs


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                     for row in cells)


def render(outputs: LabOutputs) -> str:
    node_rows = [[name, n["role"], n["address"], str(n["id"])[:12]]
                 for name, n in sorted(outputs["nodes"].items())]
    net_rows = [[name, n["driver"], n["scope"], n["subnet"] or "-", "yes" if n["encrypted"] else ""]
                for name, n in outputs["networks"].items()]
    svc_rows = [[name, ", ".join(t["node"] for t in tasks or []) or "(no running task)"]
                for name, tasks in sorted(outputs["services"].items())]
    demo_rows = [[host, ", ".join(sorted(containers))]
                 for host, containers in sorted(outputs["singleHost"].items())]
    parts = [
        f"Swarm {str(outputs['clusterId'])[:12]}: {outputs['ready']['passed']} checks passed",
        *[f"  {line}" for line in outputs["ready"]["skipped"]],
        table(["NODE", "ROLE", "ADDRESS", "ID"], node_rows),
        table(["NETWORK", "DRIVER", "SCOPE", "SUBNET", "ENCRYPTED"], net_rows),
        table(["SERVICE", "TASKS ON"], svc_rows),
    ]
    if demo_rows:
        parts.append(table(["DEMO HOST", "CONTAINERS (bridge, mynetwork, myappnet, host, none)"],
                           demo_rows))
    return "\n\n".join(parts)
