"""`hosts down` acts only on what the lab it names recorded: its bridge, its hosts' veths and
the ports of its bridge, never a link that merely starts like its names, never another lab's
directory under this lab's name."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from hosts import cli, inventory, topology
from hosts.onebox import network, teardown
from hosts.paths import LabPaths
from hosts.report import Reporter
from tests.support.fakenet import FakeIPRoute, link, record_blue_lab, record_lab, shut_the_machine


@pytest.fixture(autouse=True)
def _no_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shut_the_machine(monkeypatch, tmp_path)


def _machine() -> FakeIPRoute:
    """Two labs up (the default one and blue), a docker bridge, and links named like blue's
    that blue did not make."""
    return FakeIPRoute(links=[
        link(1, "lo"),
        link(2, "eth0"),
        link(3, "swl-br0", "bridge"),
        link(4, "swl-manager", "veth", master=3),
        link(5, "swl-worker", "veth", master=3),
        link(6, "blue-br0", "bridge"),
        link(7, "blue-manager", "veth", master=6),
        link(8, "blue-worker", "veth", master=6),
        link(9, "blue-worker2", "veth", master=6),  # its host's record lost in a crash
        link(10, "blue-x", "dummy"),  # named like blue's, made by someone else
        link(11, "bl-br0", "bridge"),
        link(12, "br-0123456789ab", "bridge"),  # docker's
        link(13, "eth1", "veth", master=6),  # plugged into blue's bridge by someone else
    ])


def test_a_lab_s_links_are_those_it_recorded() -> None:
    ipr = _machine()
    blue = topology.lab_net("blue", "192.168.2.0/24")
    assert network.lab_links(ipr, blue, ["manager", "worker"]) == [
        "blue-br0", "blue-manager", "blue-worker", "blue-worker2"]
    default = topology.lab_net("swarmlab")
    assert network.lab_links(ipr, default, ["manager", "worker"]) == [
        "swl-br0", "swl-manager", "swl-worker"]
    # A lab named like docker's bridges owns none of them.
    assert network.lab_links(ipr, topology.lab_net("br"), []) == []


def test_down_deletes_only_the_named_lab_s_links(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    ipr = _machine()
    cleaned: list[list[str]] = []
    monkeypatch.setattr(teardown, "IPRoute", ipr)
    monkeypatch.setattr(teardown, "clean_hosts", lambda lab, net, names, report: cleaned.append(
        list(names)))
    lab = record_blue_lab(tmp_path, ["manager", "worker"])
    teardown.down(lab, topology.lab_net("blue", "192.168.2.0/24"), Reporter(quiet=True))
    assert cleaned == [["manager", "worker"]]
    assert sorted(ipr.deleted) == ["blue-br0", "blue-manager", "blue-worker", "blue-worker2"]
    assert "blue-x" in ipr.names and "swl-br0" in ipr.names and "eth1" in ipr.names
    assert not lab.net_file.exists()


def test_down_without_a_record_leaves_the_bridge_alone(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    ipr = _machine()
    monkeypatch.setattr(teardown, "IPRoute", ipr)
    monkeypatch.setattr(teardown, "clean_hosts", lambda *args: None)
    lab = LabPaths(tmp_path / "blue")
    lab.root.mkdir()
    teardown.down(lab, topology.lab_net("blue", "192.168.2.0/24"), Reporter(), recorded=False)
    assert ipr.deleted == []
    assert (f"left bridge blue-br0 alone: {lab.root} has no record of lab blue (net.json), so "
            "it may be another directory's") in capsys.readouterr().out


def test_cmd_down_passes_whether_the_lab_is_recorded(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    calls: list[tuple[str, bool]] = []
    monkeypatch.setattr(teardown, "down",
                        lambda lab, net, report, recorded: calls.append((net.name, recorded)))
    monkeypatch.setenv("SWARMLAB_LAB", "blue")
    args = argparse.Namespace(quiet=True)
    cli.cmd_down(args, LabPaths(tmp_path / "nothing"))
    cli.cmd_down(args, record_blue_lab(tmp_path, []))
    assert calls == [("blue", False), ("blue", True)]


def test_a_directory_of_another_lab_is_refused(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    # SWARMLAB_LAB_DIR of the default lab, SWARMLAB_LAB of blue: down must not take the
    # default lab's bridge down, nor blue's hosts down from the default lab's directory.
    monkeypatch.setattr(teardown, "down", lambda *args, **kwargs: pytest.fail("went down"))
    monkeypatch.setenv("SWARMLAB_LAB", "blue")
    lab = LabPaths(record_lab(tmp_path / "default", "swarmlab", "192.168.1.0/24"))
    for command in (cli.cmd_down, cli.cmd_status, cli.cmd_up):
        with pytest.raises(ValueError) as refused:
            command(argparse.Namespace(quiet=True, json=False, backend=None, managers=None,
                                       workers=None, subnet=None), lab)
        assert str(refused.value) == (
            f"SWARMLAB_LAB is 'blue', but {lab.root} holds lab 'swarmlab' (its net.json); "
            "allowed: SWARMLAB_LAB and SWARMLAB_LAB_DIR of one lab (make sets both from LAB)")


@pytest.mark.parametrize(("name", "tag", "message"), [
    ("swl", "swl", "lab name 'swl' is not valid"),
    ("blue", "swl", "records tag 'swl' for lab blue; allowed: 'blue', the tag of lab blue"),
    ("swarmlab", "swarmlab", "records tag 'swarmlab' for lab swarmlab; allowed: 'swl'"),
])
def test_a_record_that_names_another_lab_s_tag_is_refused(tmp_path: Path, name: str, tag: str,
                                                          message: str) -> None:
    lab = LabPaths(record_lab(tmp_path / "lab", name, "192.168.2.0/24", tag=tag))
    with pytest.raises(ValueError) as refused:
        inventory.read_net(lab)
    assert str(refused.value).startswith(f"{lab.net_file}") and message in str(refused.value)


@pytest.mark.parametrize("text", ["", "[]", "{\"lab\": \"blue\"}", "not json"])
def test_a_record_that_is_no_record_is_refused(tmp_path: Path, text: str) -> None:
    lab = LabPaths(tmp_path)
    lab.net_file.write_text(text)
    with pytest.raises(ValueError) as refused:
        inventory.read_net(lab)
    assert str(refused.value) == (
        f"{lab.net_file} is not a lab record; allowed: the net.json that `python -m hosts up` "
        "writes (lab, tag, subnet, backend)")
