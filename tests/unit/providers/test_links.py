"""The stack's netem on a host (modules/providers/links.py), its shell run for real against a
stand-in `tc` (tests/support/faketc.py): on an interface without the tool's tree it makes one
that passes everything; under a partition it replaces only the netem and keeps the filters;
delete takes the netem away; a netem gone or changed by hand reads as not in place. And the
preflight asks for sch_netem where the stack impairs a host, naming it when the kernel has
none."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from modules import lan_tc, preflight
from modules.providers import links
from modules.providers.base import output_names
from modules.ssh import RemoteError
from tests.support.fakes import MANAGER, TARGET, FakeHosts
from tests.support.faketc import LanHost, lan_host
from tests.support.stacks import local_spec

NETEM = ["delay", "100ms", "loss", "5%"]
PROPS = {"target": TARGET.as_dict(), "iface": "eth1", "netem": NETEM,
         "values": {"delay": "100ms", "loss": "5%"}, "in_place": True}
LINE = "qdisc netem 10: parent 1:10 limit 1000 delay 100ms loss 5%"
PARTITION = [ipaddress.IPv4Network("192.168.1.1/32"), ipaddress.IPv4Network("192.168.1.11/32")]


@pytest.fixture()
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LanHost:
    return lan_host(tmp_path, monkeypatch)


def partitioned(host: LanHost) -> None:
    """The tree `make partition` leaves: filters, the dropping class, no netem."""
    assert host.sh(lan_tc.apply_script("eth1", PARTITION)).returncode == 0
    host.forget()


def test_its_output_is_the_line_tc_showed() -> None:
    assert output_names(links.Link) == ["applied"]


def test_on_a_bare_interface_the_tree_is_made_passing_everything_through_netem(host):
    created = links.LinkProvider().create(dict(PROPS))
    assert (created.id, created.outs["applied"]) == ("link-worker", LINE)
    assert "qdisc add dev eth1 root handle 1: htb default 10" in host.calls()
    assert "qdisc add dev eth1 parent 1:10 handle 10: netem delay 100ms loss 5%" in host.calls()
    state = host.state()
    assert state["root"] == "10" and state["filters"] == []
    assert state["children"]["1:10"]["opts"] == "limit 1000 delay 100ms loss 5%"


def test_under_a_partition_only_the_netem_is_replaced_and_the_filters_stay(host):
    partitioned(host)
    before = host.state()
    links.LinkProvider().create(dict(PROPS))
    changed = [c for c in host.calls() if " show " not in f" {c} "]
    assert changed == ["qdisc del dev eth1 parent 1:10 handle 10:",
                       "qdisc add dev eth1 parent 1:10 handle 10: netem delay 100ms loss 5%"]
    after = host.state()
    assert (after["root"], after["filters"], after["classes"]) == (
        "30", before["filters"], before["classes"])
    assert after["children"]["1:10"]["opts"] == "limit 1000 delay 100ms loss 5%"


def test_a_rate_set_by_hand_does_not_outlive_the_declared_values(host):
    partitioned(host)
    hand = host.sh("tc qdisc add dev eth1 parent 1:10 handle 10: netem delay 20ms rate 10mbit")
    assert hand.returncode == 0, hand.stderr
    links.LinkProvider().create(dict(PROPS))
    assert host.state()["children"]["1:10"]["opts"] == "limit 1000 delay 100ms loss 5%"


def test_a_netem_tc_refuses_is_an_error_naming_the_host(host):
    host.without_netem()
    with pytest.raises(RemoteError, match=r"^worker \(192\.168\.1\.11\): swarmlab:links: netem "
                                          r"delay 100ms loss 5% on eth1 not in place: Error: "
                                          "Specified qdisc kind is unknown"):
        links.LinkProvider().create(dict(PROPS))


def test_delete_without_a_partition_leaves_the_interface_as_docker_made_it(host):
    links.LinkProvider().create(dict(PROPS))
    links.LinkProvider().delete("link-worker", {**PROPS, "applied": LINE})
    assert host.state()["root"] is None and host.state()["children"] == {}


def test_delete_under_a_partition_takes_only_the_netem(host):
    partitioned(host)
    links.LinkProvider().create(dict(PROPS))
    links.LinkProvider().delete("link-worker", {**PROPS, "applied": LINE})
    state = host.state()
    assert state["root"] == "30" and len(state["filters"]) == 4
    assert set(state["children"]) == {"1:30"}


def test_delete_leaves_a_netem_set_by_hand_since(host):
    links.LinkProvider().create(dict(PROPS))
    hand = host.sh("tc qdisc replace dev eth1 parent 1:10 handle 10: netem delay 20ms")
    assert hand.returncode == 0, hand.stderr
    links.LinkProvider().delete("link-worker", {**PROPS, "applied": LINE})
    assert host.state()["children"]["1:10"]["opts"] == "limit 1000 delay 20ms"


def test_delete_of_what_is_already_gone_changes_nothing(host):
    links.LinkProvider().delete("link-worker", {**PROPS, "applied": LINE})
    assert [c for c in host.calls() if " show " not in f" {c} "] == []


def test_a_netem_changed_by_hand_or_gone_reads_as_not_in_place(host):
    provider = links.LinkProvider()
    outs = provider.create(dict(PROPS)).outs
    read = provider.read("link-worker", outs)
    assert read.outs["in_place"] is True and read.inputs["in_place"] is True
    assert provider.diff("link-worker", read.outs, dict(PROPS)).changes is False
    # `make impair NODE=worker DELAY=300ms`: the tool's tree, another netem.
    assert host.sh(lan_tc.apply_script("eth1", None, ["delay", "300ms"])).returncode == 0
    read = provider.read("link-worker", outs)
    assert read.inputs["in_place"] is False
    diff = provider.diff("link-worker", read.outs, dict(PROPS))
    assert (diff.changes, diff.replaces) == (True, [])
    provider.update("link-worker", read.outs, dict(PROPS))
    assert host.state()["children"]["1:10"]["opts"] == "limit 1000 delay 100ms loss 5%"
    assert host.sh(lan_tc.heal_script("eth1")).returncode == 0
    assert provider.read("link-worker", outs).inputs["in_place"] is False


def test_new_values_update_in_place_and_a_new_interface_leaves_the_old_one_clean(host):
    provider = links.LinkProvider()
    olds = provider.create(dict(PROPS)).outs
    news = {**PROPS, "netem": ["rate", "10mbit"], "values": {"rate": "10mbit"}}
    diff = provider.diff("link-worker", olds, news)
    assert (diff.changes, diff.replaces) == (True, [])
    assert provider.update("link-worker", olds, news).outs["applied"] == (
        "qdisc netem 10: parent 1:10 limit 1000 rate 10mbit")
    moved = provider.update("link-worker", olds, {**news, "iface": "eth2"})
    assert moved.outs["applied"].endswith("rate 10mbit")
    assert host.state("eth1")["root"] is None and host.state("eth2")["root"] == "10"


def test_a_seed_the_kernel_prints_is_not_part_of_the_line(monkeypatch):
    FakeHosts(lambda h, c, s: (0, LINE.replace("loss", "seed 123456 loss") + "\n", "")
              ).install(monkeypatch)
    assert links.found_line(TARGET, "eth1") == LINE


def test_an_interface_reaches_tc_quoted() -> None:
    script = lan_tc.netem_script("eth1;x", ["delay", "1ms;reboot"])
    assert "dev 'eth1;x'" in script and "'1ms;reboot'" in script and "dev eth1;x" not in script
    assert "dev 'eth1;x'" in lan_tc.unnetem_script("eth1;x")


# --- the preflight asks for sch_netem ------------------------------------------------------

def test_a_host_with_netem_passes_and_the_scratch_link_is_gone(host):
    assert preflight.check_host(TARGET, "eth1", (), netem=True) == []
    ran = (host.box / "calls").read_text()
    assert "ip link add swl-netem" in ran and "ip link del swl-netem" in ran
    assert "qdisc add dev swl-netem root netem delay 1ms" in ran
    assert host.state("eth1")["root"] is None  # the lab's own interface untouched


def test_a_kernel_without_netem_is_refused_naming_sch_netem_and_the_host(host):
    host.without_netem()
    assert preflight.check_host(TARGET, "eth1", (), netem=False) == []
    assert preflight.check_host(TARGET, "eth1", (), netem=True) == [
        "worker (192.168.1.11): the kernel has no sch_netem (netem), which swarmlab:links asks "
        "for on this host; use a kernel with it (the VM lab's have it; the one-box hosts share "
        "this machine's, which has none) or leave the host out of swarmlab:links"]


def test_a_user_that_cannot_make_a_link_is_told_why_netem_was_not_asked(host):
    host.not_root()
    problems = preflight.check_host(TARGET, "eth1", (), netem=True)
    assert len(problems) == 1 and "could not be asked for sch_netem" in problems[0]
    assert "the SSH user must be root" in problems[0]


def test_only_the_hosts_the_stack_impairs_are_asked(host):
    host.without_netem()
    problems = preflight.check_hosts([(MANAGER, "manager"), (TARGET, "worker")], "eth1",
                                     netem=["worker"])
    assert [p.split(":", 1)[0] for p in problems] == [TARGET.label]
    assert (host.box / "calls").read_text().count("ip link add swl-netem") == 1


def test_a_preview_asks_the_hosts_the_stack_impairs_for_netem(monkeypatch):
    asked = []
    monkeypatch.setattr(preflight, "check_hosts", lambda hosts, parent, images=None, netem=():
                        asked.append((hosts, netem)) or [])
    preflight.check_all(local_spec(links={"worker": {"delay": "1ms"}}))
    preflight.check_all(local_spec())
    assert [netem for _, netem in asked] == [["worker"], []]
