"""`docker network create` on one host (swarm-scoped networks: on a manager)."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider

from modules.docker import network, snapshot
from modules.docker.network import NetworkSettings, NetworkState
from modules.providers.base import (
    Kind,
    LabResource,
    adopt_or_create,
    changes_hosts,
    diff,
    settings_inputs,
    settling,
    target_of,
)
from modules.ssh import Target

REPLACE_KEYS = ("target", *(f.name for f in fields(NetworkSettings)))
KIND = Kind("network", "already exists", "Id", "docker network rm {name}")


@changes_hosts
class NetworkProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        target, settings = target_of(props), NetworkSettings.from_props(props)
        net_id, _ = adopt_or_create(
            target, KIND, settings.name, lambda: network.create(target, settings),
            lambda: network.network_inspect(target, settings.name),
            lambda existing: network.differences(settings, existing))
        found = network.network_inspect(target, net_id)
        assert found is not None
        config_from = network.config_network(found)
        config = network.network_inspect(target, config_from) if config_from else None
        return CreateResult(net_id, {**props, **asdict(network.state(found, config))})

    @settling
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        seen = snapshot.of(target_of(props))
        found = seen.network(id_)
        if found is None:
            return ReadResult("", {})
        config_from = network.config_network(found)
        config = seen.network(config_from) if config_from else None
        return ReadResult(id_, {**props, **asdict(network.state(found, config))})

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff(olds, news, REPLACE_KEYS)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        network.rm(target_of(props), id_)


class Network(LabResource):
    # The outputs are NetworkState's fields (a unit test holds them equal).
    network_id: pulumi.Output[str]
    actual_driver: pulumi.Output[str]
    actual_scope: pulumi.Output[str]
    actual_subnet: pulumi.Output[str]
    actual_gateway: pulumi.Output[str]
    encrypted: pulumi.Output[bool]

    def __init__(self, name: str, target: Target, settings: NetworkSettings,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(NetworkProvider(), name,
                         {"target": target.as_dict(), **settings_inputs(settings)}, opts)


__all__ = ["Network", "NetworkProvider", "NetworkSettings", "NetworkState"]
