"""A probe's target is one quoted shell word, whatever it holds: a name with a space, `;`, `$(...)`
or quotes never becomes a second command or another argument."""

from __future__ import annotations

import shlex

import pytest

from modules.checks.model import Check, Source
from modules.docker import probe

APP = Source("service", "app", "manager")
TARGETS = ["web; rm -rf /", "a b", "$(reboot)", "`id`", "it's"]


@pytest.mark.parametrize("target", TARGETS)
def test_a_probes_target_is_one_quoted_word(target):
    quoted = shlex.quote(target)
    assert quoted != target, "each target needs quoting"
    http = shlex.quote(probe.HTTP_REQUEST)
    tcp = shlex.quote(probe.TCP_CONNECT)
    commands = {
        "ping": f"ping -c 1 -W 2 {quoted}",
        "dns": f"nslookup {quoted}",
        "http": f"sh -c {http} probe {quoted} 80 2",
        "tcp": f"sh -c {tcp} probe {quoted} 80 2",
    }
    for kind, expected in commands.items():
        check = Check(kind, APP, target=target, port=80)
        assert probe.tool_command(check) == expected, kind
        # The whole probe, run in the host's shell, ends with that same command.
        assert probe.command(check).endswith(" " + expected), kind


def test_a_target_of_one_word_needs_no_quotes():
    assert probe.tool_command(Check("ping", APP, target="tasks.web")) == "ping -c 1 -W 2 tasks.web"
