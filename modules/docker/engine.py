"""The Docker Engine API on a host, reached through `docker system dial-stdio` over SSH.

For the requests that carry a secret (joining a swarm with a token, unlocking a manager):
the request, body included, travels on the SSH channel's stdin and straight into dockerd's
socket, so the secret is in no process's command line on any host. dial-stdio is what the
docker CLI itself uses for `DOCKER_HOST=ssh://...`; it ships with every docker CLI since
18.09 and talks to whatever daemon DOCKER_HOST (or the default socket) names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from modules.docker.cli import classify
from modules.ssh import RemoteError, Target, run


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes

    def message(self) -> str:
        """The daemon's error message ({"message": ...}), or the body as text."""
        try:
            return str(json.loads(self.body).get("message", ""))
        except (ValueError, AttributeError):
            return self.body.decode(errors="replace").strip()


def _request(method: str, path: str, body: dict[str, Any] | None) -> bytes:
    payload = json.dumps(body).encode() if body is not None else b""
    head = [f"{method} {path} HTTP/1.1", "Host: docker", "Connection: close",
            f"Content-Length: {len(payload)}"]
    if body is not None:
        head.append("Content-Type: application/json")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2:]
    return bytes(out)


def parse_response(raw: bytes) -> Response:
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    if not sep or not lines[0].startswith("HTTP/1."):
        raise ValueError(f"not an HTTP response: {raw[:80]!r}")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    return Response(status, body)


def api(target: Target, method: str, path: str, body: dict[str, Any] | None = None, *,
        timeout: float | None = None) -> Response:
    """One Engine API request; the body (which may hold a secret) goes on stdin."""
    what = f"{method} {path} (Engine API)"
    result = run(target, "docker system dial-stdio", stdin=_request(method, path, body),
                 check=False, timeout=timeout)
    raw = result.stdout.encode(errors="surrogateescape")
    try:
        return parse_response(raw)
    except ValueError:
        # No HTTP answer at all: the CLI's own error (no daemon, no such socket) is on stderr.
        raise classify(target, what, result.stderr.strip() or "no answer from dockerd") from None


def call(target: Target, method: str, path: str, body: dict[str, Any] | None = None, *,
         timeout: float | None = None) -> Response:
    """api(), raising the daemon's message (classified like a docker CLI error) on failure."""
    response = api(target, method, path, body, timeout=timeout)
    if response.status >= 400:
        raise classify(target, f"{method} {path} (Engine API)", response.message())
    return response


__all__ = ["RemoteError", "Response", "api", "call", "parse_response"]
