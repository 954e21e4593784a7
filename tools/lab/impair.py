"""Link impairment (`make impair NODE=worker DELAY=100ms JITTER=10ms LOSS=5% RATE=10mbit`):
netem on the host's LAN interface, every value checked before anything changes.

The values, their ranges and the netem probe are the program's (modules/spec/links.py): the
stack's `swarmlab:links` takes the same ones. Here they are named as the Make variables that
carry them (DELAY=, JITTER=, LOSS=, RATE=).
"""

from __future__ import annotations

from modules.spec.links import BadValue, Impairment, impairment


def check(delay: str, jitter: str, loss: str, rate: str) -> Impairment:
    """The values given (empty: not set); ValueError names the variable and what it allows."""
    try:
        found = impairment(delay, jitter, loss, rate)
    except BadValue as bad:
        if bad.needs_delay:
            raise ValueError(f"JITTER={bad.value!r} needs a DELAY to vary around") from None
        raise ValueError(f"{bad.field.upper()}={bad.value!r}: allowed: {bad.allowed}") from None
    if not found.as_dict():
        raise ValueError("nothing to impair: give one or more of DELAY, JITTER, LOSS, RATE")
    return found
