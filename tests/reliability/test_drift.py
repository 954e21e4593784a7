"""Drift: what changed behind Pulumi's back is found by the refresh every `pulumi up` starts
with, put back, and proven working before `up` returns: checked right after it, no waiting."""

from __future__ import annotations

import json

import pytest

from modules.ssh import polls
from tests.support import builder
from tests.support.hoststool import hosts_ok
from tests.support.lab import stop_daemon
from tests.support.live import lab_works, leave

pytestmark = [pytest.mark.lab, pytest.mark.reliability]


def engine_version(lab, host: str) -> tuple[int, int]:
    major, minor = lab.host(host).check_output("docker version --format '{{.Server.Version}}'"
                                               ).split(".")[:2]
    return int(major), int(minor)


def _refresh_detects_drift() -> str:
    proc = builder.pulumi()("refresh", "--yes", "--skip-preview", "--expect-no-changes",
                            check=False)
    assert proc.returncode != 0, "refresh did not notice the drift"
    return proc.stdout


def test_a_plain_up_after_fresh_hosts_rebuilds_the_whole_lab(lab):
    # make hosts-down && make hosts && pulumi up, as a user types it.
    hosts_ok("down", "--quiet")
    builder.restart_hosts(builder.ONEBOX)
    up = builder.pulumi().up()
    assert "created" in up.stdout
    assert lab_works(lab) == []
    for name in ("manager", "worker"):
        assert lab.host(name).check_output("docker info --format '{{.Swarm.LocalNodeState}}'") == "active"


GOSSIP_KEPT = "dockerd still listens on the gossip port 7946 although the node is in no swarm"


def test_a_removed_service_and_a_worker_that_left_are_put_back_by_a_plain_up(lab):
    lab.host("manager").check_output("docker service rm app")
    leave(lab.target("worker"))
    found = _refresh_detects_drift()
    assert "svc-app" in found and "swarm-join-worker" in found
    up = builder.pulumi().up(check=False)
    if up.returncode != 0:
        # Docker before 28.2 keeps the gossip listener of a node whose leave broadcast timed
        # out (moby/moby#47859, fixed by moby/moby#50115): then the join is refused, naming
        # the cure, and the cure works.
        said = up.stdout + up.stderr
        assert GOSSIP_KEPT in said and "Restart that dockerd" in said, said
        assert engine_version(lab, "worker") < (28, 2)
        stop_daemon("worker", "dockerd")
        builder.restart_hosts(builder.ONEBOX)
        builder.pulumi().up()
    assert lab_works(lab) == []
    rows = lab.host("manager").check_output("docker node ls --format '{{.Hostname}} {{.Status}}'")
    assert sorted(rows.splitlines()) == ["manager Ready", "worker Ready"], "stale node left behind"


def test_removed_container_and_network_are_detected_and_recreated(lab):
    worker = lab.host("worker")
    worker.check_output("docker rm -f web2")
    worker.check_output("docker rm -f app && docker network rm mynetwork")
    _refresh_detects_drift()
    builder.pulumi().up()
    assert worker.check_output("docker inspect -f '{{.State.Running}}' web2") == "true"
    net = json.loads(worker.check_output("docker network inspect mynetwork"))[0]
    assert [c["Name"] for c in net["Containers"].values()] == ["app"]


def test_a_config_only_network_in_use_by_a_macvlan_task_cannot_be_removed(lab):
    out = lab.host("worker").run("docker network rm mymacvlan-config")
    assert out.rc != 0 and "in use" in out.stderr
    builder.pulumi()("refresh", "--yes", "--skip-preview", "--expect-no-changes")


def test_a_removed_config_only_network_is_found_and_put_back(lab):
    # With the worker's macvlan task stopped, the removal goes through.
    manager, worker = lab.host("manager"), lab.host("worker")
    manager.check_output("docker service scale --detach mymacvlan-web=0")
    for _ in range(60):
        if worker.run("docker network rm mymacvlan-config").rc == 0:
            break
        worker.run("sleep 0.5")
    else:
        raise AssertionError("the config network stayed in use after its task stopped")
    found = _refresh_detects_drift()
    assert "net-mymacvlan-config-worker" in found and "svc-mymacvlan-web" in found
    builder.pulumi().up()
    assert worker.check_output("docker network inspect -f '{{.ConfigOnly}}' mymacvlan-config") == "true"
    assert lab_works(lab) == []


def test_a_network_made_by_hand_with_the_labs_name_is_refused_naming_the_field(lab):
    manager = lab.host("manager")
    manager.check_output("docker service rm app web")
    # The services' tasks let go of the network asynchronously: wait, bounded.
    for _ in polls(30):
        if "No such network" in manager.run("docker network rm myoverlay").stderr:
            break
    made = "docker network create -d overlay --attachable --subnet 10.77.0.0/24 myoverlay"
    for _ in polls(30):
        if manager.run(made).rc == 0:
            break
    else:
        raise AssertionError("myoverlay could not be made again by hand")
    try:
        up = builder.pulumi().up(check=False)
        assert up.returncode != 0
        assert ("a network named 'myoverlay' already exists and is not the lab's: labels: has {}, "
                "the lab wants {'swarmlab': 'true'}") in up.stdout
        # The network made by hand is still there, untouched.
        assert manager.check_output("docker network inspect -f '{{(index .IPAM.Config 0).Subnet}}' "
                                    "myoverlay") == "10.77.0.0/24"
    finally:
        manager.run("docker network rm myoverlay")
    builder.pulumi().up()
    assert lab_works(lab) == []
