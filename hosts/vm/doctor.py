"""`doctor` for the vm backend: per VM, what its stock kernel has (tried for real inside
the guest, as the one-box doctor does in a namespace) and which accelerator runs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import paramiko

from hosts.inventory import read_net
from hosts.onebox import doctor as onebox
from hosts.paths import LabPaths
from hosts.vm import accel, access, inventory, remote
from hosts.vm.paths import VmLabPaths

# One round trip per VM: each trial prints `<check> <0|1> <detail>`. The @ADDR@, @PEER@ and
# @KEY@ placeholders are filled by _trials (the script is full of shell braces).
TRIALS = """
t() { name=$1; shift; if out=$("$@" 2>&1); then echo "$name 0 $out"; else echo "$name 1 $out"; fi; }
t vxlan sh -c 'ip link add swl-doctor type vxlan id 4242 dstport 0 && ip link del swl-doctor'
t macvlan sh -c 'ip link add swl-doctor link eth1 type macvlan mode bridge && ip link del swl-doctor'
t veth sh -c 'ip link add swl-doctor type veth peer name swl-doctor-p && ip link del swl-doctor'
t bridge sh -c 'ip link add swl-doctor type bridge && ip link del swl-doctor'
t esp sh -c "ip xfrm state add src @ADDR@ dst @PEER@ proto esp spi 0x4242 reqid 4242 mode \\
transport aead 'rfc4106(gcm(aes))' 0x@KEY@ 64 && ip xfrm state delete src @ADDR@ dst @PEER@ \\
proto esp spi 0x4242 && echo ESP state added and deleted"
t ip_vs sh -c 'modprobe ip_vs 2>/dev/null; test -e /proc/net/ip_vs && echo /proc/net/ip_vs present'
t docker docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})'
"""


# What a login without root can try (links and xfrm states need CAP_NET_ADMIN).
WITHOUT_ROOT = ("t ip_vs", "t docker", "t() {")


def _trials(address: str, peer: str, root: bool = True) -> str:
    script = TRIALS.replace("@ADDR@", address).replace("@PEER@", peer).replace("@KEY@", "42" * 20)
    if root:
        return script
    return "\n".join(line for line in script.splitlines() if line.startswith(WITHOUT_ROOT))


def _check_vm(lab: LabPaths, record: dict[str, Any], kind: str) -> dict[str, Any]:
    name = record["name"]
    net = read_net(lab)
    peer = str(net[0].subnet.broadcast_address - 1) if net else "192.168.1.254"
    try:
        client = remote.connect(lab, int(record["ssh"]["port"]), timeout=5.0)
    except (paramiko.SSHException, OSError, EOFError) as err:
        return {"host": name, "up": False, "ok": False, "checks": {},
                "error": f"no SSH to the VM ({err}): run `python -m hosts up --backend vm`"}
    user = access.recorded(VmLabPaths(lab.root)).user
    try:
        _, out, _ = remote.run(client, _trials(record["address"], peer, user == "root"),
                               timeout=60.0)
    finally:
        client.close()
    checks: dict[str, Any] = {}
    if user != "root":
        checks["root"] = {"ok": True, "required": False, "impact": "",
                          "detail": f"link and ESP trials not run: they need root, and these "
                                    f"VMs' login is {user} (docker group, no sudo)"}
    for line in out.splitlines():
        check, _, rest = line.partition(" ")
        status, _, detail = rest.partition(" ")
        if check in onebox.REQUIRED or check in onebox.IMPACT:
            checks[check] = onebox.check_result(status == "0", detail.strip() or
                                          ("ok" if status == "0" else "failed"), check)
    checks["accel"] = {"ok": True, "required": False, "impact": "",
                       "detail": "kvm" if kind == "kvm" else "tcg (software emulation: no vmx/svm "
                       "on this CPU, boots take minutes)"}
    ok = all(c["ok"] for n, c in checks.items() if c["required"] and n != "ports")
    return {"host": name, "up": True, "ok": ok, "checks": checks}


def doctor(lab_dir: Path, names: list[str] | None = None) -> list[dict[str, Any]]:
    lab = LabPaths(lab_dir)
    records = [r for r in inventory.read(lab) if not names or r["name"] in names]
    net = read_net(lab)
    kind = accel.detect()
    machine = onebox.check_lab(net[0] if net else None, user_space_lan=True)
    return [machine] + [_check_vm(lab, r, kind) for r in records]
