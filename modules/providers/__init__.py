"""Pulumi dynamic providers, one module per resource kind: swarm init, join, network,
service, container, a host's netem (links), the preflight and the readiness gate.

Why dynamic providers: the Docker provider plugin (pulumi-resource-docker) cannot be had
on these machines (the Go module proxy refuses it at every version; see the README), and
pulumi-docker cannot express swarm init/join nor config-only/config-from macvlan networks
anyway. Each provider drives one kind of Docker object through modules.docker, over the
lab's verified SSH connections.

Conventions (base.py): every provider is idempotent (create adopts an object of the lab's
name only when every field the lab sets matches, and otherwise refuses naming the field),
`read` reports a vanished object as gone so `pulumi up` (which refreshes first) recreates
it, `diff` names the inputs that force a replacement, and a resource's outputs are declared
once, as the annotations of its Resource class.
"""
