"""KVM when the CPU can really run a stock guest kernel, TCG otherwise.

/dev/kvm alone proves little: on a paravirtual /dev/kvm without vmx or svm
in the CPU flags a stock Debian kernel does not boot. So KVM needs both
the flags and a /dev/kvm that opens; everything else emulates (TCG, one
thread per vCPU), which is slow (minutes to boot) but works everywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
KVM_DEVICE = "/dev/kvm"


def _has_virt_flags(cpuinfo: str) -> bool:
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            return bool(flags & {"vmx", "svm"})
    return False


def _kvm_opens() -> bool:
    try:
        fd = os.open(KVM_DEVICE, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    os.close(fd)
    return True


def detect() -> str:
    """Which accelerator to use: "kvm" or "tcg"."""
    try:
        cpuinfo = CPUINFO.read_text()
    except OSError:
        return "tcg"
    return "kvm" if _has_virt_flags(cpuinfo) and _kvm_opens() else "tcg"


def qemu_args(accel: str) -> list[str]:
    """The only place the two paths differ."""
    if accel == "kvm":
        return ["-accel", "kvm", "-cpu", "host"]
    return ["-accel", "tcg,thread=multi", "-cpu", "max"]
