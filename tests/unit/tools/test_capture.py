"""capture: what it asks tcpdump for, what it refuses, and how it sums up a pcap."""

from __future__ import annotations

import struct

import pytest

from tools.lab import capture

NODES = ["manager", "worker"]


def frame(proto: int, ports: tuple[int, int] = (0, 0), ethertype: int = 0x0800) -> bytes:
    ether = b"\x02" * 12 + struct.pack("!H", ethertype)
    if ethertype != 0x0800:
        return ether + b"\x00" * 28
    ip = bytes([0x45, 0]) + b"\x00" * 7 + bytes([proto]) + b"\x00" * 10
    return ether + ip + struct.pack("!HH", *ports) + b"\x00" * 4


def pcap(frames: list[bytes]) -> bytes:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, capture.LINKTYPE_ETHERNET)
    for f in frames:
        out += struct.pack("<IIII", 0, 0, len(f), len(f)) + f
    return out


def test_a_pcap_is_summed_up_by_what_it_carries():
    frames = [frame(50)] * 4 + [frame(17, (40000, 4789))] * 2 + [frame(1), frame(6, (1, 80)),
                                                                   frame(0, ethertype=0x0806)]
    counts = capture.count(pcap(frames))
    assert counts == {"ESP": 4, "VXLAN udp/4789": 2, "ICMP": 1, "TCP": 1, "ARP": 1}
    req = capture.request("worker", "eth1", 5, "", NODES)
    assert capture.summary(req, counts) == (
        "worker eth1 5s: 9 packet(s) (ESP 4, VXLAN udp/4789 2, ICMP 1, TCP 1, ARP 1)")


def test_the_filter_is_one_quoted_word_after_the_options():
    req = capture.request("worker", "eth1", 5, "udp port 4789", NODES)
    assert req.command() == "timeout -s INT 5 tcpdump -i eth1 -U -n -w - -- 'udp port 4789'"


@pytest.mark.parametrize(("args", "message"), [
    (("router", "eth1", 5, ""), "NODE='router' is not a host of this lab (allowed: manager, worker)"),
    (("worker", "eth1;id", 5, ""), "IFACE='eth1;id' is not an interface name"),
    (("worker", "-w", 5, ""), "IFACE='-w' is not an interface name"),
    (("worker", "eth1", 0, ""), "DURATION=0 must be 1 to 300 seconds"),
    (("worker", "eth1", 5, "-w /tmp/x"), "FILTER='-w /tmp/x': only a pcap-filter expression"),
    (("worker", "eth1", 5, "port 1; reboot"), "FILTER='port 1; reboot': only a pcap-filter"),
    (("worker", "eth1", 5, "$(id)"), "FILTER='$(id)': only a pcap-filter expression"),
])
def test_bad_requests_are_refused_naming_the_setting(args, message):
    with pytest.raises(ValueError) as refused:
        capture.request(*args, NODES)
    assert str(refused.value).startswith(message)


def test_what_is_not_a_pcap_is_refused():
    with pytest.raises(ValueError, match="not a pcap file"):
        capture.count(b"tcpdump: eth9: No such device exists\n")


@pytest.mark.parametrize("raw", ["٣", "\uff13", " 3", "3 ", "+3", "3_0", "0", "301", "5s", "-5", "", "1e3"])
def test_a_duration_is_ascii_digits_in_range(raw):
    with pytest.raises(ValueError) as refused:
        capture.parse_seconds(raw)
    assert str(refused.value) == (f"DURATION={raw!r} is not valid; allowed: a whole number of "
                                  "seconds from 1 to 300")


def test_a_good_duration_is_its_number():
    assert [capture.parse_seconds(raw) for raw in ("1", "5", "300")] == [1, 5, 300]
