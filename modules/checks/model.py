"""A check: from where (a service's task, a container, a host), what (ping, dns, http, tcp,
udp, swarm, tasks, containers, peers), to which name or address, and what must happen."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("ping", "dns", "http", "tcp", "udp", "swarm", "tasks", "containers", "peers")
INVENTORY = ("swarm", "tasks", "containers")
"""Kinds that only list what runs: answered at once, whether the lab works or not."""
SOURCES = ("service", "container", "host")
# Characters a terminal acts on instead of showing (controls, bidi and other format
# characters, line separators) and no characters at all (surrogates, unassigned).
UNSHOWN = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))


def printable(text: str) -> str:
    """`text` with every character a terminal would act on written as its escape: a result
    line shows a stack's names and a host's answers, and neither may drive the terminal."""
    return "".join(c.encode("unicode_escape").decode("ascii")
                   if unicodedata.category(c) in UNSHOWN else c for c in text)


@dataclass(frozen=True)
class Source:
    kind: str
    """service (one of its running tasks), container, or host."""
    name: str
    host: str
    """The lab host it runs on (a service's is the node it is pinned to)."""

    def describe(self) -> str:
        return self.host if self.kind == "host" else f"{self.kind} {self.name} on {self.host}"


@dataclass(frozen=True)
class Check:
    kind: str
    source: Source
    target: str = ""
    """A name or address; for `tasks` a service; for `containers` names joined by spaces; for
    `peers` addresses joined by spaces."""
    port: int = 0
    count: int = 1
    """For `tasks`: how many must run."""
    network: str = ""
    """The network the check is about (shown in its line; the probe goes wherever the
    source's routes send it)."""
    expect: str = "pass"
    """pass, or fail for what must not work."""
    timeout: int = 2
    retries: int = 0
    requires: str = ""
    """A kernel feature the check cannot pass without (esp): where the source host lacks it,
    the check is skipped and says so."""
    label: str = ""
    """The name a stack gave a declared check (swarmlab:validate), shown before what it tried."""

    def tried(self) -> str:
        """Exactly what the check tries, for its result line."""
        where = f" on {self.network}" if self.network else ""
        what = {
            "ping": f"ping {self.target}",
            "dns": f"resolve {self.target}",
            "http": f"HTTP GET http://{self.target}:{self.port}/",
            "tcp": f"TCP connect {self.target}:{self.port}",
            "udp": f"a socket bound on {self.target} port {self.port}/udp",
            "swarm": "its dockerd is in the swarm (active)",
            "tasks": f"{self.count} running task(s) of service {self.target}",
            "containers": f"containers {self.target} running",
            "peers": f"gossip peers include {self.target}",
        }[self.kind]
        return f"{self.source.describe()}: {what}{where}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Check:
        """From a provider's inputs, where Pulumi has made every number a float."""
        whole: dict[str, int] = {k: int(data[k]) for k in ("port", "count", "timeout", "retries")
                                 if k in data}
        values: dict[str, Any] = {**data, **whole, "source": Source(**data["source"])}
        return cls(**values)


@dataclass(frozen=True)
class Result:
    check: Check
    outcome: str
    """reached, refused (did not work), skipped (see `missing`), or error."""
    detail: str = ""
    missing: str = ""
    """Why it was skipped: "tool" (the source has nothing to try it with: another source may
    stand in) or "kernel" (the host's kernel lacks a feature the check needs)."""
    seconds: float = 0.0
    attempts: int = 1
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        if self.outcome == "skipped":
            return True
        worked = self.outcome == "reached"
        return worked if self.check.expect == "pass" else self.outcome == "refused"

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        if self.outcome == "skipped":
            verdict = "SKIP"
        expectation = "" if self.check.expect == "pass" else " (expected to fail)"
        detail = f": {self.detail}" if self.detail else ""
        label = f"[{self.check.label}] " if self.check.label else ""
        return printable(f"{verdict}  {label}{self.check.tried()}{expectation} -> "
                         f"{self.outcome}{detail}")
