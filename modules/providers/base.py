"""What every lab provider shares: outputs declared once, reads that settle, optimistic
creates, adoption by comparison, and diffs."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, TypeVar

import pulumi
from pulumi.dynamic import DiffResult, ReadResult, Resource, ResourceProvider

from modules.docker import snapshot
from modules.docker.cli import DaemonDownError
from modules.ssh import RemoteError, Target, retry


def output_names(cls: type) -> list[str]:
    """A resource's outputs: the annotations its own class declares."""
    return list(inspect.get_annotations(cls))


class LabResource(Resource):
    """A dynamic resource whose outputs are its class's annotations: each is registered as an
    output (an input of None), so it is written in one place."""

    def __init__(self, provider: ResourceProvider, name: str, inputs: dict[str, Any],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        outputs = dict.fromkeys(output_names(type(self)))
        super().__init__(provider, name, {**inputs, **outputs}, opts)


def settings_inputs(settings: Any, **overrides: Any) -> dict[str, Any]:
    """A settings dataclass as resource inputs, field by field (shallow: an override may be
    a pulumi Output, such as a network's ID, which the settings' own types do not allow)."""
    return {**{f.name: getattr(settings, f.name) for f in fields(settings)}, **overrides}


def target_of(props: dict[str, Any], key: str = "target") -> Target:
    return Target.from_dict(props[key])


P = TypeVar("P", bound=type)


def changes_hosts(cls: P) -> P:
    """A provider whose create, update and delete change hosts: each first drops the
    snapshots (modules.docker.snapshot) of the hosts its resource names, so that no later
    read in this process sees them as they were."""
    def forgetting(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def changed(self: Any, *args: Any) -> Any:
            props = args[-1]  # create(props), update(id, olds, news), delete(id, props)
            for key in ("target", "manager"):
                if key in props:
                    snapshot.forget(target_of(props, key))
            return method(self, *args)
        return changed

    for name in ("create", "update", "delete"):
        if name in cls.__dict__:
            setattr(cls, name, forgetting(cls.__dict__[name]))
    return cls


ReadMethod = Callable[[Any, str, dict[str, Any]], ReadResult]


def settling(read: ReadMethod) -> ReadMethod:
    """Reads only look, so a transient answer (a dockerd that came back a moment ago, a swarm
    still electing) is retried, bounded, instead of failing the whole refresh. A dockerd that
    does not answer at all is reported at once: waiting would only delay the message."""
    def attempt(self: Any, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            return read(self, id_, props)
        except DaemonDownError as err:
            raise RemoteError(str(err)) from None

    @functools.wraps(read)
    def settled(self: Any, id_: str, props: dict[str, Any]) -> ReadResult:
        return retry(lambda: attempt(self, id_, props), attempts=5, delay=1.0)
    return settled


@dataclass(frozen=True)
class Kind:
    """How one kind of docker object is made, found and told apart, for adopt_or_create."""

    name: str
    """network, service or container (in messages)."""
    taken: str
    """What Docker's error says when the name is taken."""
    id_key: str
    """The ID's key in the object's inspect document."""
    remove: str
    """The command that removes one, named in the refusal (with `{name}`)."""


def adopt_or_create(target: Target, kind: Kind, name: str, create: Callable[[], str],
                    find: Callable[[], dict[str, Any] | None],
                    differences: Callable[[dict[str, Any]], list[str]]
                    ) -> tuple[str, dict[str, Any] | None]:
    """Create the object; when Docker refuses because its name is taken, adopt what holds the
    name only if it is what the lab wants, and refuse naming every field that differs
    otherwise. Creating first makes a fresh lab one docker command, not an inspect and a
    create. A transient failure (a daemon busy, a connection lost) is retried: when the
    failed try did make the object, the next one finds the name taken and adopts it.
    (ID, the adopted object's inspect document or None when it was created.)"""
    try:
        return retry(create), None
    except RemoteError as err:
        if kind.taken not in str(err):
            raise
    existing = find()
    if existing is None:  # gone again meanwhile
        return retry(create), None
    found = differences(existing)
    if found:
        raise RemoteError(
            f"{target.label}: a {kind.name} named {name!r} already exists and is not the lab's: "
            f"{'; '.join(found)}. Remove it (`{kind.remove.format(name=name)}`) or rename it, "
            "then run `pulumi up` again")
    return str(existing[kind.id_key]), existing


def diff(olds: dict[str, Any], news: dict[str, Any], replace_keys: tuple[str, ...],
         update_keys: tuple[str, ...] = ()) -> DiffResult:
    replaces = [k for k in replace_keys if olds.get(k) != news.get(k)]
    updates = [k for k in update_keys if olds.get(k) != news.get(k)]
    return DiffResult(changes=bool(replaces or updates), replaces=replaces,
                      delete_before_replace=True)
