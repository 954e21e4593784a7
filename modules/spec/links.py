"""Link impairment values: what netem on a host's LAN interface may be given, in one place.

Two ways in share them: the stack's `swarmlab:links` (applied by every `pulumi up`,
modules/providers/links.py) and `make impair` (tools/lab/impair.py). Each value is matched
whole against its pattern and its range checked, so nothing else reaches tc; each caller
names the value its own way (`swarmlab:links.worker.delay`, `DELAY=`).

netem is a kernel module (sch_netem): where a host's kernel lacks it (the one-box hosts
share this machine's, which has none) both ways are refused naming it, as the ESP checks
name ESP; PROBE asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TIME = re.compile(r"(0|[1-9][0-9]{0,4})(ms|us|s)")
PERCENT = re.compile(r"(100|[0-9]{1,2})(\.[0-9]{1,3})?%")
RATE = re.compile(r"([1-9][0-9]{0,5})(kbit|mbit|gbit)")
MAX_MS = 10_000

FIELDS = ("delay", "jitter", "loss", "rate")
ALLOWED = {
    "delay": "a time up to 10s, as 100ms, 500us or 2s (ASCII digits, no sign)",
    "jitter": "a time up to 10s, as 100ms, 500us or 2s (ASCII digits, no sign)",
    "loss": "a percentage from 0% to 100%, as 5% or 0.5%",
    "rate": "a rate above 0, as 512kbit, 10mbit or 1gbit",
}
"""What each value allows, as the refusals say it."""

# Whether the kernel has netem, asked without touching any lab link: a scratch veth (one
# a killed probe left is removed first). Exit 3:
# no scratch link could be made (ip needs root), so the kernel was not asked.
PROBE = ("ip link del swl-netem >/dev/null 2>&1; "
         "ip link add swl-netem type veth peer name swl-netem-p >/dev/null 2>&1 || exit 3; "
         "tc qdisc add dev swl-netem root netem delay 1ms >/dev/null 2>&1; rc=$?; "
         "ip link del swl-netem; exit $rc")
PROBE_NOT_ASKED = 3


@dataclass(frozen=True)
class Impairment:
    delay: str = ""
    jitter: str = ""
    loss: str = ""
    rate: str = ""

    def netem(self) -> list[str]:
        """netem's options, in the order tc takes them (jitter follows the delay)."""
        opts = []
        if self.delay or self.jitter:
            opts += ["delay", self.delay or "0ms", *([self.jitter] if self.jitter else [])]
        if self.loss:
            opts += ["loss", self.loss]
        if self.rate:
            opts += ["rate", self.rate]
        return opts

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}

    def said(self) -> str:
        """`delay 100ms loss 5%`: how status lines and the diagram show it."""
        return " ".join(self.netem())


class BadValue(ValueError):
    """One value refused: its field (delay, jitter, loss or rate), the value, and what the
    field allows; `needs_delay` when it is a jitter given without a delay."""

    def __init__(self, field: str, value: str, needs_delay: bool = False) -> None:
        super().__init__(f"{field}={value!r}")
        self.field = field
        self.value = value
        self.allowed = ALLOWED[field]
        self.needs_delay = needs_delay


def _ms(value: str) -> float:
    match = TIME.fullmatch(value)
    assert match
    number, unit = int(match[1]), match[2]
    return number * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _fits(field: str, value: str) -> bool:
    if field in ("delay", "jitter"):
        return bool(TIME.fullmatch(value)) and _ms(value) <= MAX_MS
    if field == "loss":
        return bool(PERCENT.fullmatch(value)) and float(value[:-1]) <= 100
    return bool(RATE.fullmatch(value))


def impairment(delay: str = "", jitter: str = "", loss: str = "", rate: str = "") -> Impairment:
    """The values given (empty: not set), each checked against its pattern and range; the
    first bad one raises BadValue. All empty gives an empty Impairment: each caller refuses
    that in its own words."""
    given = {"delay": delay, "jitter": jitter, "loss": loss, "rate": rate}
    for field in ("delay", "jitter"):
        if given[field] and not _fits(field, given[field]):
            raise BadValue(field, given[field])
    if jitter and not delay:
        raise BadValue("jitter", jitter, needs_delay=True)
    for field in ("loss", "rate"):
        if given[field] and not _fits(field, given[field]):
            raise BadValue(field, given[field])
    return Impairment(delay, jitter, loss, rate)
