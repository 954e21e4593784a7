"""The preflight gate: the first resource of the lab; everything that changes a host waits
for it. It checks, read-only, that every host answers SSH with its known key, its dockerd
answers, the macvlan parent exists, the images are there, the hosts swarmlab:links impairs
have netem, and the managers have quorum (modules.preflight).

Every `pulumi up` refreshes first, and this resource's read runs the checks alongside the
other reads: a broken host fails the refresh, so nothing is changed, and a healthy lab pays
nothing on the way. On a lab not built yet, its create runs them before anything else.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

from modules import preflight
from modules.providers.base import LabResource, diff
from modules.ssh import RemoteError, Target

INPUTS = ("targets", "roles", "parent", "images", "netem")


def _check(props: dict[str, Any], images: bool) -> dict[str, Any]:
    """The checks; with `images`, each host's images and netem on the hosts `netem` names
    too (a pull changes a host, and netem matters only to what is about to be built or
    changed: never in a refresh, which also runs before a destroy)."""
    hosts = [(Target.from_dict(t), props["roles"][name]) for name, t in props["targets"].items()]
    problems = preflight.check_hosts(hosts, props["parent"],
                                     props.get("images") or {} if images else {},
                                     props.get("netem") or [] if images else [])
    if problems:
        raise RemoteError("preflight found problems; nothing was changed:\n  - "
                          + "\n  - ".join(problems))
    return {**props, "hosts_checked": len(hosts)}


class PreflightProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("preflight", _check(props, images=True))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, _check(props, images=False),
                          inputs={k: props.get(k) for k in INPUTS})

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff(olds, news, (), INPUTS)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(_check(news, images=True))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Nothing on the hosts: the gate only looks."""


class Preflight(LabResource):
    hosts_checked: pulumi.Output[int]

    def __init__(self, name: str, targets: dict[str, Target], roles: dict[str, str], parent: str,
                 images: dict[str, list[str]], opts: pulumi.ResourceOptions | None = None,
                 netem: list[str] | None = None) -> None:
        # Only when a host needs netem: a lab without swarmlab:links keeps the inputs (and so
        # the state) it had before the setting existed, and shows no change.
        wanted = {"netem": netem} if netem else {}
        super().__init__(PreflightProvider(), name,
                         {"targets": {n: t.as_dict() for n, t in targets.items()},
                          "roles": roles, "parent": parent, "images": images, **wanted}, opts)
