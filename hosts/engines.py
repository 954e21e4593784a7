"""Docker engines other than the machine's: Debian's packages, pinned in `engines.json`,
fetched with `apt-get download` (nothing is installed) and unpacked into the user's cache,
`$SWARMLAB_CACHE/engines/<engine>/` (default `~/.cache/swarmlab`).

apt runs with a configuration of its own (sources, lists, cache under the engine cache), so
the machine's sources and package state are never read or changed. A package whose pinned
version the archive no longer serves, or whose sha256 differs from the pin, is refused by
name: a newer engine is an explicit bump of `engines.json`, never a silent one.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hosts.commands import CommandError, run
from hosts.paths import cache_root

PINS_FILE = Path(__file__).resolve().parent / "engines.json"
ARCHIVE = "http://deb.debian.org/debian"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
SYSTEM = "system"
# Everything the engine's packages unpack that a lab host runs from them; runc and
# docker-init stay the machine's (the newer suites' runc needs a newer glibc).
UNPACKED = ("usr/sbin/dockerd", "usr/bin/containerd", "usr/bin/containerd-shim-runc-v2",
            "usr/sbin/docker-proxy", "usr/bin/docker")
APT_TIMEOUT = 600.0


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    sha256: str

    @property
    def file_name(self) -> str:
        # apt-get download names the file name_version_arch.deb, with an epoch's ':' as %3a.
        return f"{self.name}_{self.version.replace(':', '%3a')}_amd64.deb"


@dataclass(frozen=True)
class Pin:
    engine: str
    suite: str
    packages: tuple[Package, ...]

    @property
    def key(self) -> str:
        """Names what is unpacked: a bumped pin unpacks beside the old one."""
        text = json.dumps([self.suite, [(p.name, p.version, p.sha256) for p in self.packages]])
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def pins() -> dict[str, Pin]:
    raw = json.loads(PINS_FILE.read_text())
    return {name: Pin(name, entry["suite"], tuple(Package(**p) for p in entry["packages"]))
            for name, entry in raw.items() if name != "_"}


def choices() -> tuple[str, ...]:
    return (SYSTEM, *sorted(pins()))


def pin_of(engine: str) -> Pin:
    known = pins()
    if engine not in known:
        raise ValueError(f"ENGINE={engine!r} is not known; allowed: {', '.join(choices())}")
    return known[engine]


def root_of(pin: Pin) -> Path:
    """Where the pin's packages are unpacked (a filesystem tree: usr/bin, usr/sbin, ...)."""
    return cache_root() / "engines" / f"{pin.engine}-{pin.key}" / "root"


def is_cached(pin: Pin) -> bool:
    root = root_of(pin)
    return all((root / rel).is_file() for rel in UNPACKED)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _apt_options(work: Path) -> list[str]:
    """apt confined to `work`: its own sources, lists and cache; the machine's untouched."""
    return [
        "-o", f"Dir::Etc::SourceList={work / 'sources.list'}",
        "-o", f"Dir::Etc::SourceParts={work / 'sources.list.d'}",
        "-o", f"Dir::Etc::Preferences={work / 'preferences'}",
        "-o", f"Dir::Etc::PreferencesParts={work / 'preferences.d'}",
        "-o", f"Dir::State::Lists={work / 'lists'}",
        "-o", f"Dir::Cache={work / 'cache'}",
        "-o", "Debug::NoLocking=1",
        # Downloading as root into a directory _apt cannot enter is what this is.
        "-o", "APT::Sandbox::User=root",
    ]


def _download(pin: Pin, work: Path, say: Callable[[str], None]) -> list[Path]:
    for sub in ("sources.list.d", "preferences.d", "lists/partial", "cache/archives/partial",
                "debs"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    (work / "sources.list").write_text(f"deb [signed-by={KEYRING}] {ARCHIVE} {pin.suite} main\n")
    (work / "preferences").write_text("")
    options = _apt_options(work)
    say(f"reading Debian {pin.suite}'s package lists")
    run(["apt-get", *options, "-q", "update"], timeout=APT_TIMEOUT)
    wanted = [f"{p.name}={p.version}" for p in pin.packages]
    say(f"downloading {', '.join(wanted)}")
    proc = run(["sh", "-c", 'cd "$1" && shift && exec apt-get "$@"', "apt-get-download",
                str(work / "debs"), *options, "-q", "download", *wanted],
               timeout=APT_TIMEOUT, check=False)
    if proc.returncode != 0:
        raise CommandError(
            f"Debian {pin.suite} does not serve the pinned packages of ENGINE={pin.engine} "
            f"({', '.join(wanted)}; pins in {PINS_FILE.name}): "
            f"{(proc.stderr or proc.stdout).strip().splitlines()[-1:]}")
    files = []
    for package in pin.packages:
        path = work / "debs" / package.file_name
        found = _sha256(path) if path.is_file() else "(not downloaded)"
        if found != package.sha256:
            raise CommandError(
                f"{package.name} {package.version} for ENGINE={pin.engine}: sha256 {found} is "
                f"not the pinned {package.sha256} ({PINS_FILE.name}); refusing it")
        files.append(path)
    return files


def fetch(engine: str, say: Callable[[str], None] = lambda line: None) -> Path:
    """The unpacked tree of an engine's pinned packages, fetched once per pin."""
    pin = pin_of(engine)
    root = root_of(pin)
    if is_cached(pin):
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root.parent, prefix=".fetch-") as tmp:
        work = Path(tmp)
        debs = _download(pin, work / "apt", say)
        tree = work / "root"
        say(f"unpacking into {root}")
        for deb in debs:
            run(["dpkg-deb", "-x", str(deb), str(tree)], timeout=120)
        absent = [rel for rel in UNPACKED if not (tree / rel).is_file()]
        if absent:
            raise CommandError(f"ENGINE={engine}'s packages hold no {', '.join(absent)}")
        shutil.rmtree(root, ignore_errors=True)
        tree.rename(root)
    return root
