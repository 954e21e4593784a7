"""The stack's link impairment (swarmlab:links): one Link per host it names."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from modules.providers.links import Link
from modules.spec import LabSpec
from modules.ssh import Target


@dataclass
class LinksArgs:
    spec: LabSpec
    """The validated lab: its links, hosts and LAN interface (macvlan.parent)."""
    preflight: pulumi.Resource
    """The hosts' read-only checks (netem among them): nothing changes on a host before."""


class Links(pulumi.ComponentResource):
    """netem on the LAN interface of each host the stack names, as `pulumi up` sets it.

    Each needs only its host reachable (the preflight): not the swarm, nor any service, so
    the lab is built on the impaired LAN, and the readiness gate, which waits for these,
    proves it as impaired. A host the stack does not name is left as it is.
    """

    def __init__(self, name: str, args: LinksArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("swarmlab:links:Links", name, None, opts)
        spec = args.spec
        self.by_host: dict[str, Link] = {
            host: Link(f"{name}-{host}", Target.for_host(spec, spec.host(host)),
                       spec.macvlan.parent, values.netem(), values.as_dict(),
                       pulumi.ResourceOptions(parent=self, depends_on=[args.preflight]))
            for host, values in spec.links.items()}
        self.register_outputs({})
