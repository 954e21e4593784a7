"""`hosts down` and `up`'s clearing of a crashed run, on a machine that is not there: every
daemon, namespace, link, mount and process teardown would touch is a fake that records what
it was asked, in order. sshd and dockerd stop before containerd, a host's mounts go before
its directory, a link or mount still there stops the step, and only the lab's generated
files go (the guard and the key pair stay)."""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from hosts import lock, procs
from hosts.onebox import containerd, dockerd, holder, mounts, network, outside, sshd, teardown
from hosts.paths import HostPaths, LabPaths
from hosts.report import Reporter, StepError
from hosts.topology import lab_net
from tests.support.fakenet import FakeIPRoute, Shut, link, record_blue_lab, shut_the_machine

CLEAN_HOSTS = teardown.clean_hosts  # shut_the_machine shuts it; these tests run it on fakes
BLUE = lab_net("blue", "192.168.2.0/24")


class Log(Reporter):
    """A quiet Reporter that records steps (with their notes) and what is said, in order,
    into the same list the fakes write to."""

    def __init__(self, events: list[tuple[Any, ...]]) -> None:
        super().__init__(quiet=True)
        self.events = events

    def say(self, message: str) -> None:
        self.events.append(("say", message))

    @contextmanager
    def step(self, label: str, host: str | None = None) -> Iterator[list[str]]:
        self.events.append(("step", label, host))
        with super().step(label, host) as notes:
            yield notes
        self.events.append(("ok", label, host, list(notes)))


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[Any, ...]]:
    """Every way teardown reaches the machine shut; a test opens only what it fakes."""
    shut_the_machine(monkeypatch, tmp_path)
    monkeypatch.setattr(teardown, "clean_hosts", CLEAN_HOSTS)
    for module, names in ((procs, ("stop", "in_namespace", "namespace", "descendants")),
                          (network, ("netns_inode", "delete_netns", "wait_link_gone",
                                     "delete_link", "lab_links", "link_exists")),
                          (mounts, ("unmount_under", "under", "umount")),
                          (holder, ("running", "orphan")),
                          (containerd, ("running",)), (dockerd, ("running",)),
                          (sshd, ("running",)), (outside, ("remove",)), (lock, ("exclusive",))):
        for name in names:
            monkeypatch.setattr(module, name, Shut(f"{module.__name__}.{name}"))
    monkeypatch.setattr(teardown, "subprocess", types.SimpleNamespace(run=Shut("subprocess.run")))
    monkeypatch.setattr(teardown.shutil, "rmtree", Shut("shutil.rmtree"))
    return []


def _inventory(lab: LabPaths, names: list[str]) -> None:
    lab.inventory.write_text(json.dumps([
        {"name": n, "address": "192.168.2.10", "role": "manager", "netns": f"blue-{n}",
         "dockerd_pid": None, "sshd_pid": None, "docker_socket": "s", "data_root": "d"}
        for n in names]))


# lab_host_names


def test_host_names_are_the_inventory_s_then_each_host_directory(tmp_path: Path) -> None:
    lab = record_blue_lab(tmp_path, ("worker2", "manager", "manager2", "other", "worker1",
                                     "manager10"))
    (lab.hosts_dir / "worker3").write_text("")  # a file, not a host directory
    _inventory(lab, ["worker", "manager"])
    assert teardown.lab_host_names(lab) == ["worker", "manager", "manager10", "manager2",
                                            "worker2"]


def test_host_names_without_a_hosts_directory_are_the_inventory_s(tmp_path: Path) -> None:
    lab = record_blue_lab(tmp_path)
    assert teardown.lab_host_names(lab) == []
    _inventory(lab, ["manager", "worker"])
    assert teardown.lab_host_names(lab) == ["manager", "worker"]
    lab.hosts_dir.write_text("")  # not a directory: nothing more
    assert teardown.lab_host_names(lab) == ["manager", "worker"]


# close_ssh_masters


def test_ssh_masters_are_asked_to_exit_through_the_lab_s_ssh_config(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, events: list[tuple[Any, ...]]) -> None:
    lab = record_blue_lab(tmp_path)
    monkeypatch.setattr(teardown, "subprocess", types.SimpleNamespace(
        run=lambda *args, **kwargs: events.append(("run", args, kwargs))))
    teardown.close_ssh_masters(lab, ["manager", "worker"])
    assert events == []  # no ssh_config: no masters to ask
    lab.ssh_config.write_text("")
    teardown.close_ssh_masters(lab, ["manager", "worker"])
    assert events == [
        ("run", (["ssh", "-F", str(lab.ssh_config), "-O", "exit", name],),
         {"capture_output": True, "timeout": 5, "check": False})
        for name in ("manager", "worker")]


# _leftover_processes


def _leftover_fakes(monkeypatch: pytest.MonkeyPatch, asked: list[tuple[Any, ...]], *,
                    engine: int | None, inode: int | None, hold: int | None,
                    orphan: int | None, namespaces: dict[str, int | None]) -> None:
    def record(name: str, result: Any) -> Any:
        def fake(*args: Any) -> Any:
            asked.append((name, *args))
            return result(*args) if callable(result) else result
        return fake

    monkeypatch.setattr(containerd, "running", record("containerd", engine))
    monkeypatch.setattr(network, "netns_inode", record("inode", inode))
    monkeypatch.setattr(holder, "running", record("holder", hold))
    monkeypatch.setattr(holder, "orphan", record("orphan", orphan))
    monkeypatch.setattr(procs, "namespace", record("namespace", lambda pid, kind: namespaces[kind]))
    monkeypatch.setattr(procs, "in_namespace", record(
        "in_namespace", lambda kind, ns: {"net": [ns + 1, ns + 2], "uts": [ns + 3]}[kind]))
    monkeypatch.setattr(procs, "descendants", record(
        "descendants", lambda roots: {r * 10 for r in roots}))


def test_leftovers_are_the_engine_the_namespace_s_members_the_holder_s_and_their_children(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, events: list[tuple[Any, ...]]) -> None:
    lab = record_blue_lab(tmp_path)
    hp = lab.host("manager")
    _leftover_fakes(monkeypatch, events, engine=5, inode=100, hold=7, orphan=8,
                    namespaces={"net": 200, "uts": 300})
    found = teardown._leftover_processes(lab, "blue-manager", "manager")
    roots = {5, 101, 102, 7, 201, 202, 303}
    assert found == roots | {r * 10 for r in roots}
    assert events == [("containerd", hp), ("inode", "blue-manager"), ("in_namespace", "net", 100),
                      ("holder", "blue-manager", hp), ("namespace", 7, "net"),
                      ("in_namespace", "net", 200), ("namespace", 7, "uts"),
                      ("in_namespace", "uts", 300), ("descendants", roots)]


def test_leftovers_of_an_orphan_holder_and_no_engine_nor_namespace(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, events: list[tuple[Any, ...]]) -> None:
    lab = record_blue_lab(tmp_path)
    hp = lab.host("worker")
    _leftover_fakes(monkeypatch, events, engine=None, inode=None, hold=None, orphan=8,
                    namespaces={"net": None, "uts": 300})
    assert teardown._leftover_processes(lab, "blue-worker", "worker") == {8, 303, 80, 3030}
    assert events == [("containerd", hp), ("inode", "blue-worker"),
                      ("holder", "blue-worker", hp), ("orphan", hp), ("namespace", 8, "net"),
                      ("namespace", 8, "uts"), ("in_namespace", "uts", 300),
                      ("descendants", {8, 303})]


def test_no_leftovers_when_nothing_is_there(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, events: list[tuple[Any, ...]]) -> None:
    lab = record_blue_lab(tmp_path)
    _leftover_fakes(monkeypatch, events, engine=None, inode=None, hold=None, orphan=None,
                    namespaces={})
    assert teardown._leftover_processes(lab, "blue-worker", "worker") == set()
    assert ("descendants", set()) in events
    assert [e[0] for e in events if e[0] in ("namespace", "in_namespace")] == []


# clean_hosts


class Machine:
    """Fakes for clean_hosts: pidfiles' daemons per host, links that go (or not), mounts."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, events: list[tuple[Any, ...]],
                 lab: LabPaths) -> None:
        self.events = events
        self.lab = lab
        self.ipr = FakeIPRoute(links=[link(1, "lo")])
        self.pids: dict[tuple[str, str], int | None] = {}
        self.killed: list[list[int]] = [[], []]
        self.link_gone: dict[str, list[bool]] = {}
        self.mounted: dict[str, list[str]] = {}
        ev = events

        def daemon(kind: str) -> Any:
            return lambda hp: self.pids.get((kind, hp.dir.name))

        monkeypatch.setattr(sshd, "running", daemon("sshd"))
        monkeypatch.setattr(dockerd, "running", daemon("dockerd"))
        monkeypatch.setattr(containerd, "running", daemon("containerd"))

        def stop(pids: Any, timeout: float) -> list[int]:
            pids = sorted(pids) if isinstance(pids, set) else list(pids)
            ev.append(("stop", pids, timeout))
            return self.killed.pop(0) if self.killed else []

        monkeypatch.setattr(procs, "stop", stop)

        def leftovers(lab_: LabPaths, netns: str, name: str) -> set[int]:
            ev.append(("leftovers", lab_, netns, name))
            return {900}

        def unmount_under(d: Path) -> list[str]:
            ev.append(("unmount_under", d))
            return []

        def under(d: Path) -> list[str]:
            ev.append(("under", d))
            return self.mounted.get(d.name, [])

        monkeypatch.setattr(teardown, "_leftover_processes", leftovers)
        monkeypatch.setattr(mounts, "unmount_under", unmount_under)
        monkeypatch.setattr(mounts, "under", under)
        monkeypatch.setattr(network, "delete_netns", lambda ns: ev.append(("delete_netns", ns)))

        def wait_link_gone(ipr: Any, name: str, *timeout: float) -> bool:
            assert ipr is self.ipr
            ev.append(("wait_link_gone", name, *timeout))
            answers = self.link_gone.get(name, [True, True])
            return answers.pop(0)

        monkeypatch.setattr(network, "wait_link_gone", wait_link_gone)

        def delete_link(ipr: Any, name: str) -> None:
            assert ipr is self.ipr
            ev.append(("delete_link", name))

        monkeypatch.setattr(network, "delete_link", delete_link)
        monkeypatch.setattr(teardown, "IPRoute", self.ipr)
        monkeypatch.setattr(teardown, "close_ssh_masters",
                            lambda lab_, names: ev.append(("close_ssh_masters", lab_, list(names))))

        def rmtree(path: Path) -> None:
            ev.append(("rmtree", path))
            for p in sorted(path.rglob("*"), reverse=True):
                p.rmdir() if p.is_dir() else p.unlink()
            path.rmdir()

        monkeypatch.setattr(teardown.shutil, "rmtree", rmtree)

    def host(self, name: str) -> HostPaths:
        return self.lab.host(name)


DAEMONS = "stopping sshd, dockerd and containerd (manager, worker)"


def _host_steps(m: Machine, name: str) -> list[tuple[Any, ...]]:
    d = m.host(name).dir
    veth = f"blue-{name}"
    return [
        ("step", "stopping leftover processes", name), ("leftovers", m.lab, veth, name),
        ("stop", [900], 5.0), ("ok", "stopping leftover processes", name, []),
        ("step", "unmounting", name), ("unmount_under", d), ("ok", "unmounting", name, []),
        ("step", "deleting namespace and veth", name), ("delete_netns", veth),
        ("wait_link_gone", veth), ("wait_link_gone", veth, 5.0),
        ("ok", "deleting namespace and veth", name, []),
        ("step", "removing host directory", name), ("under", d), ("rmtree", d),
        ("ok", "removing host directory", name, []),
    ]


def test_clean_hosts_stops_sshd_and_dockerd_then_containerd_then_clears_each_host(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, events: list[tuple[Any, ...]]) -> None:
    lab = record_blue_lab(tmp_path, ("manager", "worker"))
    (lab.host("manager").dir / "data").mkdir()
    (lab.host("manager").dir / "data" / "f").write_text("x")
    m = Machine(monkeypatch, events, lab)
    m.pids = {("sshd", "manager"): 11, ("dockerd", "manager"): 12, ("containerd", "manager"): 13,
              ("sshd", "worker"): 21, ("dockerd", "worker"): None, ("containerd", "worker"): 23}
    teardown.clean_hosts(lab, BLUE, ["manager", "worker"], Log(events))
    assert events == [
        ("close_ssh_masters", lab, ["manager", "worker"]),
        ("step", DAEMONS, None),
        ("stop", [11, 12, 21], 15.0),
        ("stop", [13, 23], 10.0),
        ("ok", DAEMONS, None, []),
        *_host_steps(m, "manager"),
        *_host_steps(m, "worker"),
    ]
    assert not lab.host("manager").dir.exists() and not lab.host("worker").dir.exists()
    assert lab.hosts_dir.is_dir()


def test_clean_hosts_notes_what_needed_sigkill(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, events: list[tuple[Any, ...]]) -> None:
    lab = record_blue_lab(tmp_path, ("manager",))
    m = Machine(monkeypatch, events, lab)
    m.pids = {("dockerd", "manager"): 12, ("containerd", "manager"): 13}
    m.killed = [[12], [13]]
    teardown.clean_hosts(lab, BLUE, ["manager"], Log(events))
    daemons = "stopping sshd, dockerd and containerd (manager)"
    assert events[1:5] == [("step", daemons, None), ("stop", [12], 15.0), ("stop", [13], 10.0),
                           ("ok", daemons, None, ["SIGKILL after the grace period: pids [12, 13]"])]
    m.killed = [[], [13]]
    del events[:]
    teardown.clean_hosts(lab, BLUE, ["manager"], Log(events))
    assert events[4] == ("ok", daemons, None, ["SIGKILL after the grace period: pids [13]"])


def test_clean_hosts_of_no_hosts_does_nothing(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, events: list[tuple[Any, ...]]) -> None:
    lab = record_blue_lab(tmp_path)
    Machine(monkeypatch, events, lab)
    monkeypatch.setattr(teardown, "IPRoute", Shut("IPRoute"))
    teardown.clean_hosts(lab, BLUE, [], Log(events))
    assert events == []


def test_a_veth_that_outlives_its_namespace_is_deleted(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, events: list[tuple[Any, ...]]) -> None:
    lab = record_blue_lab(tmp_path)  # no host directory left: nothing to remove
    m = Machine(monkeypatch, events, lab)
    m.link_gone = {"blue-worker": [False, True]}
    teardown.clean_hosts(lab, BLUE, ["worker"], Log(events))
    assert events[-9:] == [
        ("step", "deleting namespace and veth", "worker"), ("delete_netns", "blue-worker"),
        ("wait_link_gone", "blue-worker"), ("delete_link", "blue-worker"),
        ("wait_link_gone", "blue-worker", 5.0), ("ok", "deleting namespace and veth", "worker", []),
        ("step", "removing host directory", "worker"), ("under", lab.host("worker").dir),
        ("ok", "removing host directory", "worker", []),
    ]


def test_a_veth_that_stays_stops_the_step(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, events: list[tuple[Any, ...]]) -> None:
    lab = record_blue_lab(tmp_path, ("manager", "worker"))
    m = Machine(monkeypatch, events, lab)
    m.link_gone = {"blue-manager": [False, False]}
    with pytest.raises(StepError) as failed:
        teardown.clean_hosts(lab, BLUE, ["manager", "worker"], Log(events))
    assert str(failed.value) == "manager: deleting namespace and veth: blue-manager is still there"
    assert (failed.value.step, failed.value.host) == ("deleting namespace and veth", "manager")
    assert events[-3:] == [("wait_link_gone", "blue-manager"), ("delete_link", "blue-manager"),
                           ("wait_link_gone", "blue-manager", 5.0)]
    assert lab.host("manager").dir.is_dir() and lab.host("worker").dir.is_dir()


def test_a_host_directory_still_mounted_is_not_removed(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, events: list[tuple[Any, ...]]) -> None:
    lab = record_blue_lab(tmp_path, ("manager",))
    m = Machine(monkeypatch, events, lab)
    m.mounted = {"manager": ["/x/manager/data"]}
    with pytest.raises(StepError) as failed:
        teardown.clean_hosts(lab, BLUE, ["manager"], Log(events))
    assert str(failed.value) == ("manager: removing host directory: still mounted: "
                                 "['/x/manager/data']")
    assert events[-2:] == [("step", "removing host directory", "manager"),
                           ("under", lab.host("manager").dir)]
    assert lab.host("manager").dir.is_dir()


# down


def _down_fakes(monkeypatch: pytest.MonkeyPatch, events: list[tuple[Any, ...]],
                links: list[list[str]], removed: list[str]) -> FakeIPRoute:
    ipr = FakeIPRoute(links=[link(1, "lo")])
    monkeypatch.setattr(teardown, "IPRoute", ipr)

    @contextmanager
    def exclusive(lab: LabPaths, step: str) -> Iterator[None]:
        events.append(("lock", lab, step))
        yield
        events.append(("unlock",))

    monkeypatch.setattr(lock, "exclusive", exclusive)
    monkeypatch.setattr(teardown, "clean_hosts", lambda lab, net, names, report: events.append(
        ("clean_hosts", lab, net, list(names), report)))

    def lab_links(ipr_: Any, net: Any, names: Any) -> list[str]:
        assert ipr_ is ipr
        events.append(("lab_links", net, list(names)))
        return links.pop(0)

    monkeypatch.setattr(network, "lab_links", lab_links)

    def delete_link(ipr_: Any, name: str) -> None:
        assert ipr_ is ipr
        events.append(("delete_link", name))

    monkeypatch.setattr(network, "delete_link", delete_link)

    def remove(lab: LabPaths) -> list[str]:
        events.append(("outside", lab))
        return removed

    monkeypatch.setattr(outside, "remove", remove)
    return ipr


GENERATED = ("inventory.json", "hosts.json", "known_hosts", "ssh_config", "busybox-image.tar",
             "net.json")
KEPT = ("id_ed25519", "id_ed25519.pub", "created-outside.json", "other")


def test_down_takes_the_lock_stops_the_hosts_then_the_links_and_the_bridge_then_the_files(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, events: list[tuple[Any, ...]]) -> None:
    lab = record_blue_lab(tmp_path)
    lab.hosts_dir.mkdir()
    _inventory(lab, ["manager", "worker"])
    for name in GENERATED[1:] + KEPT:
        (lab.root / name).write_text("x")
    _down_fakes(monkeypatch, events, [["blue-br0", "blue-manager", "blue-worker"], []],
                ["/run/sshd", "/run/netns"])
    report = Log(events)
    teardown.down(lab, BLUE, report)
    bridge = "deleting bridge blue-br0 and lab links"
    names = ["manager", "worker"]
    assert events == [
        ("lock", lab, "down"),
        ("clean_hosts", lab, BLUE, names, report),
        ("step", bridge, None), ("lab_links", BLUE, names),
        ("delete_link", "blue-manager"), ("delete_link", "blue-worker"),
        ("delete_link", "blue-br0"), ("lab_links", BLUE, names), ("ok", bridge, None, []),
        ("step", "removing generated files", None), ("outside", lab),
        ("ok", "removing generated files", None, []),
        ("say", f"removed what the lab had created outside {lab.root}: /run/sshd, /run/netns"),
        ("say", "lab blue is down (the guard routes and the lab key pair stay)"),
        ("unlock",),
    ]
    assert sorted(p.name for p in lab.root.iterdir()) == sorted(KEPT)


def test_down_refuses_when_lab_links_stay(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, events: list[tuple[Any, ...]]) -> None:
    lab = record_blue_lab(tmp_path)
    _down_fakes(monkeypatch, events, [["blue-br0"], ["blue-br0", "blue-x"]], [])
    with pytest.raises(StepError) as failed:
        teardown.down(lab, BLUE, Log(events))
    assert str(failed.value) == "deleting bridge and lab links: still there: ['blue-br0', 'blue-x']"
    assert ("delete_link", "blue-br0") in events
    assert lab.net_file.exists()


def test_down_keeps_a_hosts_directory_that_is_not_empty_and_says_nothing_removed_outside(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, events: list[tuple[Any, ...]]) -> None:
    lab = record_blue_lab(tmp_path)
    lab.hosts_dir.mkdir()
    (lab.hosts_dir / "notes").write_text("")
    _down_fakes(monkeypatch, events, [[], []], [])
    teardown.down(lab, BLUE, Log(events))
    assert lab.hosts_dir.is_dir()
    assert [e for e in events if e[0] == "say"] == [
        ("say", "lab blue is down (the guard routes and the lab key pair stay)")]
    assert ("delete_link", "blue-br0") in events


def test_down_removes_an_empty_hosts_directory(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, events: list[tuple[Any, ...]]) -> None:
    lab = record_blue_lab(tmp_path)
    lab.hosts_dir.mkdir()
    _down_fakes(monkeypatch, events, [[], []], [])
    teardown.down(lab, BLUE, Log(events))
    assert not lab.hosts_dir.exists()


def test_down_without_a_record_touches_no_link_and_says_so_only_when_the_bridge_is_there(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, events: list[tuple[Any, ...]]) -> None:
    lab = record_blue_lab(tmp_path)
    ipr = _down_fakes(monkeypatch, events, [], [])
    present: list[bool] = [True, False]

    def link_exists(ipr_: Any, name: str) -> bool:
        assert ipr_ is ipr
        events.append(("link_exists", name))
        return present.pop(0)

    monkeypatch.setattr(network, "link_exists", link_exists)
    teardown.down(lab, BLUE, Log(events), recorded=False)
    assert events[2:4] == [
        ("link_exists", "blue-br0"),
        ("say", f"left bridge blue-br0 alone: {lab.root} has no record of lab blue (net.json), "
                "so it may be another directory's")]
    assert not any(e[0] in ("lab_links", "delete_link") for e in events)
    del events[:]
    teardown.down(lab, BLUE, Log(events), recorded=False)
    assert events[2] == ("link_exists", "blue-br0")
    assert [e for e in events if e[0] == "say"] == [
        ("say", "lab blue is down (the guard routes and the lab key pair stay)")]


def test_down_is_recorded_unless_told_otherwise(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, events: list[tuple[Any, ...]]) -> None:
    lab = record_blue_lab(tmp_path)
    asked: list[bool] = []
    monkeypatch.setattr(teardown, "_down", lambda lab_, net, report, recorded: asked.append(
        recorded))
    _down_fakes(monkeypatch, events, [], [])
    teardown.down(lab, BLUE, Log(events))
    assert asked == [True]


def test_down_s_body_is_recorded_unless_told_otherwise(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, events: list[tuple[Any, ...]]) -> None:
    lab = record_blue_lab(tmp_path)
    _down_fakes(monkeypatch, events, [["blue-br0"], []], [])
    teardown._down(lab, BLUE, Log(events))
    assert ("delete_link", "blue-br0") in events


def test_bounds() -> None:
    assert (teardown.DOCKERD_STOP_TIMEOUT, teardown.CONTAINERD_STOP_TIMEOUT,
            teardown.LEFTOVER_STOP_TIMEOUT) == (15.0, 10.0, 5.0)
