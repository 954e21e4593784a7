"""`capture`: packets on one lab host's interface for a few seconds, saved as a pcap under
`<lab dir>/captures/` and summed up in one line (what netlab's `capture` does).

tcpdump runs on the host (`-w -`: the pcap comes back over the SSH channel, so nothing is
left on the host); the summary is read from the pcap here, by link and IP headers only:
ESP (IP protocol 50), VXLAN (udp/4789), swarm gossip (7946), ICMP, ARP, other TCP and UDP.
"""

from __future__ import annotations

import re
import shlex
import struct
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from modules.spec.rules import INTERFACE
from modules.ssh import RemoteError, Target, run

MAX_SECONDS = 300
# pcap-filter's words, numbers, addresses and operators; no quotes, `;`, `$` or backquotes,
# and never a leading `-` (the filter is tcpdump's last argument, after `--`).
FILTER = re.compile(r"[A-Za-z0-9 ._:/()!&|<>=\[\]-]{0,200}")
# tcpdump's exit when `timeout` ends it with SIGINT after the duration: a normal end.
TIMED_OUT = 124
LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL = 1, 113


@dataclass(frozen=True)
class Request:
    node: str
    iface: str
    seconds: int
    pcap_filter: str = ""

    def command(self) -> str:
        expression = f" -- {shlex.quote(self.pcap_filter)}" if self.pcap_filter.strip() else ""
        return (f"timeout -s INT {self.seconds} tcpdump -i {shlex.quote(self.iface)} -U -n "
                f"-w -{expression}")


def parse_seconds(raw: str) -> int:
    """DURATION as typed: ASCII digits only (int() would take `٣`, ` 3`, `+3` or `3_0`)."""
    if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= MAX_SECONDS:
        raise ValueError(f"DURATION={raw!r} is not valid; allowed: a whole number of seconds "
                         f"from 1 to {MAX_SECONDS}")
    return int(raw)


def request(node: str, iface: str, seconds: int, pcap_filter: str, nodes: list[str]) -> Request:
    """The capture asked for, each value checked; ValueError names the bad one."""
    if node not in nodes:
        raise ValueError(f"NODE={node!r} is not a host of this lab (allowed: {', '.join(nodes)})")
    if not INTERFACE.fullmatch(iface) and iface != "any":
        raise ValueError(f"IFACE={iface!r} is not an interface name (letters, digits, `_.-`, at "
                         "most 15, not starting with `-`; or `any`)")
    if not 1 <= seconds <= MAX_SECONDS:
        raise ValueError(f"DURATION={seconds} must be 1 to {MAX_SECONDS} seconds")
    if not FILTER.fullmatch(pcap_filter) or pcap_filter.lstrip().startswith("-"):
        raise ValueError(f"FILTER={pcap_filter!r}: only a pcap-filter expression (letters, "
                         "digits, spaces and . _ : / ( ) ! & | < > = [ ] -, not starting with -)")
    return Request(node, iface, seconds, pcap_filter)


def take(target: Target, req: Request) -> bytes:
    """The pcap bytes of one capture (RemoteError when tcpdump cannot run there)."""
    result = run(target, req.command(), check=False, timeout=req.seconds + 20)
    if result.exit_status not in (0, TIMED_OUT) or not result.raw.startswith(_MAGICS):
        message = result.stderr.strip().splitlines()
        raise RemoteError(f"{target.label}: tcpdump on {req.iface} failed (exit "
                          f"{result.exit_status}): {message[-1] if message else 'no output'}")
    return result.raw


def save(pcap: bytes, lab_dir: Path, req: Request) -> Path:
    folder = lab_dir / "captures"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"{req.node}-{req.iface}-{time.strftime('%Y%m%d-%H%M%S')}.pcap"
    path.write_bytes(pcap)
    return path


_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")


def packets(pcap: bytes) -> tuple[int, list[bytes]]:
    """(link type, each packet's captured bytes) of a classic pcap file."""
    if len(pcap) < 24 or pcap[:4] not in _MAGICS:
        raise ValueError("not a pcap file")
    order = "<" if pcap[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack(order + "I", pcap[20:24])[0]
    found, offset = [], 24
    while offset + 16 <= len(pcap):
        captured = struct.unpack(order + "I", pcap[offset + 8:offset + 12])[0]
        found.append(pcap[offset + 16:offset + 16 + captured])
        offset += 16 + captured
    return linktype, found


def kind(linktype: int, frame: bytes) -> str:
    """What one frame carries, by its outermost IP header."""
    if linktype == LINKTYPE_ETHERNET:
        header = 14
        ethertype = struct.unpack("!H", frame[12:14])[0] if len(frame) >= 14 else 0
        if ethertype == 0x8100 and len(frame) >= 18:  # one VLAN tag
            ethertype, header = struct.unpack("!H", frame[16:18])[0], 18
    elif linktype == LINKTYPE_LINUX_SLL:
        header = 16
        ethertype = struct.unpack("!H", frame[14:16])[0] if len(frame) >= 16 else 0
    else:
        return "other"
    if ethertype == 0x0806:
        return "ARP"
    if ethertype != 0x0800 or len(frame) < header + 20:
        return "other"
    ip = frame[header:]
    proto = ip[9]
    transport = ip[(ip[0] & 0x0F) * 4:]
    if proto == 50:
        return "ESP"
    if proto == 1:
        return "ICMP"
    if proto in (6, 17) and len(transport) >= 4:
        ports = set(struct.unpack("!HH", transport[:4]))
        if proto == 17 and 4789 in ports:
            return "VXLAN udp/4789"
        if 7946 in ports:
            return "gossip 7946"
        if proto == 6 and 2377 in ports:
            return "swarm tcp/2377"
        return "TCP" if proto == 6 else "UDP"
    return "other"


def count(pcap: bytes) -> Counter[str]:
    linktype, frames = packets(pcap)
    return Counter(kind(linktype, f) for f in frames)


ORDER = ("ESP", "VXLAN udp/4789", "ICMP", "TCP", "UDP", "gossip 7946", "swarm tcp/2377", "ARP",
         "other")


def summary(req: Request, counts: Counter[str], path: Path | None = None) -> str:
    """One line: where, how long, how many packets of each kind, and the file."""
    total = sum(counts.values())
    kinds = ", ".join(f"{name} {counts[name]}" for name in ORDER if counts[name])
    where = f" -> {path}" if path else ""
    what = f" `{req.pcap_filter}`" if req.pcap_filter else ""
    return (f"{req.node} {req.iface} {req.seconds}s{what}: {total} packet(s)"
            f"{f' ({kinds})' if kinds else ''}{where}")
