"""Bad input fails in preview, before any change, with the message naming the key."""

from __future__ import annotations

import pytest
import yaml

from tests.support.live import snapshot
from tests.support.paths import lab_name
from tests.support.pulumi import temporary_stack
from tools.lab import labs

pytestmark = [pytest.mark.lab, pytest.mark.reliability]

BAD_STACKS = {
    "even managers": ("swarmlab:hosts", "every host a manager", "2 managers is an even number"),
    "unknown endpoint mode": ("swarmlab:endpointMode", "ipvs", "swarmlab:endpointMode: 'ipvs'"),
    "image like a flag": ("swarmlab:image", "-ex/y", "swarmlab:image: '-ex/y' is not valid"),
    "missing macvlan parent": ("swarmlab:macvlan", {"name": "mymacvlan", "parent": "eth9"},
                               "swarmlab:macvlan.parent 'eth9' is not an interface on this host"),
}


@pytest.mark.parametrize("case", sorted(BAD_STACKS))
def test_bad_stack_fails_in_preview_and_changes_nothing(lab, case):
    key, value, message = BAD_STACKS[case]
    before = snapshot(lab)
    config = yaml.safe_load(labs.stack_file(lab_name()).read_text())["config"]
    if key == "swarmlab:hosts":
        config.pop("swarmlab:hostsFile")
        value = [{"name": h["name"], "address": h["address"], "role": "manager"}
                 for h in lab.inventory]
    config[key] = value
    with temporary_stack("badinput", config) as pulumi:
        proc = pulumi("preview", check=False)
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert snapshot(lab) == before
