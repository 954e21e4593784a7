"""A don't-fragment ping from inside a task's network namespace. The lab image's busybox ping
cannot set don't-fragment, so the host's tools do it through `nsenter -n`: iputils ping where
the host has it (the VMs), else the host's python3 (one-box hosts share this machine, which has
no iputils) sending the same ICMP echo from a raw socket with IP_PMTUDISC_DO."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

IP_HEADER_AND_ICMP = 28

# The same contract as `ping -M do -c 1 -W 2 -s SIZE ADDR`: exit 0 on a reply; for a packet
# larger than the route's MTU, the kernel refuses it (EMSGSIZE) and the line names the MTU.
_PY_PROBE = r"""
import errno, os, socket, struct, sys, time
addr, size = sys.argv[1], int(sys.argv[2])
def checksum(data):
    data += b"\0" * (len(data) % 2)
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    return ~(total + (total >> 16)) & 0xFFFF
ident = os.getpid() & 0xFFFF
body = b"\x5a" * size
head = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
packet = struct.pack("!BBHHH", 8, 0, checksum(head + body), ident, 1) + body
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
sock.setsockopt(socket.IPPROTO_IP, 10, 2)  # IP_MTU_DISCOVER = IP_PMTUDISC_DO
sock.connect((addr, 0))
try:
    sock.send(packet)
except OSError as err:
    if err.errno != errno.EMSGSIZE:
        raise
    print("local error: message too long, mtu=%d" % sock.getsockopt(socket.IPPROTO_IP, 14))
    sys.exit(1)
deadline = time.monotonic() + 2
while time.monotonic() < deadline:
    sock.settimeout(max(0.01, deadline - time.monotonic()))
    try:
        reply = sock.recv(65535)
    except socket.timeout:
        break
    ihl = (reply[0] & 15) * 4
    if len(reply) < ihl + 8:
        continue
    kind, _, _, rid, _ = struct.unpack("!BBHHH", reply[ihl:ihl + 8])
    if kind == 0 and rid == ident:
        print("%d bytes from %s" % (len(reply) - ihl, addr))
        sys.exit(0)
print("no reply from %s" % addr)
sys.exit(1)
"""
_PY_B64 = base64.b64encode(_PY_PROBE.encode()).decode()


@dataclass(frozen=True)
class Task:
    host: str
    pid: int
    address: str  # on the network asked about
    interface: str
    mtu: int


def task_on(lab: Any, seen: Any, service: str, network: str) -> Task:
    """Where a task of `service` runs, its process, and its interface on `network` (what the
    lab's tests saw, tests/support/observed.py, and the interface's MTU read now)."""
    host_name, ctr = seen.task(service)
    host = lab.host(host_name)
    container = seen.containers(host_name)[ctr]
    pid = container["State"]["Pid"]
    address = container["NetworkSettings"]["Networks"][network]["IPAddress"]
    # /sys shows the namespace it was mounted in, so the MTU comes from `ip` run inside:
    # the interface holding the address, then its link line, in one round trip.
    line = host.check_output(
        f"nsenter -t {pid} -n sh -c 'i=$(ip -o -4 addr show to {address}/32 | "
        "cut -d\" \" -f2); ip -o link show dev \"$i\"'")
    words = line.split()
    interface = words[1].rstrip(":").split("@")[0]
    mtu = int(words[words.index("mtu") + 1])
    return Task(host_name, int(pid), address, interface, mtu)


def df_ping(lab: Any, task: Task, address: str, payload: int) -> tuple[bool, str]:
    """One don't-fragment echo of `payload` bytes from the task to `address`: (answered, what
    the tool said)."""
    host = lab.host(task.host)
    cmd = (f"if ping -V 2>/dev/null | grep -q iputils; then "
           f"nsenter -t {task.pid} -n ping -M do -c 1 -W 2 -s {payload} {address}; else "
           f"nsenter -t {task.pid} -n python3 -c \"$(echo {_PY_B64} | base64 -d)\" "
           f"{address} {payload}; fi")
    result = host.run(cmd)
    return result.rc == 0, (result.stdout + result.stderr).strip()
