"""Skips that name what a lab's hosts lack (a kernel feature such as ESP or IP_VS, or root),
and the ESP counters where the kernel has it."""

from __future__ import annotations

import re

import pytest


def require(kernel_features, feature: str, what: str) -> None:
    missing = [name for name, feats in kernel_features.items() if not feats.get(feature)]
    if missing and any(feats.get("own") for feats in kernel_features.values()):
        pytest.skip(f"kernel feature {feature.upper()} missing on {', '.join(missing)} (as "
                    f"their stack's user sees it): {what} cannot run there")
    if missing:
        pytest.skip(f"kernel feature {feature.upper()} missing on {', '.join(missing)} (this "
                    f"lab's hosts share this machine's kernel): {what} cannot run here; the "
                    "VM lab runs it")


def require_root(kernel_features, what: str) -> None:
    """`ip xfrm`, packet capture and nsenter need root on the host; a stack's docker-group
    user is not."""
    missing = [name for name, feats in kernel_features.items() if not feats.get("root")]
    if missing:
        pytest.skip(f"needs root on {', '.join(missing)} (`ip xfrm`, tcpdump, nsenter): {what} "
                    "cannot be done by the stack's user, a docker-group user without sudo there")


def esp_packets(lab, host: str) -> dict[str, int]:
    """Packets counted by each ESP state (SA) on a host, by `src>dst spi`."""
    out = lab.host(host).check_output("ip -s xfrm state")
    found: dict[str, int] = {}
    for block in re.split(r"\n(?=src )", out):
        head = re.match(r"src (\S+) dst (\S+)\s+proto esp spi (\S+)", block)
        counted = re.search(r"lifetime current:\s*\n\s*\d+\(bytes\), (\d+)\(packets\)", block)
        if head and counted:
            found[f"{head[1]}>{head[2]} spi {head[3]}"] = int(counted[1])
    return found
