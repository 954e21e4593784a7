"""Impairment values (tools/lab/impair.py): each refused before anything changes, naming the
variable and what it allows; the good ones become netem's options in tc's order."""

from __future__ import annotations

import pytest

from modules import lan_tc
from tools.lab import impair


def test_values_become_netem_options() -> None:
    found = impair.check("100ms", "10ms", "5%", "10mbit")
    assert found.netem() == ["delay", "100ms", "10ms", "loss", "5%", "rate", "10mbit"]
    assert impair.check("", "", "0.5%", "").netem() == ["loss", "0.5%"]


@pytest.mark.parametrize(("values", "variable"), [
    (("-1", "", "", ""), "DELAY"), (("1h", "", "", ""), "DELAY"), (("11s", "", "", ""), "DELAY"),
    (("٣ms", "", "", ""), "DELAY"), (("100ms;reboot", "", "", ""), "DELAY"),
    (("100ms", "-5ms", "", ""), "JITTER"), (("", "10ms", "", ""), "JITTER"),
    (("", "", "101%", ""), "LOSS"), (("", "", "100.5%", ""), "LOSS"), (("", "", "5", ""), "LOSS"),
    (("", "", "-1%", ""), "LOSS"),
    (("", "", "", "0"), "RATE"), (("", "", "", "0mbit"), "RATE"), (("", "", "", "10Mbps"), "RATE"),
])
def test_a_value_out_of_range_is_refused_naming_its_variable(values, variable) -> None:
    with pytest.raises(ValueError, match=rf"^{variable}="):
        impair.check(*values)


def test_nothing_to_impair_is_refused() -> None:
    with pytest.raises(ValueError, match="nothing to impair"):
        impair.check("", "", "", "")


def test_netem_sits_under_the_passing_class_and_everything_passes_without_a_partition():
    script = lan_tc.apply_script("eth1", None, ["delay", "100ms"])
    assert "htb default 10" in script
    assert "tc qdisc add dev eth1 parent 1:10 handle 10: netem delay 100ms" in script
    assert "u32" not in script
