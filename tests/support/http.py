"""What dockerd answers through `docker system dial-stdio`: HTTP responses as the fake hosts
print them."""

from __future__ import annotations

import json


def http(status: int, body: object = "", chunked: bool = False) -> str:
    """One HTTP/1.1 response; a body that is not a str is sent as JSON."""
    text = body if isinstance(body, str) else json.dumps(body)
    if chunked:
        return (f"HTTP/1.1 {status} X\r\nTransfer-Encoding: chunked\r\n\r\n"
                f"{len(text.encode()):x}\r\n{text}\r\n0\r\n\r\n")
    return f"HTTP/1.1 {status} X\r\nContent-Length: {len(text.encode())}\r\n\r\n{text}"
