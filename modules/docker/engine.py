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


def _request(method: str, path: str, body: dict[str, Any] | None, last: bool = True) -> bytes:
    payload = json.dumps(body).encode() if body is not None else b""
    head = [f"{method} {path} HTTP/1.1", "Host: docker", f"Content-Length: {len(payload)}"]
    if last:
        head.append("Connection: close")
    if body is not None:
        head.append("Content-Type: application/json")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


def _dechunked_length(data: bytes) -> tuple[bytes, int]:
    """A chunked body at the start of data: (the body, how many bytes it took)."""
    out, at = bytearray(), 0
    while True:
        end = data.index(b"\r\n", at)
        size = int(data[at:end].split(b";")[0] or b"0", 16)
        at = end + 2
        if size == 0:
            at = data.index(b"\r\n", at) + 2  # the (empty) trailer
            return bytes(out), at
        out += data[at:at + size]
        at += size + 2


def parse_responses(raw: bytes) -> list[Response]:
    """The responses of a pipelined exchange, in order (each sized by Content-Length or
    chunked; the last may run to the end of the stream)."""
    responses = []
    while raw.strip():
        head, sep, rest = raw.partition(b"\r\n\r\n")
        lines = head.decode(errors="replace").split("\r\n")
        if not sep or not lines[0].startswith("HTTP/1."):
            raise ValueError(f"not an HTTP response: {raw[:80]!r}")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip()
                   for k, _, v in (line.partition(":") for line in lines[1:])}
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body, used = _dechunked_length(rest)
        elif "content-length" in headers:
            used = int(headers["content-length"])
            body = rest[:used]
        else:
            body, used = rest, len(rest)
        responses.append(Response(status, body))
        raw = rest[used:]
    return responses


def parse_response(raw: bytes) -> Response:
    found = parse_responses(raw)
    if not found:
        raise ValueError("no HTTP response")
    return found[0]


def pipeline(target: Target, requests: list[tuple[str, str, dict[str, Any] | None]], *,
             timeout: float | None = None) -> list[Response]:
    """Engine API requests, sent one after the other on one connection (HTTP/1.1 pipelining:
    one docker process and one round trip for them all); the bodies (which may hold a
    secret) go on stdin. One response per request, in order. Requests that answer and end
    only (no attach, exec start or other stream: the exchange ends when dockerd closes it)."""
    if not requests:  # nothing would close the held-open exchange
        return []
    what = " ".join(f"{m} {p}" for m, p, _ in requests) + " (Engine API)"
    stream = b"".join(_request(method, path, body, last=i == len(requests) - 1)
                      for i, (method, path, body) in enumerate(requests))
    # The input is held open: dial-stdio would pass its end on to dockerd as a half-close,
    # and dockerd (Go's HTTP server) cancels the requests still running when it sees one:
    # Docker 26 then answers /info with `null` or /version with "context canceled". The last
    # request's `Connection: close` ends the exchange instead.
    result = run(target, "docker system dial-stdio", stdin=stream, check=False, timeout=timeout,
                 hold_stdin=True)
    try:
        responses = parse_responses(result.raw)
    except ValueError:
        responses = []
    if len(responses) != len(requests):
        # No (whole) HTTP answer: the CLI's own error (no daemon, no socket) is on stderr.
        raise classify(target, what, result.stderr.strip() or "no answer from dockerd")
    return responses


def api(target: Target, method: str, path: str, body: dict[str, Any] | None = None, *,
        timeout: float | None = None) -> Response:
    """One Engine API request; the body (which may hold a secret) goes on stdin."""
    return pipeline(target, [(method, path, body)], timeout=timeout)[0]


def call(target: Target, method: str, path: str, body: dict[str, Any] | None = None, *,
         timeout: float | None = None) -> Response:
    """api(), raising the daemon's message (classified like a docker CLI error) on failure."""
    response = api(target, method, path, body, timeout=timeout)
    if response.status >= 400:
        raise classify(target, f"{method} {path} (Engine API)", response.message())
    return response


__all__ = ["RemoteError", "Response", "api", "call", "parse_response", "pipeline"]
