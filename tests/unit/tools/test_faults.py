"""The fault verbs over the stack's links (tools/lab/faults.py): a host's netem is its manual
impairment when it has one, else its declared link, so `make heal` and `make unimpair` leave
the lab as `pulumi up` built it, declared links in place; status says both apart; `make up`
forgets the manual impairments its `pulumi up` replaced. No host is reached: the scripts
each host would run are read."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from modules.spec import LabSpec
from modules.spec.links import Impairment
from tests.support.stacks import local_spec
from tools.lab import __main__ as lab_main
from tools.lab import faults, labs, spec
from tools.lab.partition import Partitions

DECLARED = {"worker": {"delay": "100ms", "loss": "5%"}}
BY_HAND = Impairment(delay="300ms")


@pytest.fixture()
def hosts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Per host, the script the last change ran there; faults.json in tmp_path."""
    ran: dict[str, str] = {}

    def on_all(targets: object, scripts: dict[str, str]) -> dict[str, str]:
        ran.clear()
        ran.update(scripts)
        return {}

    monkeypatch.setattr(faults, "_on_all", on_all)
    monkeypatch.setattr(faults, "state_file", lambda lab: tmp_path / "faults.json")
    monkeypatch.setattr(faults, "require_tools_hosts", lambda lab: "onebox")
    monkeypatch.setattr(labs, "hosts_tool", lambda *a, **k: subprocess.CompletedProcess(a, 0))
    return ran


def linked(monkeypatch: pytest.MonkeyPatch) -> LabSpec:
    lab_spec = local_spec(links=DECLARED)
    monkeypatch.setattr(spec, "lab_spec", lambda lab: lab_spec)
    return lab_spec


def test_a_host_without_faults_gets_its_declared_link_and_the_others_nothing(hosts, monkeypatch):
    faults.apply(linked(monkeypatch), faults.Faults())
    assert "parent 1:10 handle 10: netem delay 100ms loss 5%" in hosts["worker"]
    assert "htb default 10" in hosts["worker"] and "u32" not in hosts["worker"]
    assert hosts["manager"] == "tc qdisc del dev eth1 root 2>/dev/null || true"


def test_a_manual_impairment_wins_over_the_declared_link(hosts, monkeypatch):
    faults.apply(linked(monkeypatch), faults.Faults(impaired={"worker": BY_HAND}))
    assert "netem delay 300ms" in hosts["worker"] and "100ms" not in hosts["worker"]


def test_a_partition_keeps_the_declared_netem_under_its_passing_class(hosts, monkeypatch):
    faults.apply(linked(monkeypatch), faults.Faults(Partitions().add(["worker"])))
    assert "htb default 30" in hosts["worker"]
    assert "parent 1:10 handle 10: netem delay 100ms loss 5%" in hosts["worker"]
    assert "netem" not in hosts["manager"] and "htb default 30" in hosts["manager"]


def test_heal_leaves_the_declared_links_in_place(hosts, monkeypatch, tmp_path):
    lab_spec = linked(monkeypatch)
    faults.write("lab", faults.Faults(Partitions().add(["worker"]), {"worker": BY_HAND,
                                                                    "manager": BY_HAND}))
    said = faults.heal("lab")
    assert "netem delay 100ms loss 5%" in hosts["worker"] and "u32" not in hosts["worker"]
    assert hosts["manager"] == "tc qdisc del dev eth1 root 2>/dev/null || true"
    assert not (tmp_path / "faults.json").exists()
    assert said.endswith(f"only the stack's declared netem is left ({faults.describe_links(lab_spec)})")


def test_unimpair_gives_a_declared_host_its_declared_values_back(hosts, monkeypatch):
    linked(monkeypatch)
    faults.write("lab", faults.Faults(impaired={"worker": BY_HAND}))
    said = faults.unimpair("lab", "worker")
    assert "netem delay 100ms loss 5%" in hosts["worker"]
    assert said == ("no partition, no manual impairment; links (stack): worker "
                    "(delay 100ms loss 5%)")


def test_status_says_the_faults_and_the_declared_links_apart(monkeypatch):
    lab_spec = local_spec(links=DECLARED)
    broken = faults.Faults(Partitions().add(["manager"]), {"worker": BY_HAND})
    assert faults.describe(lab_spec, broken) == (
        "partitioned: manager | worker; impaired: worker (delay 300ms); links (stack): worker "
        "(delay 100ms loss 5%, impaired by hand meanwhile)")
    assert faults.describe(local_spec(), broken) == (
        "partitioned: manager | worker; impaired: worker (delay 300ms)")
    assert faults.describe(local_spec(), faults.Faults()) == "no partition, no impairment"
    assert faults.describe_links(local_spec()) == ""


def test_after_up_the_manual_impairments_the_stack_replaced_are_forgotten(hosts, tmp_path):
    lab_spec = local_spec(links=DECLARED)
    parts = Partitions().add(["worker"])
    faults.write("lab", faults.Faults(parts, {"worker": BY_HAND, "manager": BY_HAND}))
    left = faults.after_up("lab", lab_spec)
    assert left == faults.Faults(parts, {"manager": BY_HAND}) == faults.read("lab")
    faults.write("lab", faults.Faults(impaired={"worker": BY_HAND}))
    assert faults.after_up("lab", lab_spec) == faults.Faults()
    assert not (tmp_path / "faults.json").exists()
    # A lab whose stack declares nothing keeps every manual impairment.
    faults.write("lab", faults.Faults(impaired={"worker": BY_HAND}))
    assert faults.after_up("lab", local_spec()).impaired == {"worker": BY_HAND}


def test_make_up_s_summary_forgets_what_the_stack_replaced_and_says_the_links(
        hosts, monkeypatch, capsys):
    linked(monkeypatch)
    monkeypatch.setattr(lab_main, "_outputs", lambda lab: object())
    monkeypatch.setattr(lab_main.summary, "render", lambda found: "SUMMARY")
    monkeypatch.setattr(spec, "declares", lambda lab, key: key == "links")
    faults.write("lab", faults.Faults(impaired={"worker": BY_HAND, "manager": BY_HAND}))
    status = ["--lab", "lab", "summary"]
    assert lab_main.main(status) == 0
    assert capsys.readouterr().out.splitlines() == [
        "SUMMARY", "faults: impaired: worker (delay 300ms), manager (delay 300ms) (make heal)",
        "links (stack): worker (delay 100ms loss 5%, impaired by hand meanwhile)"]
    assert lab_main.main([*status, "--after-up"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "SUMMARY", "faults: impaired: manager (delay 300ms) (make heal)",
        "links (stack): worker (delay 100ms loss 5%)"]
