"""`docker service create` on a manager; create returns once every task runs."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

from modules.docker import service, snapshot
from modules.docker.service import ServiceSettings
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

REPLACE_KEYS = ("target", *(f.name for f in fields(ServiceSettings) if f.name != "replicas"))
KIND = Kind("service", "already exists", "ID", "docker service rm {name}")


def _task_rows(found: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"name": t["Name"], "node": t["Node"]} for t in found]


@changes_hosts
class ServiceProvider(ResourceProvider):
    def _outs(self, props: dict[str, Any], target: Target, service_id: str) -> dict[str, Any]:
        running = service.wait_running(target, service_id, int(props.get("replicas", 1)))
        return {**props, "service_id": service_id, "tasks": _task_rows(running)}

    def create(self, props: dict[str, Any]) -> CreateResult:
        target, settings = target_of(props), ServiceSettings.from_props(props)
        service_id, adopted = adopt_or_create(
            target, KIND, settings.name, lambda: service.create(target, settings),
            lambda: service.service_inspect(target, settings.name),
            lambda existing: service.differences(settings, existing))
        if adopted is not None and service.replicas(adopted) != settings.replicas:
            service.scale(target, service_id, settings.replicas)
        return CreateResult(service_id, self._outs(props, target, service_id))

    @settling
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        seen = snapshot.of(target_of(props))
        found = seen.service(id_)
        if found is None:
            return ReadResult("", {})
        declared = service.replicas(found)
        running = [t for t in seen.service_tasks(found) if t["State"] == "running"]
        # Fewer tasks running than declared is drift: the next up's update waits for them,
        # and only then is the `tasks` output read again (a read mid-restart lists none).
        observed = declared if len(running) >= declared else len(running)
        return ReadResult(id_, {**props, "replicas": observed, "service_id": id_,
                                "tasks": _task_rows(running)})

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff(olds, news, REPLACE_KEYS, ("replicas",))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        target = target_of(news)
        service.scale(target, id_, int(news["replicas"]))
        return UpdateResult(self._outs(news, target, id_))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        service.rm(target_of(props), id_)


class Service(LabResource):
    service_id: pulumi.Output[str]
    tasks: pulumi.Output[list]

    def __init__(self, name: str, target: Target, settings: ServiceSettings,
                 networks: list[pulumi.Input[str]],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        """`networks`: the IDs of the networks to attach (outputs of Network resources)."""
        super().__init__(ServiceProvider(), name,
                         {"target": target.as_dict(),
                          **settings_inputs(settings, networks=networks)}, opts)
