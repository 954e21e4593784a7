"""What can go wrong on a host, and keeping swarm secrets out of every message."""

from __future__ import annotations

import re

SECRET_PATTERN = re.compile(r"SWM(?:TKN|KEY)-1-[0-9A-Za-z+/=_-]+")


def redact(text: str) -> str:
    """Replace swarm join tokens and unlock keys with a fixed marker."""
    return SECRET_PATTERN.sub("[secret]", text)


class RemoteError(RuntimeError):
    """A command failed on a host, or the host could not be reached; the message says which."""


class TransientError(RemoteError):
    """A failure that a bounded retry may cure (connection reset, daemon busy)."""
