"""The readiness gate at the end of every `pulumi up`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from modules.checks import builtin
from modules.providers.readiness import Readiness
from modules.spec import LabSpec
from modules.ssh import Target


@dataclass
class LabReadinessArgs:
    spec: LabSpec
    built: list[pulumi.Resource]
    """Everything the checks look at: the gate runs after all of it."""


class LabReadiness(pulumi.ComponentResource):
    def __init__(self, name: str, args: LabReadinessArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("swarmlab:readiness:LabReadiness", name, None, opts)
        spec = args.spec

        checks: list[list[dict[str, Any]]] = []
        for check in builtin.service_checks(spec) + builtin.demo_checks(spec):
            other = builtin.reverse(check, spec)
            checks.append([c.as_dict() for c in (check, other) if c is not None])
        self.gate = Readiness(
            f"{name}-gate", {h.name: Target.for_host(spec, h) for h in spec.hosts},
            checks, spec.ready_timeout,
            pulumi.ResourceOptions(parent=self, depends_on=args.built))
        self.register_outputs({"passed": self.gate.passed})
