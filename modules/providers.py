"""Pulumi dynamic providers for the lab's Docker and swarm resources.

Why dynamic providers: the Docker provider plugin (pulumi-resource-docker)
cannot be built on these machines (the Go module proxy refuses
github.com/pulumi/pulumi-docker/provider at every version; see the README),
and pulumi-docker cannot express swarm init/join nor config-only/config-from
macvlan networks anyway. Each provider here drives one kind of Docker object
through modules.dockercli, over the lab's verified SSH connections.

Conventions: every provider is idempotent (create adopts an object that is
already what it should be), `read` reports a vanished object as gone so
`pulumi refresh` drops it and `pulumi up` recreates it, and `diff` names the
inputs that force a replacement.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from modules import dockercli as d
from modules.remote import RemoteError, Target, retry


def _target(props: dict[str, Any], key: str = "target") -> Target:
    return Target.from_dict(props[key])


ReadMethod = Callable[[Any, str, dict[str, Any]], ReadResult]


def _settling(read: ReadMethod) -> ReadMethod:
    """Reads only look, so a transient answer (a dockerd that came back a moment ago, a swarm
    still electing) is retried, bounded, instead of failing the whole refresh. A dockerd that
    does not answer at all is reported at once: waiting would only delay the message."""
    def attempt(self: Any, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            return read(self, id_, props)
        except d.DaemonDownError as err:
            raise RemoteError(str(err)) from None

    @functools.wraps(read)
    def settled(self: Any, id_: str, props: dict[str, Any]) -> ReadResult:
        return retry(lambda: attempt(self, id_, props), attempts=5, delay=1.0)
    return settled


def _create_unless_taken(create: Callable[[], str], taken: str) -> str | None:
    """Create first: on a fresh lab that is one docker command instead of an inspect and then
    a create. None when Docker refuses because the name is taken (`taken` is in its error):
    the caller then looks at what holds the name, and adopts or replaces it."""
    try:
        return create()
    except RemoteError as err:
        if taken not in str(err):
            raise
        return None


def _diff(olds: dict[str, Any], news: dict[str, Any], replace_keys: tuple[str, ...],
          update_keys: tuple[str, ...] = ()) -> DiffResult:
    replaces = [k for k in replace_keys if olds.get(k) != news.get(k)]
    updates = [k for k in update_keys if olds.get(k) != news.get(k)]
    return DiffResult(changes=bool(replaces or updates), replaces=replaces,
                      delete_before_replace=True)


# --- swarm ----------------------------------------------------------------------

class SwarmInitProvider(ResourceProvider):
    """`docker swarm init` on the first manager; outputs the join tokens (secret).

    Hardening settings (autolock, certificate expiry, token rotation) are applied with
    `docker swarm update` / `docker swarm join-token --rotate`, in place.
    """

    def _outs(self, props: dict[str, Any], target: Target, info: dict[str, Any]
              ) -> dict[str, Any]:
        spec = (info.get("Cluster") or {}).get("Spec") or {}
        autolock = bool((spec.get("EncryptionConfig") or {}).get("AutoLockManagers"))
        return {
            **props,
            "cluster_id": info["Cluster"]["ID"],
            "node_id": info["NodeID"],
            "worker_token": d.join_token(target, "worker"),
            "manager_token": d.join_token(target, "manager"),
            "unlock_key": d.unlock_key(target) if autolock else "",
            "autolock_on": autolock,
            "cert_expiry_ns": int((spec.get("CAConfig") or {}).get("NodeCertExpiry") or 0),
        }

    def _harden(self, target: Target, props: dict[str, Any], olds: dict[str, Any] | None) -> None:
        args = ["swarm", "update", f"--autolock={'true' if props.get('autolock') else 'false'}"]
        if props.get("cert_expiry"):
            args += ["--cert-expiry", props["cert_expiry"]]
        d.docker(target, args)
        if olds is not None and int(olds.get("token_rotation") or 0) != int(
                props.get("token_rotation") or 0):
            for role in ("worker", "manager"):
                d.docker(target, ["swarm", "join-token", "--rotate", "-q", role])

    def create(self, props: dict[str, Any]) -> CreateResult:
        target = _target(props)
        info = retry(lambda: d.swarm_info(target))
        state = info.get("LocalNodeState")
        if state == "active" and not info.get("ControlAvailable"):
            raise RemoteError(
                f"{target.name} ({target.address}) is a worker of another swarm; run "
                f"`docker swarm leave --force` on it (or `make destroy`) and `pulumi up` again")
        if state == "locked":
            raise RemoteError(
                f"{target.name} ({target.address}) is a locked swarm manager (autolock); unlock it "
                "with `docker swarm unlock` and the unlockKey output, then `pulumi up` again")
        if state in ("pending", "error"):
            # A crashed earlier attempt: start from a clean node.
            d.swarm_leave(target)
            state = "inactive"
        if state != "active":
            d.swarm_init(target, props["advertise_addr"])
        if state == "active" or props.get("autolock") or props.get("cert_expiry"):
            # A new swarm already has Docker's defaults: only an adopted swarm, or one that
            # asks for more, needs `docker swarm update` (a raft write on the critical path).
            self._harden(target, props, None)
        outs = self._outs(props, target, retry(lambda: d.swarm_info(target)))
        return CreateResult(outs["cluster_id"], outs)

    @_settling
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        target = _target(props)
        info = d.swarm_info(target)
        if info.get("LocalNodeState") != "active" or (info.get("Cluster") or {}).get("ID") != id_:
            return ReadResult("", {})
        outs = self._outs(props, target, info)
        # Drift in the hardening settings shows as a changed input, so `up` puts it back.
        return ReadResult(id_, outs, inputs={
            **{k: props.get(k) for k in ("target", "advertise_addr", "cert_expiry",
                                          "token_rotation")},
            "autolock": outs["autolock_on"]})

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _diff(olds, news, ("target", "advertise_addr"),
                     ("autolock", "cert_expiry", "token_rotation"))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        target = _target(news)
        self._harden(target, news, olds)
        return UpdateResult(self._outs(news, target, retry(lambda: d.swarm_info(target))))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        d.swarm_leave(_target(props))


class SwarmInit(Resource):
    cluster_id: pulumi.Output[str]
    node_id: pulumi.Output[str]
    worker_token: pulumi.Output[str]
    manager_token: pulumi.Output[str]
    unlock_key: pulumi.Output[str]

    def __init__(self, name: str, target: dict[str, Any], advertise_addr: str,
                 hardening: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        secret = pulumi.ResourceOptions(
            additional_secret_outputs=["worker_token", "manager_token", "unlock_key"])
        super().__init__(
            SwarmInitProvider(), name,
            {"target": target, "advertise_addr": advertise_addr, **hardening,
             "cluster_id": None, "node_id": None, "worker_token": None, "manager_token": None,
             "unlock_key": None, "autolock_on": None, "cert_expiry_ns": None},
            pulumi.ResourceOptions.merge(secret, opts),
        )


class SwarmJoinProvider(ResourceProvider):
    """`docker swarm join` of one node; destroy leaves and removes the node."""

    def _member_of(self, manager: Target, info: dict[str, Any]) -> bool:
        node_id = str(info.get("NodeID") or "")
        return bool(node_id) and d.node_inspect(manager, node_id) is not None

    def _join(self, props: dict[str, Any], target: Target, manager: Target) -> None:
        def attempt() -> None:
            info = d.swarm_info(target)
            state = info.get("LocalNodeState")
            if state == "active":
                if self._member_of(manager, info):
                    return  # already in this swarm: nothing to do
                raise RemoteError(
                    f"{target.name} ({target.address}) is already in another swarm; run "
                    f"`docker swarm leave --force` on {target.name} and `pulumi up` again")
            if state in ("pending", "error", "locked"):
                # A join that timed out leaves the node pending: reset it, then join again.
                d.swarm_leave(target)
            d.swarm_join(target, props["token"], props["advertise_addr"],
                         props["manager_addr"], timeout=props.get("join_timeout", 60))

        retry(attempt, attempts=3, delay=1.0)

    def _outs(self, props: dict[str, Any], target: Target, manager: Target) -> dict[str, Any]:
        info = retry(lambda: d.swarm_info(target))
        node = d.wait_node_ready(manager, info["NodeID"])
        outs = {k: v for k, v in props.items() if k != "token"}
        return {**outs, "node_id": info["NodeID"], "hostname": node["Description"]["Hostname"],
                "state": node["Status"]["State"], "availability": node["Spec"]["Availability"]}

    def create(self, props: dict[str, Any]) -> CreateResult:
        target, manager = _target(props), _target(props, "manager")
        self._join(props, target, manager)
        outs = self._outs(props, target, manager)
        # A node that left (drift) and joined again is a new node; its old entry stays in
        # `docker node ls` (first "Ready" until the manager notices, then "Down") until removed.
        for stale in d.stale_nodes(manager, outs["hostname"], props["advertise_addr"],
                                   outs["node_id"]):
            # Not while the manager still counts it ready: the old entry shares the new
            # node's address, and removing it then once left the overlay unable to reach
            # the new node's tasks for over a minute. Heartbeats mark it down within seconds.
            d.wait_node_down(manager, stale)
            d.node_rm(manager, stale)
        return CreateResult(outs["node_id"], outs)

    @_settling
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        target, manager = _target(props), _target(props, "manager")
        info = d.swarm_info(target)
        if info.get("LocalNodeState") != "active" or info.get("NodeID") != id_:
            return ReadResult("", {})
        node = d.node_inspect(manager, id_)
        if node is None:
            return ReadResult("", {})
        outs = {k: v for k, v in props.items() if k != "token"}
        return ReadResult(id_, {**outs, "state": node["Status"]["State"],
                                "availability": node["Spec"]["Availability"]})

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # A rotated token does not move a node that is already in: it is not compared.
        return _diff(olds, news, ("target", "manager", "advertise_addr", "manager_addr", "role"))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        target, manager = _target(props), _target(props, "manager")
        # A node whose dockerd just came back answers "context deadline exceeded" for a moment.
        retry(lambda: d.swarm_leave(target), attempts=5, delay=1.0)
        d.node_rm(manager, id_)


class SwarmJoin(Resource):
    node_id: pulumi.Output[str]
    hostname: pulumi.Output[str]
    state: pulumi.Output[str]

    def __init__(self, name: str, target: dict[str, Any], manager: dict[str, Any],
                 token: pulumi.Input[str], advertise_addr: str, manager_addr: str, role: str,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(
            SwarmJoinProvider(), name,
            {"target": target, "manager": manager, "token": pulumi.Output.secret(token),
             "advertise_addr": advertise_addr, "manager_addr": manager_addr, "role": role,
             "node_id": None, "hostname": None, "state": None, "availability": None},
            opts,
        )


# --- networks -------------------------------------------------------------------

NETWORK_REPLACE_KEYS = ("target", "name", "driver", "scope", "attachable", "subnet", "gateway",
                        "ip_range", "options", "config_only", "config_from", "labels")


class NetworkProvider(ResourceProvider):
    """`docker network create` on one host (swarm-scoped networks: on a manager)."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        target = _target(props)
        net_id = _create_unless_taken(lambda: d.network_create(target, props), "already exists")
        if net_id is None:
            # Adopt a network of that name if it is what we want.
            existing = d.network_inspect(target, props["name"])
            if not existing or not _matches(existing, props):
                raise RemoteError(f"{target.name}: a different network named {props['name']!r} "
                                  "exists; remove it (`docker network rm`) and `pulumi up` "
                                  "again") from None
            net_id = existing["Id"]
        net = d.network_inspect(target, net_id)
        assert net is not None
        return CreateResult(net_id, {**props, **self._outs(target, net)})

    @_settling
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        target = _target(props)
        net = d.network_inspect(target, id_)
        if net is None:
            return ReadResult("", {})
        return ReadResult(id_, {**props, **self._outs(target, net)})

    def _outs(self, target: Target, net: dict[str, Any]) -> dict[str, Any]:
        outs = _network_outs(net)
        config_from = (net.get("ConfigFrom") or {}).get("Network")
        if config_from:
            # A --config-from network's addressing lives in its config network.
            config = d.network_inspect(target, config_from)
            if config:
                config_outs = _network_outs(config)
                outs["actual_subnet"] = config_outs["actual_subnet"]
                outs["actual_gateway"] = config_outs["actual_gateway"]
        return outs

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _diff(olds, news, NETWORK_REPLACE_KEYS)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        d.network_rm(_target(props), id_)


def _matches(net: dict[str, Any], props: dict[str, Any]) -> bool:
    if props.get("config_only"):
        return bool(net.get("ConfigOnly"))
    return net.get("Driver") == props.get("driver", "bridge")


def _network_outs(net: dict[str, Any]) -> dict[str, Any]:
    ipam = ((net.get("IPAM") or {}).get("Config") or [{}])[0]
    return {"network_id": net["Id"], "actual_driver": net.get("Driver", ""),
            "actual_scope": net.get("Scope", ""), "actual_subnet": ipam.get("Subnet", ""),
            "actual_gateway": ipam.get("Gateway", ""),
            "encrypted": "encrypted" in (net.get("Options") or {})}


class Network(Resource):
    network_id: pulumi.Output[str]
    actual_driver: pulumi.Output[str]
    actual_scope: pulumi.Output[str]
    actual_subnet: pulumi.Output[str]
    actual_gateway: pulumi.Output[str]
    encrypted: pulumi.Output[bool]

    def __init__(self, name: str, target: dict[str, Any], network_name: str, *,
                 driver: str = "bridge", scope: str | None = None, attachable: bool = False,
                 subnet: str | None = None, gateway: str | None = None,
                 ip_range: str | None = None, options: dict[str, str] | None = None,
                 config_only: bool = False, config_from: str | None = None,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(
            NetworkProvider(), name,
            {"target": target, "name": network_name, "driver": driver, "scope": scope,
             "attachable": attachable, "subnet": subnet, "gateway": gateway,
             "ip_range": ip_range, "options": options or {}, "config_only": config_only,
             "config_from": config_from, "labels": {"swarmlab": "true"},
             "network_id": None, "actual_driver": None, "actual_scope": None,
             "actual_subnet": None, "actual_gateway": None, "encrypted": None},
            opts,
        )


# --- services -------------------------------------------------------------------

SERVICE_REPLACE_KEYS = ("target", "name", "image", "command", "networks", "constraints",
                        "endpoint_mode", "init", "labels")


class ServiceProvider(ResourceProvider):
    """`docker service create` on a manager; create returns once every task runs."""

    def _outs(self, props: dict[str, Any], target: Target, service_id: str) -> dict[str, Any]:
        tasks = d.wait_service_running(target, service_id, int(props.get("replicas", 1)))
        return {**props, "service_id": service_id,
                "tasks": [{"name": t["Name"], "node": t["Node"]} for t in tasks]}

    def create(self, props: dict[str, Any]) -> CreateResult:
        target = _target(props)
        service_id = _create_unless_taken(lambda: d.service_create(target, props),
                                          "already exists")
        if service_id is None:
            # Adopt the service of that name; if it has gone again meanwhile, create it.
            existing = d.service_inspect(target, props["name"])
            service_id = existing["ID"] if existing else d.service_create(target, props)
        return CreateResult(service_id, self._outs(props, target, service_id))

    @_settling
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        target = _target(props)
        service = d.service_inspect(target, id_)
        if service is None:
            return ReadResult("", {})
        replicas = service["Spec"].get("Mode", {}).get("Replicated", {}).get("Replicas", 1)
        tasks = d.service_tasks(target, id_)
        return ReadResult(id_, {**props, "replicas": replicas, "service_id": id_,
                                "tasks": [{"name": t["Name"], "node": t["Node"]} for t in tasks]})

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _diff(olds, news, SERVICE_REPLACE_KEYS, ("replicas",))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        target = _target(news)
        d.docker(target, ["service", "update", "--detach", "--replicas", str(news["replicas"]), id_])
        return UpdateResult(self._outs(news, target, id_))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        d.service_rm(_target(props), id_)


class Service(Resource):
    service_id: pulumi.Output[str]
    tasks: pulumi.Output[list]

    def __init__(self, name: str, target: dict[str, Any], service_name: str, image: str,
                 command: list[str], networks: list[pulumi.Input[str]], constraints: list[str],
                 endpoint_mode: str, replicas: int = 1,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(
            ServiceProvider(), name,
            {"target": target, "name": service_name, "image": image, "command": command,
             "networks": networks, "constraints": constraints, "endpoint_mode": endpoint_mode,
             "replicas": replicas, "init": True, "labels": {"swarmlab": "true"},
             "service_id": None, "tasks": None},
            opts,
        )


# --- containers -----------------------------------------------------------------

CONTAINER_REPLACE_KEYS = ("target", "name", "image", "command", "network", "init")


class ContainerProvider(ResourceProvider):
    """`docker run -d` of one single-host demo container."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        target = _target(props)
        def run_container() -> str:
            return d.docker(target, d.container_run_args(props)).strip()

        ident = _create_unless_taken(run_container, "is already in use")
        if ident is None:
            # Adopt a running container of that name; a stopped one is replaced.
            existing = d.container_inspect(target, props["name"])
            if existing and existing["State"]["Running"]:
                ident = existing["Id"]
            else:
                if existing:
                    d.container_rm(target, existing["Id"])
                ident = run_container()
        container = d.container_inspect(target, ident)
        assert container is not None
        return CreateResult(container["Id"], {**props, **_container_outs(container)})

    @_settling
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        container = d.container_inspect(_target(props), id_)
        if container is None:
            return ReadResult("", {})
        return ReadResult(id_, {**props, **_container_outs(container)})

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _diff(olds, news, CONTAINER_REPLACE_KEYS)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        d.container_rm(_target(props), id_)


def _container_outs(container: dict[str, Any]) -> dict[str, Any]:
    summary = d.container_summary(container)
    return {"container_id": summary["id"], "addresses": summary["addresses"]}


class Container(Resource):
    container_id: pulumi.Output[str]
    addresses: pulumi.Output[dict]

    def __init__(self, name: str, target: dict[str, Any], container_name: str, image: str,
                 network: pulumi.Input[str], command: list[str],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(
            ContainerProvider(), name,
            {"target": target, "name": container_name, "image": image, "network": network,
             "command": command, "init": True, "container_id": None, "addresses": None},
            opts,
        )
