"""A machine that is not there, for the hosts tool's guards: pyroute2's IPRoute as a list of
links and routes, /run/netns as a folder, and every other way to the machine shut.

These tests may run as root: `shut_the_machine` makes sure nothing reaches the real netlink,
namespaces or daemons unless a test hands it a fake on purpose.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from hosts.paths import LabPaths

RTN_UNICAST = 1
RTN_UNREACHABLE = 7
GUARD_METRIC = 4242


class Msg(dict[str, Any]):
    """A netlink message: a dict with pyroute2's get_nested."""

    def get_nested(self, *keys: str) -> Any:
        value: Any = self
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value


def link(index: int, name: str, kind: str | None = None, master: int | None = None) -> Msg:
    msg = Msg(index=index, flags=1, IFLA_IFNAME=name)
    if kind:
        msg["IFLA_LINKINFO"] = {"IFLA_INFO_KIND": kind}
    if master is not None:
        msg["IFLA_MASTER"] = master
    return msg


def route(dst: str, kind: int = RTN_UNICAST, oif: int | None = None, metric: int = 0) -> Msg:
    address, _, length = dst.partition("/")
    return Msg(dst_len=int(length), type=kind, RTA_DST=address, RTA_OIF=oif, RTA_PRIORITY=metric)


def guard_routes() -> list[Msg]:
    return [route(n, RTN_UNREACHABLE, metric=GUARD_METRIC)
            for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]


@dataclass
class FakeIPRoute:
    """The root namespace's links and main-table routes; records every change asked for."""

    links: list[Msg] = field(default_factory=list)
    routes: list[Msg] = field(default_factory=list)
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def __call__(self, *args: Any, **kwargs: Any) -> FakeIPRoute:
        return self  # in the place of the IPRoute class: IPRoute() gives this fake

    def __enter__(self) -> FakeIPRoute:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def get_links(self, *indexes: int) -> list[Msg]:
        return [m for m in self.links if not indexes or m["index"] in indexes]

    def link_lookup(self, ifname: str) -> list[int]:
        return [m["index"] for m in self.links if m["IFLA_IFNAME"] == ifname]

    def link(self, command: str, **kwargs: Any) -> None:
        self.calls.append(("link", command, kwargs))
        if command == "del":
            self.deleted += [m["IFLA_IFNAME"] for m in self.links if m["index"] == kwargs["index"]]
            self.links = [m for m in self.links if m["index"] != kwargs["index"]]

    def get_addr(self, **kwargs: Any) -> list[Msg]:
        return []

    def get_routes(self, **kwargs: Any) -> list[Msg]:
        return list(self.routes)

    def route(self, command: str, **kwargs: Any) -> None:
        self.calls.append(("route", command, kwargs))

    def calls_to(self, kind: str, command: str) -> list[dict[str, Any]]:
        return [kw for k, c, kw in self.calls if (k, c) == (kind, command)]

    @property
    def names(self) -> list[str]:
        return [m["IFLA_IFNAME"] for m in self.links]


class Shut:
    def __init__(self, what: str) -> None:
        self.what = what

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a unit test reached the machine: {self.what}")


def shut_the_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No netlink, no `ip`, no daemons, not root, a checkout of its own below `tmp_path`
    (so no real lab of this checkout is read); /run/netns is an empty folder (returned)."""
    from hosts import backends, cli, commands
    from hosts.onebox import doctor, guard, network, teardown, up

    for module in (cli, doctor, guard, network, teardown, up):
        monkeypatch.setattr(module, "IPRoute", Shut("IPRoute"), raising=False)
    monkeypatch.setattr(commands, "run", Shut("a command"))
    monkeypatch.setattr(network, "run", Shut("a command"))
    monkeypatch.setattr(doctor, "run", Shut("a command"))
    monkeypatch.setattr(up, "up", Shut("hosts up"))
    monkeypatch.setattr(teardown, "clean_hosts", Shut("stopping hosts"))
    monkeypatch.setattr(backends.Vm, "up", Shut("VMs"))
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    netns = tmp_path / "netns"
    netns.mkdir()
    monkeypatch.setattr(network, "NETNS_DIR", netns)
    monkeypatch.setattr("hosts.paths.REPO_ROOT", tmp_path / "checkout")
    return netns


def record_lab(folder: Path, name: str, subnet: str, backend: str = "onebox",
               tag: str | None = None) -> Path:
    """A lab directory as `up` leaves it: its net.json."""
    from hosts.topology import DEFAULT_LAB, DEFAULT_TAG

    folder.mkdir(parents=True, exist_ok=True)
    tag = tag or (DEFAULT_TAG if name == DEFAULT_LAB else name)
    (folder / "net.json").write_text(json.dumps(
        {"lab": name, "tag": tag, "subnet": subnet, "backend": backend}))
    return folder


def record_blue_lab(tmp_path: Path, hosts: Sequence[str] = ()) -> LabPaths:
    """Lab blue (192.168.2.0/24) recorded below `tmp_path`, with a folder for each host."""
    lab = LabPaths(record_lab(tmp_path / "blue", "blue", "192.168.2.0/24"))
    for name in hosts:
        lab.host(name).dir.mkdir(parents=True)
    return lab
