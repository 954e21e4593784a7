"""Just enough of the Docker Engine API, over a host's unix socket.

The hosts tool talks to each dockerd directly rather than through the
docker CLI: no client binary needed, and a health check costs milliseconds.
"""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path
from typing import Any
from urllib.parse import quote


class DockerAPIError(RuntimeError):
    pass


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, socket_path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._socket_path = str(socket_path)

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._socket_path)
        self.sock = sock


def request(
    socket_path: Path,
    method: str,
    path: str,
    body: bytes | None = None,
    content_type: str = "application/json",
    timeout: float = 5.0,
) -> tuple[int, bytes]:
    conn = _UnixHTTPConnection(socket_path, timeout)
    try:
        headers = {"Content-Type": content_type} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def get_json(socket_path: Path, path: str, timeout: float = 5.0) -> Any:
    status, data = request(socket_path, "GET", path, timeout=timeout)
    if status != 200:
        raise DockerAPIError(f"GET {path}: HTTP {status}: {data[:200]!r}")
    return json.loads(data)


def answers(socket_path: Path, timeout: float = 2.0) -> bool:
    """True when the daemon answers /_ping."""
    try:
        status, _ = request(socket_path, "GET", "/_ping", timeout=timeout)
    except OSError:
        return False
    return status == 200


def info(socket_path: Path, timeout: float = 5.0) -> dict[str, Any]:
    result: dict[str, Any] = get_json(socket_path, "/info", timeout)
    return result


def version(socket_path: Path, timeout: float = 5.0) -> dict[str, Any]:
    result: dict[str, Any] = get_json(socket_path, "/version", timeout)
    return result


def image_id(socket_path: Path, reference: str) -> str | None:
    """The image ID of `reference`, or None when the host does not have it."""
    status, data = request(socket_path, "GET", f"/images/{quote(reference, safe='')}/json")
    if status == 404:
        return None
    if status != 200:
        raise DockerAPIError(f"inspect {reference}: HTTP {status}: {data[:200]!r}")
    found: str = json.loads(data)["Id"]
    return found


def load_image(socket_path: Path, archive: bytes, timeout: float = 120.0) -> None:
    """POST an image archive (docker save format) to /images/load."""
    status, data = request(
        socket_path,
        "POST",
        "/images/load?quiet=1",
        body=archive,
        content_type="application/x-tar",
        timeout=timeout,
    )
    if status != 200:
        raise DockerAPIError(f"load image: HTTP {status}: {data[:300]!r}")
    for line in data.splitlines():
        if line.strip() and "error" in json.loads(line):
            raise DockerAPIError(f"load image: {json.loads(line)['error']}")
