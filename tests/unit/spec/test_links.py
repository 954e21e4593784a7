"""The stack's link impairment (swarmlab:links): parsed into LabSpec.links, in host order, with
the very values and ranges `make impair` takes (modules/spec/links.py is the one home of
both); every refusal is in tests/unit/badinput/test_stack_keys.py."""

from __future__ import annotations

import json

import pytest
import yaml

from modules.spec import ConfigError, parse_spec
from modules.spec.links import Impairment
from modules.spec.pulumi_config import decode
from modules.spec.settings import BY_KEY
from tests.support.stacks import local_spec, with_
from tools.lab import impair


def test_a_stack_impairs_the_hosts_it_names() -> None:
    spec = local_spec(links={"worker": {"delay": "100ms", "loss": "5%"}})
    assert spec.links == {"worker": Impairment(delay="100ms", loss="5%")}
    assert spec.links["worker"].netem() == ["delay", "100ms", "loss", "5%"]


def test_no_links_by_default() -> None:
    assert local_spec().links == {}
    assert local_spec(links={}).links == {}


def test_the_yaml_of_a_stack_file_gives_strings_netem_takes() -> None:
    config = yaml.safe_load("swarmlab:links: {worker: {delay: 100ms, jitter: 10ms, loss: 5%, "
                            "rate: 10mbit}}")
    spec = local_spec(links=config["swarmlab:links"])
    assert spec.links["worker"].netem() == ["delay", "100ms", "10ms", "loss", "5%",
                                            "rate", "10mbit"]


def test_pulumi_hands_the_object_over_as_json() -> None:
    raw = json.dumps({"worker": {"loss": "0.5%"}})
    assert BY_KEY["links"].kind == "object"
    assert local_spec(links=decode("object", raw)).links == {"worker": Impairment(loss="0.5%")}


def test_links_follow_the_hosts_order_whatever_the_stacks() -> None:
    spec = local_spec(links={"worker": {"rate": "1gbit"}, "manager": {"delay": "0ms"}})
    assert list(spec.links) == ["manager", "worker"]


@pytest.mark.parametrize("value", ["10s", "500us", "0ms", "11s", "10001ms", "-1ms", "1h", "٣ms"])
def test_the_stack_and_make_impair_accept_the_same_delays(value: str) -> None:
    try:
        impair.check(value, "", "", "")
        by_tool = True
    except ValueError:
        by_tool = False
    try:
        parse_spec(with_(links={"worker": {"delay": value}}))
        by_stack = True
    except ConfigError:
        by_stack = False
    assert by_tool == by_stack
