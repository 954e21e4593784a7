"""The overlays' MTU, as the lab teaches it. A task's interface on an overlay is 50 bytes
under the LAN's 1500: VXLAN wraps each frame in an outer Ethernet (14), IP (20), UDP (8) and
VXLAN (8) header. On the encrypted overlay Docker takes ESP's growth (26) off too and rounds
down to a multiple of 4 (moby's overlay driver, maxMTU), so the ESP packet still fits the LAN.

The proof is a don't-fragment ping from the client task to the server's task on the other
host: the largest payload that fits the interface (its MTU less 28 bytes of IP and ICMP
header) crosses, and one byte more is refused by the sender's kernel as too long."""

from __future__ import annotations

import pytest

from tests.support.features import require, require_root
from tests.support.mtu import IP_HEADER_AND_ICMP, df_ping, task_on

pytestmark = pytest.mark.lab

LAN_MTU = 1500
VXLAN = 50
ESP_GROWTH = 26


def expected_mtu(encrypted: bool) -> int:
    mtu = LAN_MTU - VXLAN
    if encrypted:
        mtu -= ESP_GROWTH
        mtu -= mtu % 4
    return mtu


NETWORKS = {"myoverlay": ("", False), "secure_net": ("secure-net-", True)}


@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_the_largest_dont_fragment_ping_crosses_and_one_byte_more_does_not(
        lab, seen, kernel_features, network, capsys):
    prefix, encrypted = NETWORKS[network]
    require_root(kernel_features, "a ping from inside a task's network namespace")
    seen.pair(prefix)  # on two hosts
    client = task_on(lab, seen, f"{prefix}app", network)
    server = task_on(lab, seen, f"{prefix}web", network)
    assert client.mtu == expected_mtu(encrypted), client
    if encrypted:
        require(kernel_features, "esp", "traffic on the encrypted overlay")
    largest = client.mtu - IP_HEADER_AND_ICMP
    crossed, said = df_ping(lab, client, server.address, largest)
    assert crossed, f"{largest} bytes did not cross {network}: {said}"
    refused, said_over = df_ping(lab, client, server.address, largest + 1)
    assert not refused, f"{largest + 1} bytes crossed {network} with don't-fragment"
    # iputils words it as its version does ("local error: message too long, mtu=1450" on
    # bookworm, "sendmsg: Message too long" on forky); the MTU is the interface's, above.
    assert "message too long" in said_over.lower(), said_over
    with capsys.disabled():
        print(f"\n  {network}: interface MTU {client.mtu}; a don't-fragment ping of {largest} "
              f"bytes from {client.host} to {server.host} crossed; {largest + 1}: "
              f"{said_over.splitlines()[-1]}")
