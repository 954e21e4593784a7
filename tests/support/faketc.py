"""A host's LAN interface that is not there: a stand-in `tc` (and `ip`, `docker`) on PATH that
keeps the interface's qdiscs, classes and filters in a JSON file, records every call, and
refuses what the kernel's tc would (a second root, a qdisc under a class that does not exist,
deleting what is not there, netem on a kernel without sch_netem). Every SSH command of the
code under test runs for real in `sh` against them (tests.support.fakes.FakeHosts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.fakes import FakeHosts

TC = r'''
import json, os, sys
box = os.environ["SANDBOX"]
args = sys.argv[1:]
with open(os.path.join(box, "calls"), "a") as log:
    log.write(" ".join(args) + "\n")
path = os.path.join(box, "tc.json")
state = json.load(open(path)) if os.path.exists(path) else {}

def fail(text):
    sys.stderr.write(text + "\n")
    sys.exit(2)

def opt(name):
    return args[args.index(name) + 1] if name in args else None

what, verb = args[0], args[1]
dev = opt("dev")
iface = state.setdefault(dev, {"root": None, "classes": [], "children": {}, "filters": []})
at = 2  # past `tc qdisc add`: the addressing words, then the kind and its options
while at < len(args) and args[at] in ("dev", "parent", "handle", "classid", "root"):
    at += 1 if args[at] == "root" else 2
kinds = args[at:]
if what == "qdisc" and verb == "show":
    root = iface["root"]
    print(f"qdisc htb 1: root refcnt 2 r2q 10 default 0x{root} direct_packets_stat 0"
          if root else "qdisc noqueue 0: root refcnt 2")
    for parent, child in iface["children"].items():
        print(f"qdisc {child['kind']} {child['handle']} parent {parent} {child['opts']}".rstrip())
    sys.exit(0)
if what == "filter" and verb == "show":
    for line in iface["filters"]:
        print(line)
    sys.exit(0)
if what == "qdisc" and kinds[:1] == ["netem"] and os.path.exists(os.path.join(box, "no_netem")):
    fail("Error: Specified qdisc kind is unknown.")
if what == "qdisc" and verb == "del" and "root" in args:
    if not iface["root"]:
        fail("Error: Cannot delete qdisc with handle of zero.")
    state[dev] = {"root": None, "classes": [], "children": {}, "filters": []}
elif what == "qdisc" and verb == "add" and "root" in args:
    if iface["root"]:
        fail("Error: Exclusivity flag on, cannot modify.")
    if kinds[:1] == ["htb"]:
        iface["root"] = opt("default")
    else:
        iface["children"]["root"] = {"kind": kinds[0], "handle": opt("handle"),
                                     "opts": " ".join(kinds[1:])}
elif what == "class" and verb == "add":
    if not iface["root"]:
        fail("Error: Parent Qdisc doesn't exists.")
    iface["classes"].append(opt("classid"))
elif what == "qdisc" and verb in ("add", "replace"):
    parent = opt("parent")
    if parent not in iface["classes"]:
        fail("Error: Failed to find specified qdisc.")
    if verb == "add" and parent in iface["children"]:
        fail("Error: Exclusivity flag on, cannot modify.")
    opts = " ".join(kinds[1:])
    was = iface["children"].get(parent, {}).get("opts", "")
    if kinds[0] == "netem" and verb == "replace" and " rate " in f" {was} " \
            and "rate" not in kinds:
        # As the kernel does: a netem changed in place keeps a rate the new options leave out.
        opts += " rate " + was.split(" rate ", 1)[1].split()[0]
    if kinds[0] == "netem":
        opts = "limit 1000 " + opts
    iface["children"][parent] = {"kind": kinds[0], "handle": opt("handle"), "opts": opts}
elif what == "qdisc" and verb == "del":
    if opt("parent") not in iface["children"]:
        fail("Error: Invalid handle.")
    del iface["children"][opt("parent")]
elif what == "filter" and verb == "add":
    if not iface["root"]:
        fail("Error: Parent Qdisc doesn't exists.")
    iface["filters"].append("filter parent 1: " + " ".join(args[args.index("prio"):]))
else:
    fail("tc: unknown command " + " ".join(args))
json.dump(state, open(path, "w"))
'''

IP = r'''#!/bin/sh
echo "ip $*" >> "$SANDBOX/calls"
if [ "$1 $2" = "link add" ] && [ -e "$SANDBOX/not_root" ]; then
  echo "RTNETLINK answers: Operation not permitted" >&2; exit 2
fi
exit 0
'''

DOCKER = '''#!/bin/sh
echo 28.5.2
'''


@dataclass
class LanHost:
    """The sandbox: what tc was asked, and what the interfaces hold."""

    box: Path

    def calls(self) -> list[str]:
        """Every tc call since the last `forget`, as its arguments."""
        return [c for c in (self.box / "calls").read_text().splitlines() if not c.startswith("ip ")]

    def forget(self) -> None:
        (self.box / "calls").write_text("")

    def state(self, iface: str = "eth1") -> dict[str, Any]:
        path = self.box / "tc.json"
        found = json.loads(path.read_text()) if path.exists() else {}
        return dict(found.get(iface) or {"root": None, "classes": [], "children": {},
                                          "filters": []})

    def without_netem(self) -> None:
        (self.box / "no_netem").write_text("")

    def not_root(self) -> None:
        (self.box / "not_root").write_text("")

    def sh(self, script: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["sh", "-c", script], env=self.env, capture_output=True, text=True,
                              timeout=20, check=False)

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "PATH": f"{self.box / 'bin'}:{os.environ['PATH']}",
                "SANDBOX": str(self.box)}


def lan_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LanHost:
    """Every host's SSH commands run here, against the stand-ins (one interface state per
    sandbox: the tests drive one host at a time)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("tc", f"#!{sys.executable}\n{TC}"), ("ip", IP), ("docker", DOCKER)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    (tmp_path / "calls").write_text("")
    host = LanHost(tmp_path)

    def handle(name: str, command: str, stdin: bytes | None) -> tuple[int, str, str]:
        done = host.sh(command)
        return done.returncode, done.stdout, done.stderr

    FakeHosts(handle).install(monkeypatch)
    return host
