"""What the hosts tool refuses or warns about from the machine's state: removing the guard
while a lab is up, a LAN this machine already routes, a LAN another lab of this checkout
holds."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from hosts import cli, topology
from hosts.onebox import doctor, neighbours
from hosts.onebox import up as onebox
from hosts.paths import LabPaths
from hosts.report import StepError
from tests.support.fakenet import (
    FakeIPRoute,
    guard_routes,
    link,
    record_lab,
    route,
    shut_the_machine,
)


@pytest.fixture
def netns(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return shut_the_machine(monkeypatch, tmp_path)


def _guard_remove(monkeypatch: pytest.MonkeyPatch, ipr: FakeIPRoute) -> int:
    monkeypatch.setattr(cli, "IPRoute", ipr)
    return cli.cmd_guard(argparse.Namespace(remove=True), LabPaths(Path("unused")))


def test_guard_remove_is_refused_while_a_lab_s_bridge_is_up(
        monkeypatch: pytest.MonkeyPatch, netns: Path) -> None:
    ipr = FakeIPRoute(links=[link(1, "lo"), link(2, "blue-br0", "bridge")], routes=guard_routes())
    with pytest.raises(StepError) as refused:
        _guard_remove(monkeypatch, ipr)
    assert str(refused.value) == ("guard --remove: a lab is up (blue-br0): its addresses would "
                                  "lose their fence; take every lab down first")
    assert ipr.calls == []


def test_guard_remove_is_refused_while_a_lab_s_namespace_is_left(
        monkeypatch: pytest.MonkeyPatch, netns: Path) -> None:
    (netns / "swl-worker2").touch()
    ipr = FakeIPRoute(links=[link(1, "lo")], routes=guard_routes())
    with pytest.raises(StepError, match=r"a lab is up \(swl-worker2\)"):
        _guard_remove(monkeypatch, ipr)
    assert ipr.calls == []


def test_guard_remove_removes_the_guard_when_no_lab_is_up(
        monkeypatch: pytest.MonkeyPatch, netns: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (netns / "someone-else").touch()
    ipr = FakeIPRoute(links=[link(1, "lo"), link(2, "docker0", "bridge")], routes=guard_routes())
    assert _guard_remove(monkeypatch, ipr) == 0
    assert [kw["dst"] for kw in ipr.calls_to("route", "del")] == [
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
    assert "[hosts] removed unreachable 10.0.0.0/8 metric 4242" in capsys.readouterr().out


def _doctor_lan(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ipr: FakeIPRoute,
                net: topology.LabNet) -> dict[str, object]:
    monkeypatch.setattr(doctor, "IPRoute", ipr)
    forward = tmp_path / "ip_forward"
    forward.write_text("0\n")
    monkeypatch.setattr(doctor, "IP_FORWARD", forward)
    result = doctor.check_lab(net)
    assert result["ok"] is True  # the guard holds: a clash is a warning
    lan: dict[str, object] = result["checks"]["lan"]
    return lan


def test_doctor_warns_when_the_machine_already_routes_the_lab_s_lan(
        monkeypatch: pytest.MonkeyPatch, netns: Path, tmp_path: Path) -> None:
    ipr = FakeIPRoute(links=[link(1, "lo"), link(2, "eth0")],
                      routes=[route("0.0.0.0/0", oif=2), route("192.168.0.0/23", oif=2),
                              *guard_routes()])
    net = topology.lab_net("blue", "192.168.1.0/24")
    lan = _doctor_lan(monkeypatch, tmp_path, ipr, net)
    assert lan["ok"] is False and lan["required"] is False
    assert lan["detail"] == ("this machine already routes 192.168.0.0/23, which overlaps lab "
                             "blue's LAN 192.168.1.0/24")
    assert lan["impact"] == "pick another lanSubnet for this lab (see the README)"
    rendered = doctor.render([doctor.check_lab(net)])
    assert re.search(r"\(root namespace\) +lan +warning +this machine already routes "
                     r"192\.168\.0\.0/23", rendered)


def test_doctor_does_not_count_the_lab_s_own_bridge_or_the_guard(
        monkeypatch: pytest.MonkeyPatch, netns: Path, tmp_path: Path) -> None:
    ipr = FakeIPRoute(links=[link(1, "lo"), link(2, "eth0"), link(3, "blue-br0", "bridge")],
                      routes=[route("0.0.0.0/0", oif=2), route("10.1.0.0/16", oif=2),
                              route("192.168.1.0/24", oif=3), *guard_routes()])
    lan = _doctor_lan(monkeypatch, tmp_path, ipr, topology.lab_net("blue", "192.168.1.0/24"))
    assert lan == {"ok": True, "required": False, "impact": "",
                   "detail": "192.168.1.0/24: not used by this machine"}


CLASH = ("lab blue's LAN {mine} overlaps {theirs}, the LAN of lab {other} (made from {dir}); "
         "give lab blue a LAN of its own: a stack with its own lanSubnet, e.g. "
         "swarmlab:lanSubnet: {free} in stacks/Pulumi.blue.yaml, then "
         "`make lab LAB=blue STACK=blue`")


@pytest.mark.parametrize(("mine", "theirs", "free"), [
    ("192.168.1.0/24", "192.168.1.0/24", "192.168.2.0/24"),
    ("192.168.0.0/16", "192.168.1.0/24", "None"),
    ("192.168.2.0/24", "192.168.0.0/22", "192.168.4.0/24"),
])
def test_up_refuses_a_lan_another_one_box_lab_holds(tmp_path: Path, mine: str, theirs: str,
                                                    free: str) -> None:
    state = tmp_path / ".lab"
    record_lab(state, "swarmlab", theirs)
    blue = LabPaths(state / "labs" / "blue")
    with pytest.raises(ValueError) as refused:
        neighbours.refuse_clash(blue, topology.lab_net("blue", mine), "onebox", state)
    expected = CLASH.format(mine=mine, theirs=theirs, other="swarmlab", dir=state.resolve(),
                            free=free)
    if free == "None":
        expected = expected.replace("e.g. swarmlab:lanSubnet: None in", "e.g. a swarmlab:lanSubnet in")
    assert str(refused.value) == expected


def test_up_takes_a_lan_of_its_own_or_beside_a_vm_lab(tmp_path: Path) -> None:
    state = tmp_path / ".lab"
    record_lab(state, "swarmlab", "192.168.1.0/24")
    record_lab(state / "labs" / "tvm", "tvm", "192.168.2.0/24", backend="vm")
    record_lab(state / "labs" / "broken", "broken", "192.168.3.0/24").joinpath(
        "net.json").write_text("{")
    blue = LabPaths(state / "labs" / "blue")
    neighbours.refuse_clash(blue, topology.lab_net("blue", "192.168.2.0/24"), "onebox", state)
    # A VM lab's LAN is in user space: it may be any one-box lab's.
    neighbours.refuse_clash(blue, topology.lab_net("blue", "192.168.1.0/24"), "vm", state)
    # The lab's own record is its own LAN, not a clash.
    record_lab(blue.root, "blue", "192.168.2.0/24")
    neighbours.refuse_clash(blue, topology.lab_net("blue", "192.168.2.0/24"), "onebox", state)


def test_up_refuses_a_name_another_lab_directory_holds(tmp_path: Path) -> None:
    state = tmp_path / ".lab"
    record_lab(state / "labs" / "blue", "blue", "192.168.2.0/24", backend="vm")
    elsewhere = LabPaths(tmp_path / "elsewhere")
    with pytest.raises(ValueError) as refused:
        neighbours.refuse_clash(elsewhere, topology.lab_net("blue", "192.168.9.0/24"), "vm", state)
    assert str(refused.value) == (
        f"lab blue is already up from {(state / 'labs' / 'blue').resolve()}: one name, one lab; "
        "take it down there first, or give this lab another name")


def test_make_lab_blue_without_its_stack_makes_no_host(
        monkeypatch: pytest.MonkeyPatch, netns: Path, tmp_path: Path) -> None:
    # `make lab LAB=blue` with the default stack: the default lab's LAN.
    state = tmp_path / "checkout" / ".lab"
    record_lab(state, "swarmlab", "192.168.1.0/24")
    made: list[str] = []
    monkeypatch.setattr(onebox, "up", lambda lab, net, hosts, report, engine: made.append(net.name))
    monkeypatch.setenv("SWARMLAB_LAB", "blue")
    args = argparse.Namespace(backend="onebox", managers="1", workers="1",
                              subnet="192.168.1.0/24", quiet=True, engine=None,
                              debian=None)
    with pytest.raises(ValueError, match=r"overlaps 192\.168\.1\.0/24, the LAN of lab swarmlab"):
        cli.cmd_up(args, LabPaths(state / "labs" / "blue"))
    assert made == []
    args.subnet = "192.168.2.0/24"
    assert cli.cmd_up(args, LabPaths(state / "labs" / "blue")) == 0
    assert made == ["blue"]
