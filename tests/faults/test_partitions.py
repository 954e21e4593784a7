"""The fault verbs on one-box labs of the suite's own, and what the swarm does: a worker cut
off goes Down and its unpinned tasks move; two of three managers cut off leave the third
without a leader; `make heal` and a plain `pulumi up` put the lab back as declared. The
times are printed; bench/loops.py measures their spread over many runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import builder
from tests.support.damage_lab import destroyed_leaving_nothing, make, own_lab
from tests.support.lab import Lab
from tests.support.live import lab_works, until
from tools.lab import faults

pytestmark = [pytest.mark.lab, pytest.mark.faults]

ROAM = ("docker service create --detach --name roam --replicas 2 --network myoverlay "
        "swarmlab/busybox:lab httpd -f -p 80 -h /www")


def _nodes(lab: Lab) -> dict[str, str]:
    rows = lab.host("manager").check_output("docker node ls --format '{{.Hostname}} {{.Status}}'")
    return dict(line.split() for line in rows.splitlines())


def _tasks_on(lab: Lab, service: str) -> list[str]:
    out = lab.host("manager").check_output(
        f"docker service ps {service} --filter desired-state=running --format '{{{{.Node}}}} "
        "{{.CurrentState}}'")
    return [line.split()[0] for line in out.splitlines() if " Running " in f" {line} "]


@pytest.fixture
def faults_lab() -> Iterator[Lab]:
    with own_lab(builder.FAULTS, needs="network namespaces, dockerd"):
        builder.build(builder.FAULTS)
        yield builder.connect(True)


def test_a_worker_cut_off_goes_down_its_tasks_move_and_heal_puts_the_lab_back(faults_lab,
                                                                              capsys):
    lab = faults_lab
    manager = lab.host("manager")
    manager.check_output(ROAM)
    until("roam's 2 tasks running", lambda: len(_tasks_on(lab, "roam")) == 2, 60)
    make("partition", "NODE=worker", test_lab=builder.FAULTS)
    # Cut for real, both ways, macvlan too; the gateway (the tool's way in) still reaches it.
    assert lab.host("worker").run(f"busybox ping -c 1 -W 1 {lab.address('manager')}").rc != 0
    assert manager.run(f"busybox ping -c 1 -W 1 {lab.address('worker')}").rc != 0
    assert lab.host("worker").check_output("hostname") == "worker"
    down = until("the worker Down", lambda: _nodes(lab)["worker"] == "Down", 60)
    moved = until("roam's tasks all on the manager",
                   lambda: _tasks_on(lab, "roam") == ["manager", "manager"], 120)
    status = make("status", test_lab=builder.FAULTS, check=False)
    assert "faults: partitioned: worker | manager (make heal)" in status.stdout, status.stdout
    make("heal", test_lab=builder.FAULTS)
    ready = until("the worker Ready", lambda: _nodes(lab)["worker"] == "Ready", 60)
    assert not faults.state_file(builder.FAULTS.name).exists()
    manager.check_output("docker service rm roam")
    builder.pulumi().up()
    assert lab_works(lab) == []
    make("validate", test_lab=builder.FAULTS, timeout=600)  # exits 0 only when all passed
    with capsys.disabled():
        print(f"\n  worker cut off: Down after {down:.1f} s, tasks moved after {down + moved:.1f}"
              f" s; healed: Ready after {ready:.1f} s")


REFUSED = [
    (("impair", "NODE=worker", "DELAY=100ms"), "has no sch_netem"),
    (("partition", "NODE=nobody"), "NODE='nobody': allowed: one or more of manager, worker"),
    (("partition", "NODE=manager,worker"), "not all of them"),
    (("impair", "NODE=worker", "LOSS=101%"), "LOSS='101%': allowed"),
    (("impair", "NODE=worker", "DELAY=-1"), "DELAY='-1': allowed"),
    (("impair", "NODE=worker", "RATE=0"), "RATE='0': allowed"),
    (("node-stop", "NODE=nobody"), "NODE='nobody': allowed: all, or one or more of"),
]


def test_the_verbs_refuse_before_changing_anything_then_destroy_leaves_nothing(faults_lab):
    """Every refusal on one lab (each names what it refuses), then that lab partitioned with a
    dockerd stopped, and `make destroy` from there."""
    for args, said in REFUSED:
        refused = make(*args, test_lab=builder.FAULTS, check=False)
        assert refused.returncode != 0 and said in refused.stderr, (args, refused.stderr)
        assert not faults.state_file(builder.FAULTS.name).exists(), args
        for name in ("manager", "worker"):
            assert "htb" not in faults_lab.host(name).check_output("tc qdisc show dev eth1")
        assert _nodes(faults_lab) == {"manager": "Ready", "worker": "Ready"}, args
    make("partition", "NODE=worker", test_lab=builder.FAULTS)
    make("node-stop", "NODE=worker", test_lab=builder.FAULTS)
    destroyed_leaving_nothing(builder.FAULTS)


@pytest.fixture
def three_managers() -> Iterator[Lab]:
    with own_lab(builder.FAULTS3, needs="network namespaces, dockerd"):
        builder.build(builder.FAULTS3)
        yield builder.connect(True)


def _create(lab: Lab, name: str) -> tuple[int, str]:
    done = lab.host("manager").run(f"docker service create --detach --name {name} "
                                   "swarmlab/busybox:lab sleep 1d")
    return done.rc, done.stdout + done.stderr


def test_two_of_three_managers_cut_off_leave_no_leader_until_healed(three_managers, capsys):
    lab = three_managers
    make("partition", "NODE=manager2", test_lab=builder.FAULTS3)
    assert _create(lab, "kept")[0] == 0, "two of three managers keep the majority"
    make("partition", "NODE=manager3", test_lab=builder.FAULTS3)
    said: list[str] = []

    def refused() -> bool:
        code, out = _create(lab, "refused")
        said[:] = [out]
        return code != 0 and "does not have a leader" in out
    lost = until("the write refused for want of a leader", refused, 60)
    make("heal", test_lab=builder.FAULTS3)
    back = until("a write accepted again", lambda: _create(lab, "back")[0] == 0, 60)
    with capsys.disabled():
        print(f"\n  2 of 3 managers cut off: writes refused after {lost:.1f} s ({said[0].strip()}"
              f"); healed: a leader and writes again after {back:.1f} s")
