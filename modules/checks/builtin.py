"""The checks a lab promises by its spec: what `pulumi up` proves, from inside the lab,
before it returns (the readiness gate), and what `make validate` tries first.

- every host's dockerd is in the swarm, and every service has its tasks running;
- on every swarm network, each service reaches the one declared before it by name
  (`tasks.<name>`: with VIPs a ping to the service name is answered in the caller's own
  namespace, moby#33770, so only the tasks' own addresses prove the network). A chain, not
  every pair: every service but the first asks and every one but the last answers, and the
  checks grow with the services, not with their pairs. With more than two hosts on a
  network, not every pair of hosts is tried: each service is reached, not each host pair;
- on every overlay, each host with a task on it counts every other such host among the
  network's gossip peers (what names and VIPs across hosts rest on: a host that dropped out
  of the gossip and came back is missing until it is synced again);
- on every demo host: the seven containers run, web pings db by name on myappnet, web1
  reaches web2 by address on the default bridge, and the host-network server answers HTTP.
"""

from __future__ import annotations

from itertools import pairwise

from modules.checks.model import Check, Source
from modules.spec import LabSpec, content


def service_checks(spec: LabSpec) -> list[Check]:
    live = [s for s in spec.services if s.replicas > 0]
    checks = [Check("swarm", Source("host", h.name, h.name)) for h in spec.hosts]
    checks += [Check("tasks", Source("host", spec.leader.name, spec.leader.name), target=s.name,
                    count=s.replicas) for s in live]
    encrypted = {o.name for o in spec.overlays if o.encrypted}
    for net in spec.swarm_networks:
        on_net = [s for s in live if s.network == net]
        # One direction proves both: the reply comes back the same way. From the later service
        # (the seed's client, app) to the earlier one (web).
        for server, client in pairwise(on_net):
            checks.append(Check("ping", Source("service", client.name, client.node),
                                target=f"tasks.{server.name}", network=net,
                                requires="esp" if net in encrypted else ""))
    for overlay in spec.overlays:
        nodes = sorted({s.node for s in live if s.network == overlay.name})
        if len(nodes) < 2:
            continue
        addresses = " ".join(spec.host(n).address for n in nodes)
        checks += [Check("peers", Source("host", n, n), target=addresses, network=overlay.name)
                   for n in nodes]
    return checks


def demo_checks(spec: LabSpec) -> list[Check]:
    checks: list[Check] = []
    for name in spec.single_host_nodes:
        host = spec.host(name)
        demos = content.demo_containers(host.address)
        checks.append(Check("containers", Source("host", name, name),
                            target=" ".join(d.name for d in demos)))
        checks.append(Check("ping", Source("container", "web", name), target="db",
                            network="myappnet"))
        checks.append(Check("ping", Source("container", "web1", name), target="@web2",
                            network="bridge"))
        checks.append(Check("http", Source("container", "web1", name), target=host.address,
                            port=content.HOST_PORT, network="host"))
    return checks


def reverse(check: Check, spec: LabSpec) -> Check | None:
    """The same pair tried the other way (when the source's image has no ping)."""
    if check.source.kind != "service" or not check.target.startswith("tasks."):
        return None
    server = next((s for s in spec.services if s.name == check.target[len("tasks."):]), None)
    if server is None:
        return None
    return Check("ping", Source("service", server.name, server.node),
                 target=f"tasks.{check.source.name}", network=check.network,
                 requires=check.requires)
