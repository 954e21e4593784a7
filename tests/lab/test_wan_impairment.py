"""Link impairment, run under `make test` only: it changes the lab, and `make validate` leaves
it out (tests/lab/conftest.py). Where the hosts' kernel has sch_netem (the VMs' stock kernel),
`make impair NODE=worker DELAY=100ms` delays all the worker sends on the LAN, so every round
trip across hosts grows by the delay, the encrypted overlay's too, and `make unimpair` takes
it back. Where it has none (the one-box hosts share this machine's kernel), `make impair` is
refused naming it, and nothing changes."""

from __future__ import annotations

import re

import pytest

from tests.support.damage_lab import make
from tests.support.lab import Lab
from tests.support.live import pair
from tools.lab import impair

pytestmark = [pytest.mark.lab, pytest.mark.faults]

TARGET = "tasks.secure-net-web"


def min_rtt(lab: Lab, host: str, container: str) -> float:
    """The least round trip of 5 pings, in ms (busybox: 'round-trip min/avg/max = a/b/c ms')."""
    out = lab.host(host).check_output(f"docker exec {container} ping -c 5 -i 0.2 -W 3 {TARGET}")
    found = re.search(r"min/avg/max = ([0-9.]+)/", out)
    assert found, out
    return float(found[1])


def test_a_delay_on_one_host_lengthens_round_trips_across_secure_net(lab, request, capsys):
    test_lab = request.node.callspec.params["lab"]
    if test_lab is None:
        pytest.skip("changes the lab: runs only on the labs `make test` builds")
    client_host, client, server_host = pair(lab, "secure-net-")  # on two hosts
    far = server_host  # the delay goes on the host of the server's task
    impaired = lab.host(far)
    if impaired.run(impair.PROBE).rc != 0:
        refused = make("impair", f"NODE={far}", "DELAY=100ms", test_lab=test_lab, check=False)
        assert refused.returncode != 0 and "sch_netem" in refused.stderr, refused.stderr
        assert "netem" not in impaired.check_output("tc qdisc show dev eth1")
        return
    before = min_rtt(lab, client_host, client)
    make("impair", f"NODE={far}", "DELAY=100ms", test_lab=test_lab)
    try:
        assert "netem" in impaired.check_output("tc qdisc show dev eth1")
        status = make("status", test_lab=test_lab, check=False)
        assert f"impaired: {far} (delay 100ms)" in status.stdout, status.stdout
        during = min_rtt(lab, client_host, client)
    finally:
        undone = make("unimpair", f"NODE={far}", test_lab=test_lab, check=False)
    assert undone.returncode == 0, undone.stderr
    after = min_rtt(lab, client_host, client)
    with capsys.disabled():
        print(f"\n  secure_net least RTT: {before:.1f} ms; with DELAY=100ms on {far} "
              f"{during:.1f} ms; after unimpair {after:.1f} ms")
    assert during - before >= 90, (before, during)
    assert after - before < 50, (before, after)
