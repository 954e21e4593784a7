"""Pulumi's own lifecycle order on the lab, last in the session: an empty preview, an empty
refresh, no secret anywhere, then destroy leaves nothing of the lab on any host.

Named test_zz_ so it runs after every test that needs the lab up.
"""

from __future__ import annotations

import json
import re

import pytest
from labtools import PULUMI_TRANSCRIPT, pulumi

pytestmark = [pytest.mark.lab, pytest.mark.lifecycle]

SECRET = re.compile(r"SWM(?:TKN|KEY)-1-")


def test_preview_after_up_reports_no_changes(lab):
    pulumi("preview", "--expect-no-changes", "--diff")


def test_second_up_reports_no_changes(lab):
    pulumi("up", "--yes", "--skip-preview", "--expect-no-changes")


def test_refresh_reports_no_changes(lab):
    pulumi("refresh", "--yes", "--skip-preview", "--expect-no-changes")


def test_no_join_token_in_state_outputs_or_logs(lab):
    export = pulumi("stack", "export").stdout
    assert not SECRET.search(export), "a join token is in plain text in the state"
    outputs = pulumi("stack", "output", "--json").stdout
    assert not SECRET.search(outputs)
    # ...yet the secrets are there, for whoever asks with --show-secrets.
    shown = json.loads(pulumi("stack", "output", "--json", "--show-secrets").stdout)
    assert SECRET.match(shown["workerJoinToken"]) and SECRET.match(shown["managerJoinToken"])
    del shown
    assert not any(SECRET.search(text) for text in PULUMI_TRANSCRIPT[:-1])


def test_destroy_leaves_nothing_on_any_host(lab):
    if not lab.built_here:
        pytest.skip("this session did not build the lab; it leaves it up (make destroy ends it)")
    pulumi("destroy", "--yes", "--skip-preview")
    for name, host in lab.hosts.items():
        assert host.check_output("docker info --format '{{.Swarm.LocalNodeState}}'") == "inactive"
        assert host.check_output("docker ps -aq") == "", f"containers left on {name}"
        networks = set(host.check_output("docker network ls --format '{{.Name}}'").split())
        # docker_gwbridge stays: dockerd made it for the swarm and keeps it, empty, by design.
        assert networks <= {"bridge", "host", "none", "docker_gwbridge"}, f"{name}: {networks}"
    summary = json.loads(pulumi("stack", "export").stdout)
    assert len(summary["deployment"].get("resources") or []) == 0
