"""`docker swarm init` on the first manager; outputs the join tokens (secrets)."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

from modules.docker import container, node, snapshot, swarm
from modules.docker.swarm import SwarmSettings
from modules.providers.base import LabResource, changes_hosts, diff, settling, target_of
from modules.ssh import RemoteError, Target, retry

SECRET_OUTPUTS = ["worker_token", "manager_token", "unlock_key"]


@changes_hosts
class SwarmInitProvider(ResourceProvider):
    """Hardening settings (autolock, certificate expiry, token rotation) are applied with
    `docker swarm update` / `docker swarm join-token --rotate`, in place."""

    def _outs(self, props: dict[str, Any], target: Target, info: dict[str, Any],
              tokens: dict[str, str] | None = None) -> dict[str, Any]:
        spec = (info.get("Cluster") or {}).get("Spec") or {}
        autolock = bool((spec.get("EncryptionConfig") or {}).get("AutoLockManagers"))
        tokens = tokens or {role: swarm.join_token(target, role) for role in ("worker", "manager")}
        return {
            **props,
            "cluster_id": info["Cluster"]["ID"],
            "node_id": info["NodeID"],
            "worker_token": tokens["worker"],
            "manager_token": tokens["manager"],
            "unlock_key": swarm.unlock_key(target) if autolock else "",
            "autolock_on": autolock,
            "cert_expiry_ns": int((spec.get("CAConfig") or {}).get("NodeCertExpiry") or 0),
        }

    def _harden(self, target: Target, props: dict[str, Any], olds: dict[str, Any] | None) -> None:
        swarm.update(target, SwarmSettings(bool(props.get("autolock")),
                                           props.get("cert_expiry") or ""))
        if olds is not None and int(olds.get("token_rotation") or 0) != int(
                props.get("token_rotation") or 0):
            for role in ("worker", "manager"):
                swarm.rotate_join_token(target, role)

    def create(self, props: dict[str, Any]) -> CreateResult:
        target = target_of(props)
        info = retry(lambda: swarm.info(target))
        state = info.get("LocalNodeState")
        if state == "active" and not info.get("ControlAvailable"):
            raise RemoteError(
                f"{target.label} is a worker of another swarm; run `docker swarm leave --force` "
                "on it (or `make destroy`) and `pulumi up` again")
        if state == "locked":
            raise RemoteError(
                f"{target.label} is a locked swarm manager (autolock); unlock it with "
                "`docker swarm unlock` and the unlockKey output, then `pulumi up` again")
        if state in ("pending", "error"):
            # A crashed earlier attempt: start from a clean node.
            swarm.leave(target)
            state = "inactive"
        if state != "active":
            swarm.init(target, props["advertise_addr"])
            # A node that was in a swarm before lost its local networks' DNS records then.
            container.register_names_again(target)
        if state == "active" or props.get("autolock") or props.get("cert_expiry"):
            # A new swarm already has Docker's defaults: only an adopted swarm, or one that
            # asks for more, needs `docker swarm update` (a raft write on the critical path).
            self._harden(target, props, None)
        node.wait_ingress(target)
        outs = self._outs(props, target, retry(lambda: swarm.info(target)))
        return CreateResult(outs["cluster_id"], outs)

    @settling
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        target = target_of(props)
        seen = snapshot.of(target)
        info = seen.swarm_info(target.label)
        if info.get("LocalNodeState") != "active" or (info.get("Cluster") or {}).get("ID") != id_:
            return ReadResult("", {})
        outs = self._outs(props, target, info, seen.tokens)
        # Drift in the hardening settings shows as a changed input, so `up` puts it back.
        return ReadResult(id_, outs, inputs={
            **{k: props.get(k) for k in ("target", "advertise_addr", "cert_expiry",
                                          "token_rotation")},
            "autolock": outs["autolock_on"]})

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff(olds, news, ("target", "advertise_addr"),
                    ("autolock", "cert_expiry", "token_rotation"))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        target = target_of(news)
        self._harden(target, news, olds)
        return UpdateResult(self._outs(news, target, retry(lambda: swarm.info(target))))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        swarm.leave(target_of(props))


class SwarmInit(LabResource):
    cluster_id: pulumi.Output[str]
    node_id: pulumi.Output[str]
    worker_token: pulumi.Output[str]
    manager_token: pulumi.Output[str]
    unlock_key: pulumi.Output[str]
    autolock_on: pulumi.Output[bool]
    cert_expiry_ns: pulumi.Output[int]

    def __init__(self, name: str, target: Target, advertise_addr: str,
                 hardening: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        secret = pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        super().__init__(SwarmInitProvider(), name,
                         {"target": target.as_dict(), "advertise_addr": advertise_addr,
                          **hardening},
                         pulumi.ResourceOptions.merge(secret, opts))
