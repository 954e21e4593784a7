"""A minimal QMP client: enough to ask a VM to power off and to ask how it is.

QMP is JSON lines over the VM's unix socket. The server greets, wants
`qmp_capabilities`, then answers commands; asynchronous events may come
between, so replies are matched by their "return"/"error" key.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any


class QmpError(RuntimeError):
    pass


def execute(sock_path: Path, command: str, timeout: float = 5.0) -> Any:
    """Run one QMP command and return its "return" value."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(sock_path))
        stream = s.makefile("rwb")

        def reply() -> dict[str, Any]:
            while True:
                line = stream.readline()
                if not line:
                    raise QmpError(f"{sock_path}: connection closed")
                msg = json.loads(line)
                if "return" in msg or "error" in msg:
                    return dict(msg)

        greeting = json.loads(stream.readline() or b"{}")
        if "QMP" not in greeting:
            raise QmpError(f"{sock_path}: not a QMP greeting: {greeting}")
        for cmd in ("qmp_capabilities", command):
            stream.write(json.dumps({"execute": cmd}).encode() + b"\n")
            stream.flush()
            msg = reply()
            if "error" in msg:
                raise QmpError(f"{cmd}: {msg['error'].get('desc', msg['error'])}")
        return msg["return"]


def powerdown(sock_path: Path) -> bool:
    """Press the ACPI power button; False when the monitor does not answer."""
    try:
        execute(sock_path, "system_powerdown")
    except (OSError, QmpError, ValueError):
        return False
    return True


def status(sock_path: Path) -> str | None:
    """The guest state ("running", "paused", "shutdown", ...); None if QMP does not answer."""
    try:
        return str(execute(sock_path, "query-status", timeout=2.0)["status"])
    except (OSError, QmpError, ValueError, KeyError, TypeError):
        return None
