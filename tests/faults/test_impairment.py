"""Link impairment on VMs, whose stock kernel has sch_netem (the one-box hosts' kernel has
none, and `make impair` there is refused naming it: tests/faults/test_partitions.py).
`make impair NODE=worker DELAY=100ms` delays everything the worker sends on the LAN, so every
round trip across hosts grows by the delay, the encrypted overlay's too; `make unimpair`
takes it back."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.support import builder
from tests.support.damage_lab import destroyed_leaving_nothing, make, own_lab
from tests.support.lab import Lab
from tests.support.live import pair

pytestmark = [pytest.mark.lab, pytest.mark.faults, pytest.mark.vm]

LAB = builder.FAULTS_VM


@pytest.fixture
def vm_lab() -> Iterator[Lab]:
    with own_lab(LAB, needs="QEMU's user-space LAN, the VM image build", backend_required=True):
        builder.build(LAB)
        yield builder.connect(True)


def min_rtt(lab: Lab, host: str, container: str, target: str) -> float:
    """The least round trip of 5 pings, in ms (busybox: 'round-trip min/avg/max = a/b/c ms')."""
    out = lab.host(host).check_output(f"docker exec {container} ping -c 5 -i 0.2 -W 3 {target}")
    found = re.search(r"min/avg/max = ([0-9.]+)/", out)
    assert found, out
    return float(found[1])


def test_a_delay_on_the_worker_lengthens_every_round_trip_across_secure_net(vm_lab, capsys):
    lab = vm_lab
    client_host, client, server_host = pair(lab, "secure-net-")
    assert "worker" in (client_host, server_host)
    target = "tasks.secure-net-web"
    before = min_rtt(lab, client_host, client, target)
    make("impair", "NODE=worker", "DELAY=100ms", test_lab=LAB)
    assert "netem" in lab.host("worker").check_output("tc qdisc show dev eth1")
    status = make("status", test_lab=LAB, check=False)
    assert "impaired: worker (delay 100ms)" in status.stdout, status.stdout
    during = min_rtt(lab, client_host, client, target)
    make("unimpair", "NODE=worker", test_lab=LAB)
    after = min_rtt(lab, client_host, client, target)
    with capsys.disabled():
        print(f"\n  secure_net min RTT: {before:.1f} ms, with DELAY=100ms on the worker "
              f"{during:.1f} ms, after unimpair {after:.1f} ms")
    assert during - before >= 90, (before, during)
    assert after - before < 50, (before, after)
    destroyed_leaving_nothing(LAB)
