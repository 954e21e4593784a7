"""CIS Docker Benchmark, section 7 (Docker Swarm), as tests of the running lab.

Each test appends its finding to .lab/cis-report.md: a short report to read next to the
test results. 7.5 (autolock) and 7.7 (certificate expiry) are off in the local stack; the
lifecycle tests switch them on and check them (test_zz_lifecycle.py).
"""

from __future__ import annotations

import json

import pytest

from tests.support.cis import fresh_report, report

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module", autouse=True)
def new_report():
    fresh_report()


def _bound(seen, port: int) -> list[str]:
    """The manager's local addresses listening on a TCP port."""
    local = [line.split()[3] for line in seen.out("manager", "tcp").splitlines()]
    return [a for a in local if a.rsplit(":", 1)[1] == str(port)]


def test_7_2_swarm_management_port_is_bound_to_the_lab_address(lab, seen):
    local = _bound(seen, 2377)
    assert local == [f"{lab.address('manager')}:2377"], local
    gossip = _bound(seen, 7946)
    report("7.2 swarm services bound to a specific interface", "pass",
           f"2377/tcp on {local[0]} only (--listen-addr); 7946/tcp on {gossip[0] if gossip else '?'} "
           "(Docker binds gossip itself)")


def test_7_3_overlays_are_encrypted_where_the_stack_asks(seen):
    stack_overlays = {"myoverlay": False, "secure_net": True}
    for name, wanted in stack_overlays.items():
        net = seen.networks("manager")[name]
        assert ("encrypted" in net["Options"]) == wanted, name
    report("7.3 overlay networks encrypted", "pass (as configured)",
           "secure_net carries `encrypted`; myoverlay is the seed's plain overlay on purpose")


def test_7_4_no_secrets_in_plain_text_outputs(lab):
    text = json.dumps(lab.outputs)
    assert "SWMTKN-" not in text and "SWMKEY-" not in text
    report("7.4/7.6 secrets", "pass", "join tokens and unlock key are Pulumi secrets: "
           "encrypted in state, `[secret]` in outputs; tokens rotate with swarmlab:tokenRotation")


def test_7_9_data_path_is_reported(lab, seen):
    swarm = json.loads(seen.out("manager", "swarm"))
    assert swarm["NodeAddr"] == lab.address("manager")
    report("7.9 data traffic separated from management", "not configured",
           f"one interface per one-box host: data and management both on {swarm.get('NodeAddr')}; "
           "hosts with a second NIC can pass --data-path-addr")
