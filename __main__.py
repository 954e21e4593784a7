"""swarmlab: the seed's Docker networking lesson as one Pulumi stack.

Thin on purpose: read and validate the stack's config (before any SSH
connection), then build the swarm, its networks, its services and the
single-host demos, and export what `docker network inspect` would show.
"""

from __future__ import annotations

import os
from typing import Any

import pulumi

from modules import preflight
from modules.config import ConfigError, load_spec
from modules.networks import SwarmNetworks, SwarmNetworksArgs
from modules.report import attachments, network_outputs
from modules.services import SwarmServices, SwarmServicesArgs
from modules.singlehost import SingleHostDemos, SingleHostDemosArgs
from modules.swarm import Swarm, SwarmArgs

try:
    spec = load_spec()
except ConfigError as err:
    # RunError: the message alone, no traceback; nothing has been touched yet.
    raise pulumi.RunError(str(err)) from None

# Read-only checks of every host before any resource is declared (the unit tests,
# which have no hosts, turn them off).
if os.environ.get("SWARMLAB_PREFLIGHT", "1") != "0":
    problems = preflight.check_all(spec)
    if problems:
        raise pulumi.RunError("preflight found problems; nothing was changed:\n  - "
                              + "\n  - ".join(problems))

swarm = Swarm("swarm", SwarmArgs(spec))
networks = SwarmNetworks("net", SwarmNetworksArgs(spec, swarm.init))
services = SwarmServices("svc", SwarmServicesArgs(spec, networks.by_name, swarm.membership))
demo_hosts = [spec.host(name) for name in spec.single_host_nodes]
demos = [
    SingleHostDemos(f"demo-{host.name}", SingleHostDemosArgs(spec, host),
                    pulumi.ResourceOptions(depends_on=[swarm.membership[host.name]]))
    for host in demo_hosts
]

summaries = {
    name: pulumi.Output.all(
        id=net.network_id, driver=net.actual_driver, scope=net.actual_scope,
        subnet=net.actual_subnet, gateway=net.actual_gateway, encrypted=net.encrypted)
    for name, net in networks.by_name.items()
}
single_host_networks = ["bridge", "mynetwork", "myappnet", "host", "none"] if demos else []
everything_built: list[Any] = [s.tasks for s in services.by_name.values()] + [
    c.container_id for demo in demos for c in demo.containers.values()]


def _report(values: list[Any]) -> dict[str, Any]:
    built_summaries = values[0]
    if pulumi.runtime.is_dry_run():
        return network_outputs(built_summaries, {})
    names = list(built_summaries) + single_host_networks
    return network_outputs(built_summaries, attachments(spec, names))


pulumi.export("clusterId", swarm.cluster_id)
pulumi.export("nodes", swarm.nodes)
pulumi.export("networks", pulumi.Output.all(pulumi.Output.all(**summaries), *everything_built)
              .apply(_report))
pulumi.export("services", services.tasks)
pulumi.export("singleHost", {demo_host.name: demo.addresses
                             for demo_host, demo in zip(demo_hosts, demos, strict=True)})
# Secrets: shown only with --show-secrets, stored encrypted.
pulumi.export("workerJoinToken", swarm.worker_token)
pulumi.export("managerJoinToken", swarm.manager_token)
pulumi.export("unlockKey", swarm.unlock_key)
