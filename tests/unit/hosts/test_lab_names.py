"""A lab's name, LAN and counts: matched whole, never another lab's tag, never silently the
default; and the hosts tool says so in one line, before it asks for root."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from hosts import cli, paths, topology
from tests.support.fakenet import shut_the_machine

NAME_RULE = "allowed: swarmlab, or 1-6 lowercase letters and digits starting with a letter, not swl"


@pytest.fixture(autouse=True)
def _no_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shut_the_machine(monkeypatch, tmp_path)


def test_the_default_lab_s_tag_is_no_name_of_its_own() -> None:
    with pytest.raises(ValueError) as refused:
        topology.lab_net("swl")
    assert str(refused.value) == f"lab name 'swl' is not valid; {NAME_RULE}"
    assert topology.lab_net("swarmlab").tag == "swl"


@pytest.mark.parametrize("name", ["abc\n", "a/../../x", "ab-c", "abc def", "abcdefg"])
def test_a_name_is_matched_whole(name: str) -> None:
    # Each begins with a valid name: only a whole match refuses it.
    with pytest.raises(ValueError, match="is not valid; allowed: swarmlab"):
        topology.check_lab_name(name)


@pytest.mark.parametrize("name", ["", " ", "\t", " blue", "blue "])
def test_an_empty_or_padded_name_given_is_refused(name: str) -> None:
    for given in (topology.lab_net, paths.lab_dir):
        with pytest.raises(ValueError) as refused:
            given(name)
        assert str(refused.value) == f"lab name {name!r} is not valid; {NAME_RULE}"


@pytest.mark.parametrize("value", ["", " ", "swarmlab "])
def test_an_empty_swarmlab_lab_is_not_the_default_lab(monkeypatch: pytest.MonkeyPatch,
                                                      value: str) -> None:
    monkeypatch.setenv("SWARMLAB_LAB", value)
    with pytest.raises(ValueError) as refused:
        topology.lab_net()
    assert str(refused.value) == f"SWARMLAB_LAB {value!r} is not valid; {NAME_RULE}"
    with pytest.raises(ValueError, match="SWARMLAB_LAB"):
        paths.lab_dir()


def test_unset_swarmlab_lab_is_the_default_lab() -> None:
    assert topology.lab_net().name == "swarmlab"
    assert paths.lab_dir() == paths.REPO_ROOT / ".lab"


def _links(net: topology.LabNet, hosts: int = 3) -> list[str]:
    return [net.bridge] + [h.veth for h in topology.plan(hosts, hosts, net)]


def test_no_lab_owns_another_lab_s_links() -> None:
    # Names whose tags are prefixes of each other (ab, abc, abc1), the default lab's tag's
    # own prefixes (s, sw) and longer names beginning with it (swl1, swlab).
    names = ["swarmlab", "s", "sw", "swl1", "swlab", "ab", "abc", "abc1", "a1", "br", "tob"]
    nets = [topology.lab_net(n) for n in names]
    assert len({n.tag for n in nets}) == len(nets)
    for mine, other in itertools.permutations(nets, 2):
        stolen = [link for link in _links(other) if mine.owns_link(link)]
        assert stolen == [], f"lab {mine.name} owns {stolen} of lab {other.name}"
    for net in nets:
        assert all(net.owns_link(link) for link in _links(net))
        assert all(len(link) <= 15 for link in _links(net))


def test_no_valid_name_but_the_default_lab_s_gives_its_tag() -> None:
    short = ["".join(p) for n in (1, 2, 3) for p in itertools.product("lsw", repeat=n)]
    tags = {topology.lab_net(n).tag for n in short if n != "swl"}
    assert topology.DEFAULT_TAG not in tags


@pytest.mark.parametrize("subnet", ["10.0.0.0/15", "192.168.1.0/25", "10.0.0.0/8",
                                    "192.168.1.0/30"])
def test_a_lan_outside_16_to_24_is_refused(subnet: str) -> None:
    with pytest.raises(ValueError) as refused:
        topology.lab_net("blue", subnet)
    assert str(refused.value) == (
        f"subnet {subnet!r} is not valid; allowed: a private IPv4 network (in 10.0.0.0/8, "
        "172.16.0.0/12 or 192.168.0.0/16) from /16 to /24, such as 192.168.1.0/24")


@pytest.mark.parametrize("subnet", ["10.0.0.0/16", "192.168.1.0/24", "172.31.0.0/16",
                                    "10.255.255.0/24"])
def test_a_private_lan_from_16_to_24_is_taken(subnet: str) -> None:
    assert str(topology.lab_net("blue", subnet).subnet) == subnet


@pytest.mark.parametrize("subnet", ["8.8.8.0/24", "100.64.0.0/16", "172.32.0.0/16",
                                    "192.169.0.0/24", "169.254.1.0/24"])
def test_a_public_lan_is_refused(subnet: str) -> None:
    with pytest.raises(ValueError, match=r"allowed: a private IPv4 network"):
        topology.lab_net("blue", subnet)


def test_an_empty_swarmlab_subnet_is_not_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWARMLAB_SUBNET", "")
    with pytest.raises(ValueError, match="SWARMLAB_SUBNET '' is not valid"):
        topology.lab_net("blue")
    with pytest.raises(ValueError, match="subnet '' is not valid"):
        topology.lab_net("blue", "")


@pytest.mark.parametrize("raw", ["\u0663", "+3", " 3", "3 ", "3_0", "\uff13", "-1", "0x3", "1e1",
                                 "", "0", "33"])
def test_managers_are_ascii_digits_from_1_to_32(raw: str) -> None:
    with pytest.raises(ValueError) as refused:
        topology.counts_from_env(raw, "1")
    assert str(refused.value) == (
        f"--managers (MANAGERS) {raw!r} is not valid; allowed: a whole number from 1 to 32 "
        "(digits only), at most 32 hosts in all")


@pytest.mark.parametrize("raw", ["\u0663", "+0", "-1", "32", "two", "1.5"])
def test_workers_are_ascii_digits_from_0_to_31(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("SWARMLAB_WORKERS", raw)
    with pytest.raises(ValueError) as refused:
        topology.counts_from_env()
    assert str(refused.value) == (
        f"SWARMLAB_WORKERS {raw!r} is not valid; allowed: a whole number from 0 to 31 "
        "(digits only), at most 32 hosts in all")


def test_counts_at_the_bounds_are_taken() -> None:
    assert topology.counts_from_env("1", "0") == (1, 0)
    assert topology.counts_from_env("32", "0") == (32, 0)
    assert topology.counts_from_env("1", "31") == (1, 31)
    assert topology.counts_from_env("007", "1") == (7, 1)
    with pytest.raises(ValueError) as refused:
        topology.counts_from_env("16", "17")
    assert str(refused.value) == "16 managers and 17 workers are 33 hosts; allowed: at most 32 in all"


@pytest.mark.parametrize("command", ["status", "down", "up", "doctor"])
@pytest.mark.parametrize("name", ["Blue", "../x", "1abc", "a b", "abcdefg", "swl", ""])
def test_the_hosts_tool_refuses_a_bad_lab_name_in_one_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        command: str, name: str) -> None:
    # As make runs it: SWARMLAB_LAB_DIR set too; and not as root, whose check comes later.
    monkeypatch.setenv("SWARMLAB_LAB", name)
    monkeypatch.setenv("SWARMLAB_LAB_DIR", str(tmp_path / "lab"))
    assert cli.main([command]) == 2
    out, err = capsys.readouterr()
    assert err == f"[hosts] SWARMLAB_LAB {name!r} is not valid; {NAME_RULE}\n"
    assert out == ""


@pytest.mark.parametrize(("argv", "message"), [
    (["--managers", "+3"], "--managers (MANAGERS) '+3' is not valid"),
    (["--workers", "\u0663"], "--workers (WORKERS) '\u0663' is not valid"),
    (["--managers", "20", "--workers", "20"], "20 managers and 20 workers are 40 hosts"),
    (["--subnet", "10.0.0.0/8"], "--subnet (lanSubnet) '10.0.0.0/8' is not valid"),
    (["--subnet", ""], "--subnet (lanSubnet) '' is not valid"),
])
def test_up_refuses_bad_counts_and_lans_before_asking_for_root(
        capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert cli.main(["up", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"[hosts] {message}") and err.count("\n") == 1
