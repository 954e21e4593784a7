"""Link impairment (`make impair NODE=worker DELAY=100ms JITTER=10ms LOSS=5% RATE=10mbit`):
netem on the host's LAN interface, every value checked before anything changes.

netem is a kernel module (sch_netem); where a host's kernel lacks it (the one-box hosts
share this machine's, which has none) the verb is refused naming it, as the ESP checks name
ESP. The values become netem's options; each is matched whole against its pattern, so
nothing else reaches tc.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TIME = re.compile(r"(0|[1-9][0-9]{0,4})(ms|us|s)")
PERCENT = re.compile(r"(100|[0-9]{1,2})(\.[0-9]{1,3})?%")
RATE = re.compile(r"([1-9][0-9]{0,5})(kbit|mbit|gbit)")
MAX_MS = 10_000

# Whether the kernel has netem, asked without touching any lab link: a scratch veth.
PROBE = ("ip link add swl-netem type veth peer name swl-netem-p >/dev/null 2>&1 || exit 3; "
         "tc qdisc add dev swl-netem root netem delay 1ms >/dev/null 2>&1; rc=$?; "
         "ip link del swl-netem; exit $rc")


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


def _ms(value: str) -> float:
    match = TIME.fullmatch(value)
    assert match
    number, unit = int(match[1]), match[2]
    return number * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def check(delay: str, jitter: str, loss: str, rate: str) -> Impairment:
    """The values given (empty: not set); ValueError names the variable and what it allows."""
    for name, value in (("DELAY", delay), ("JITTER", jitter)):
        if value and (not TIME.fullmatch(value) or _ms(value) > MAX_MS):
            raise ValueError(f"{name}={value!r}: allowed: a time up to 10s, as 100ms, 500us or "
                             "2s (ASCII digits, no sign)")
    if jitter and not delay:
        raise ValueError(f"JITTER={jitter!r} needs a DELAY to vary around")
    if loss and (not PERCENT.fullmatch(loss) or float(loss[:-1]) > 100):
        raise ValueError(f"LOSS={loss!r}: allowed: a percentage from 0% to 100%, as 5% or 0.5%")
    if rate and not RATE.fullmatch(rate):
        raise ValueError(f"RATE={rate!r}: allowed: a rate above 0, as 512kbit, 10mbit or 1gbit")
    found = Impairment(delay, jitter, loss, rate)
    if not found.as_dict():
        raise ValueError("nothing to impair: give one or more of DELAY, JITTER, LOSS, RATE")
    return found
