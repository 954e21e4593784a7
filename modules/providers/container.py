"""`docker run -d` of one single-host demo container."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider

from modules.docker import container, snapshot
from modules.docker.container import ContainerSettings
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

REPLACE_KEYS = ("target", *(f.name for f in fields(ContainerSettings)))
KIND = Kind("container", "is already in use", "Id", "docker rm -f {name}")


def _outs(found: dict[str, Any]) -> dict[str, Any]:
    return {"container_id": found["Id"], "addresses": container.addresses(found)}


@changes_hosts
class ContainerProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        target, settings = target_of(props), ContainerSettings.from_props(props)

        def adopt_or_run() -> tuple[str, dict[str, Any] | None]:
            return adopt_or_create(
                target, KIND, settings.name, lambda: container.run(target, settings),
                lambda: container.container_inspect(target, settings.name),
                lambda existing: container.differences(settings, existing))

        ident, adopted = adopt_or_run()
        if adopted is not None and not adopted["State"]["Running"]:
            # The lab's own container, stopped: start over from a clean one.
            container.rm(target, ident)
            ident, _ = adopt_or_run()
        found = container.container_inspect(target, ident)
        assert found is not None
        return CreateResult(found["Id"], {**props, **_outs(found)})

    @settling
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        found = snapshot.of(target_of(props)).container(id_)
        if found is None:
            return ReadResult("", {})
        return ReadResult(id_, {**props, **_outs(found)})

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff(olds, news, REPLACE_KEYS)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        container.rm(target_of(props), id_)


class Container(LabResource):
    container_id: pulumi.Output[str]
    addresses: pulumi.Output[dict]

    def __init__(self, name: str, target: Target, settings: ContainerSettings,
                 network: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> None:
        """`network`: bridge, host, none, or the ID of a Network resource."""
        super().__init__(ContainerProvider(), name,
                         {"target": target.as_dict(),
                          **settings_inputs(settings, network=network)}, opts)
