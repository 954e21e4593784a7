"""The lab image `swarmlab/busybox:lab`, built without a registry or a root-ns engine.

The rootfs is Debian's busybox-static (/bin/busybox plus applet symlinks,
/etc/passwd, /etc/group, /www/index.html, and /www/cgi-bin/hostname, which answers with
the name of the container that served it: which replica behind a VIP answered). It is
packed as a `docker save` archive (manifest.json, config, one layer) and `docker load`ed on every
host. Why not `docker import`: import stamps the config with the current
time, so every host would get a different image ID; here every byte is
fixed (mtimes 0, sorted entries, a constant creation date), so the ID is
the same on every host and across runs.

Stopping is immediate: the image's StopSignal is SIGKILL (see build()), and
the lab's dockerds also run `docker run` containers under docker-init.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import tarfile
from dataclasses import dataclass
from pathlib import Path

from hosts.commands import run

IMAGE = "swarmlab/busybox:lab"
BUSYBOX = Path("/bin/busybox")
CREATED = "2024-01-01T00:00:00Z"

APPLETS = frozenset(
    {
        "sh", "ash", "ping", "ping6", "nc", "httpd", "ip", "ifconfig", "route", "hostname",
        "sleep", "cat", "wget", "ls", "echo", "env", "ps", "kill", "mkdir", "rm", "cp", "mv",
        "grep", "sed", "awk", "head", "tail", "sort", "uniq", "wc", "tr", "cut", "printf",
        "test", "[", "true", "false", "id", "whoami", "uname", "date", "nslookup", "netstat",
        "traceroute", "arp", "arping", "telnet", "timeout", "top", "vi", "tee", "touch",
        "chmod", "ln", "pwd", "find", "xargs", "seq", "yes", "base64", "sha256sum", "md5sum",
        "df", "du", "free", "mount", "umount", "dmesg", "watch", "nohup", "usleep",
    }
)  # fmt: skip

INDEX_HTML = b"<html><body><h1>swarmlab</h1></body></html>\n"
HOSTNAME_CGI = b'#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\nhostname\n'
PASSWD = b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
GROUP = b"root:x:0:\nnogroup:x:65534:\n"


@dataclass(frozen=True)
class Image:
    archive: bytes  # docker save format
    image_id: str  # sha256:<hex of the config>


def _arch() -> str:
    machine = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


def _entry(name: str, kind: bytes, mode: int, size: int = 0, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.size = size
    info.linkname = link
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def available_applets() -> set[str]:
    listed = run([str(BUSYBOX), "--list"]).stdout.split()
    return set(listed)


def rootfs_layer(busybox: bytes, applets: set[str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for d, mode in (
            ("bin", 0o755), ("dev", 0o755), ("etc", 0o755), ("proc", 0o755),
            ("root", 0o700), ("sys", 0o755), ("tmp", 0o1777), ("www", 0o755),
            ("www/cgi-bin", 0o755),
        ):  # fmt: skip
            tar.addfile(_entry(d, tarfile.DIRTYPE, mode))
        tar.addfile(_entry("bin/busybox", tarfile.REGTYPE, 0o755, len(busybox)), io.BytesIO(busybox))
        for applet in sorted(a for a in APPLETS if a in applets):
            tar.addfile(_entry(f"bin/{applet}", tarfile.SYMTYPE, 0o777, link="busybox"))
        for name, data in (
            ("etc/group", GROUP),
            ("etc/passwd", PASSWD),
            ("www/index.html", INDEX_HTML),
        ):
            tar.addfile(_entry(name, tarfile.REGTYPE, 0o644, len(data)), io.BytesIO(data))
        tar.addfile(_entry("www/cgi-bin/hostname", tarfile.REGTYPE, 0o755, len(HOSTNAME_CGI)),
                    io.BytesIO(HOSTNAME_CGI))
    return buf.getvalue()


def _add_file(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    tar.addfile(_entry(name, tarfile.REGTYPE, 0o644, len(data)), io.BytesIO(data))


def build(busybox_path: Path = BUSYBOX, applets: set[str] | None = None) -> Image:
    """The image archive and the ID every host will report for it."""
    if not busybox_path.exists():
        raise FileNotFoundError(f"{busybox_path} missing: apt-get install busybox-static")
    layer = rootfs_layer(busybox_path.read_bytes(), available_applets() if applets is None else applets)
    layer_hex = hashlib.sha256(layer).hexdigest()
    config = {
        "architecture": _arch(),
        "os": "linux",
        "created": CREATED,
        "config": {
            "Cmd": ["sh"],
            "Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
            "WorkingDir": "/",
            # Swarm tasks run without docker-init (the service spec sets Init
            # to false explicitly, so the daemon's default does not apply),
            # and a shell, httpd or sleep as PID 1 ignores SIGTERM: every stop
            # would wait 10 s. Nothing in this image needs a graceful stop.
            "StopSignal": "SIGKILL",
            "Labels": {"org.opencontainers.image.title": "swarmlab busybox"},
        },
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{layer_hex}"]},
        "history": [{"created": CREATED, "created_by": "hosts.image: busybox-static rootfs"}],
    }
    config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    config_hex = hashlib.sha256(config_bytes).hexdigest()
    manifest = [
        {
            "Config": f"{config_hex}.json",
            "RepoTags": [IMAGE],
            "Layers": [f"{layer_hex}/layer.tar"],
        }
    ]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        _add_file(tar, f"{config_hex}.json", config_bytes)
        tar.addfile(_entry(layer_hex, tarfile.DIRTYPE, 0o755))
        _add_file(tar, f"{layer_hex}/layer.tar", layer)
        _add_file(tar, "manifest.json", json.dumps(manifest, sort_keys=True).encode())
    return Image(archive=buf.getvalue(), image_id=f"sha256:{config_hex}")
