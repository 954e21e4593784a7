"""Pulumi's own lifecycle order on a lab of this package's own, in one module (the steps
follow each other): an empty preview, refresh and second up, no secret anywhere in plain
text, destroy leaving nothing on any host, then hardening, a restarted manager coming back
on its own, and a destroy that names Docker's reference leak.
"""

from __future__ import annotations

import json
import re

import pytest

from modules.docker import node, swarm
from modules.ssh import RemoteError
from tests.support import builder
from tests.support.cis import report
from tests.support.lab import stop_daemon
from tests.support.live import lab_works, wait_no_containers
from tests.support.paths import ROOT
from tests.support.pulumi import Pulumi

pytestmark = [pytest.mark.lab, pytest.mark.lifecycle]

SECRET = re.compile(r"SWM(?:TKN|KEY)-1-")


@pytest.fixture(scope="module")
def pulumi() -> Pulumi:
    """One runner for the module: its transcript is what the secrets test reads."""
    return builder.pulumi()


def test_preview_after_up_reports_no_changes(lab, pulumi):
    pulumi("preview", "--expect-no-changes", "--diff")


def test_second_up_reports_no_changes(lab, pulumi):
    pulumi.up("--expect-no-changes")


def test_refresh_reports_no_changes(lab, pulumi):
    pulumi("refresh", "--yes", "--skip-preview", "--expect-no-changes")


def test_no_join_token_in_state_outputs_or_logs(lab, pulumi):
    export = pulumi("stack", "export").stdout
    assert not SECRET.search(export), "a join token is in plain text in the state"
    outputs = pulumi("stack", "output", "--json").stdout
    assert not SECRET.search(outputs)
    # ...yet the secrets are there, for whoever asks with --show-secrets (compared as
    # booleans: a failing assert must not print them into the report).
    shown = pulumi.outputs(secrets=True)
    tokens_there = all(SECRET.match(shown[k]) for k in ("workerJoinToken", "managerJoinToken"))
    del shown
    pulumi.transcript.pop()
    assert tokens_there, "the join tokens are not in the outputs"
    assert not any(SECRET.search(text) for text in pulumi.transcript)
    # Nor in any file of the state backend (history, backups) or the Pulumi home (logs).
    for folder in (ROOT / ".lab" / "state", ROOT / ".lab" / "pulumi-home"):
        for path in folder.rglob("*"):
            if path.is_file() and path.stat().st_size < 50_000_000:
                assert not SECRET.search(path.read_text(errors="ignore")), f"a token is in {path}"


def test_destroy_leaves_nothing_on_any_host(lab, pulumi):
    pulumi.destroy()
    for name, host in lab.hosts.items():
        assert host.check_output("docker info --format '{{.Swarm.LocalNodeState}}'") == "inactive"
        assert wait_no_containers(host), f"containers left on {name}"
        networks = set(host.check_output("docker network ls --format '{{.Name}}'").split())
        # docker_gwbridge stays: dockerd made it for the swarm and keeps it, empty, by design.
        assert networks <= {"bridge", "host", "none", "docker_gwbridge"}, f"{name}: {networks}"
    summary = json.loads(pulumi("stack", "export").stdout)
    assert len(summary["deployment"].get("resources") or []) == 0


@pytest.fixture(scope="module")
def hardened_stack(lab, pulumi):
    """The lab's stack with autolock and a 720h certificate expiry (a token rotation comes
    in the test); its working stack file is put back as it was afterwards."""
    from tools.lab import labs

    stack_file = labs.stack_file(pulumi.stack)
    original = stack_file.read_text()
    try:
        pulumi("config", "set", "--path", "swarmlab:autolock", "true")
        pulumi("config", "set", "swarmlab:certExpiry", "720h")
        yield
    finally:
        stack_file.write_text(original)


def test_hardening_applies_autolock_cert_expiry_and_token_rotation(lab, pulumi, hardened_stack):
    pulumi.up()
    manager = lab.host("manager")
    spec = json.loads(manager.check_output("docker info --format '{{json .Swarm.Cluster.Spec}}'"))
    assert spec["EncryptionConfig"]["AutoLockManagers"] is True
    assert spec["CAConfig"]["NodeCertExpiry"] == 720 * 3600 * 10**9
    assert pulumi.outputs()["unlockKey"] == "[secret]"
    report("7.5 autolock", "pass (when enabled)", "swarmlab:autolock true: AutoLockManagers on, "
           "unlockKey is a secret output")
    report("7.7 node certificate expiry", "pass (when set)", "swarmlab:certExpiry 720h: "
           "NodeCertExpiry 720h")
    # Rotate: the old worker token stops working, the nodes stay Ready.
    old = manager.check_output("docker swarm join-token -q worker")
    pulumi("config", "set", "swarmlab:tokenRotation", "1")
    pulumi.up()
    rotated = manager.check_output("docker swarm join-token -q worker") != old
    assert rotated, "the worker token did not change"
    rows = manager.check_output("docker node ls --format '{{.Hostname}} {{.Status}}'")
    assert sorted(rows.splitlines()) == ["manager Ready", "worker Ready"]
    worker = lab.host("worker")
    worker.check_output("docker swarm leave --force")
    try:
        node.wait_gossip_port_free(lab.target("worker"))
    except RemoteError:
        # Docker's own leak (modules.docker.node.wait_gossip_port_free), which `pulumi up`
        # refuses to join into, naming it: only a dockerd restart frees the port.
        stop_daemon("worker", "dockerd")
        builder.restart_hosts(builder.ONEBOX)
    with pytest.raises(RemoteError) as refused:
        swarm.join(lab.target("worker"), old, lab.address("worker"), lab.address("manager"))
    del old
    # dockerd words it "invalid join token" or "a valid join token is necessary".
    assert "join token" in str(refused.value).lower()
    pulumi.up()
    assert worker.check_output("docker info --format '{{.Swarm.LocalNodeState}}'") == "active"
    assert lab_works(lab) == []


def test_a_restarted_autolocked_manager_is_unlocked_and_a_plain_up_brings_the_lab_back(
        lab, pulumi):
    """Unlocking a restarted autolocked manager leaves its custom bridges without DNS records
    (Docker drops them): the next `pulumi up` mends that. Docker also leaks a reference to
    the manager's config-only macvlan network when its dockerd restarts under a macvlan task
    (moby/moby#35101): from here on that network may not be removable (the next test)."""
    stop_daemon("manager", "dockerd")
    builder.restart_hosts(builder.ONEBOX)
    manager = lab.host("manager")
    state = manager.check_output("docker info --format '{{.Swarm.LocalNodeState}}'")
    assert state == "locked", "autolock (on since the hardening test) keeps a restarted manager locked"
    key = pulumi.outputs(secrets=True)["unlockKey"]
    pulumi.transcript.pop()
    swarm.unlock(lab.target("manager"), key)
    del key
    assert manager.check_output("docker info --format '{{.Swarm.LocalNodeState}}'") == "active"
    pulumi.up()
    assert lab_works(lab) == []


def test_destroy_after_the_restart_leaves_nothing_but_what_docker_leaked(lab, pulumi):
    proc = pulumi.destroy(check=False)
    output = proc.stdout + proc.stderr
    failed = [line for line in output.splitlines() if "**deleting failed**" in line]
    assert all("mymacvlan-config-manager" in line for line in failed), output
    if failed:
        assert "moby/moby#35101" in output and f"manager ({lab.address('manager')})" in output, output
    for name, host in lab.hosts.items():
        assert host.check_output("docker info --format '{{.Swarm.LocalNodeState}}'") == "inactive"
        assert wait_no_containers(host), f"containers left on {name}"
        networks = set(host.check_output("docker network ls --format '{{.Name}}'").split())
        assert networks <= {"bridge", "host", "none", "docker_gwbridge", "mymacvlan-config"}
