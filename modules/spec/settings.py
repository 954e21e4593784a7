"""Every `swarmlab:*` key a stack may set: its kind, its default and what it allows.

The one list of them: parsing, the unknown-key message, the Pulumi adapter (which decodes
by kind) and the README's settings table all read it. A default of None means "derived"
(the text says from what).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

NAMESPACE = "swarmlab"


@dataclass(frozen=True)
class Setting:
    key: str
    kind: str
    """How Pulumi hands it over: string, integer, boolean, array or object (JSON)."""
    default: Any
    allowed: str


SETTINGS: tuple[Setting, ...] = (
    Setting("hosts", "array", None,
            "list of {name, address, role[, user, ssh: {host, port}]}; or set hostsFile"),
    Setting("hostsFile", "string", None,
            "path of a JSON host list (the hosts tool writes one for its lab)"),
    Setting("sshUser", "string", "root", "a user name for hosts that name none"),
    Setting("sshKeyFile", "string", ".lab/id_ed25519", "path of the lab's private key"),
    Setting("sshKnownHostsFile", "string", ".lab/known_hosts", "path of a known_hosts file"),
    Setting("sshConnectTimeout", "integer", 5, "seconds (1-120)"),
    Setting("sshCommandTimeout", "integer", 120, "seconds (1-3600)"),
    Setting("lanSubnet", "string", "192.168.1.0/24", "a private IPv4 network from /16 to /24"),
    Setting("lanGateway", "string", None, "IPv4 address in lanSubnet (default: its first)"),
    Setting("endpointMode", "string", "vip", "vip | dnsrr"),
    Setting("image", "string", "swarmlab/busybox:lab", "image reference"),
    Setting("overlays", "array", [{"name": "myoverlay"}, {"name": "secure_net", "encrypted": True}],
            "list of {name[, encrypted, subnet]}"),
    Setting("macvlan", "object", {"name": "mymacvlan", "parent": "eth1"},
            "{name, parent[, ranges]}"),
    Setting("services", "array", None,
            "list of {name, network, node[, image, command, replicas]} (default: web and app "
            "on every swarm network)"),
    Setting("singleHostDemos", "boolean", True, "boolean"),
    Setting("singleHostNodes", "array", None, "list of host names (default: the first two)"),
    Setting("autolock", "boolean", False, "boolean"),
    Setting("certExpiry", "string", "", "hours, such as 2160h"),
    Setting("tokenRotation", "integer", 0, "whole number; raise it to rotate the join tokens"),
    Setting("readyTimeout", "integer", 120,
            "seconds `pulumi up` waits for the lab to work before it fails (10-900)"),
    Setting("links", "object", {},
            "{HOST: {delay, jitter, loss, rate}}: netem on each named host's LAN interface "
            "(macvlan.parent), set by every `pulumi up`, as `make impair` takes them (needs "
            "sch_netem on the host)"),
    Setting("validate", "array", [],
            "list of checks {from, ping|dns|http|tcp|udp[, port, network, expect, timeout, "
            "retries, name]} that `make validate` runs (modules/spec/declared.py)"),
)

BY_KEY = {s.key: s for s in SETTINGS}


def default(key: str) -> Any:
    return BY_KEY[key].default


def markdown_table() -> str:
    """The README's settings table (tests/static/test_readme.py keeps the two the same)."""
    rows = ["| setting | default | allowed |", "| --- | --- | --- |"]
    for s in SETTINGS:
        shown = "(derived)" if s.default is None else json.dumps(s.default)
        allowed = s.allowed.replace("|", "\\|")
        rows.append(f"| `{NAMESPACE}:{s.key}` | `{shown}` | {allowed} |")
    return "\n".join(rows)
