"""SSH key pairs the hosts tool makes itself (the lab key, every host's host key): made once,
kept until their folder goes, never learnt from whatever answers on the network."""

from __future__ import annotations

from pathlib import Path

from hosts.commands import run


def ensure_pair(private: Path, public: Path, comment: str) -> bool:
    """An ed25519 pair at `private` and `public`; True when it had to be made."""
    if private.exists() and public.exists():
        return False
    private.unlink(missing_ok=True)
    public.unlink(missing_ok=True)
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(private)])
    return True


def public_key(public: Path) -> str:
    """`ssh-ed25519 AAAA...` (type and key, without the comment)."""
    kind, key = public.read_text().split()[:2]
    return f"{kind} {key}"
