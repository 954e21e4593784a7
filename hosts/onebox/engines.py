"""Docker engines other than the machine's: Debian's packages, pinned in `engines.json`,
fetched with `apt-get download` (nothing is installed) and unpacked into the user's cache,
`$SWARMLAB_CACHE/engines/<engine>-<pin hash>/root/` (default `~/.cache/swarmlab`).

apt runs with a configuration of its own (sources, lists, cache under the engine cache), so
the machine's apt configuration, sources and package state are never read or changed (nor
its update hooks run). A package whose pinned version the archive no longer serves, or whose
sha256 differs from the pin, is refused by name: a newer engine is an explicit bump of
`engines.json`, never a silent one. What was unpacked is checked against its own sha256
manifest each time it is used (root runs these binaries; the cache may be a user's).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hosts.commands import CommandError, clean_env, run
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
    root = cache_root() / "engines" / f"{pin.engine}-{pin.key}" / "root"
    # The hosts' PATH (sshd's SetEnv, the daemons' environment) holds it as one word.
    if any(c.isspace() or c in "\"'\\:" for c in str(root)):
        raise ValueError(f"SWARMLAB_CACHE={str(cache_root())!r}: the engine cache's path may "
                         "not hold spaces, quotes, backslashes or ':'; allowed: a plain path")
    return root


def _manifest(root: Path) -> Path:
    return root.parent / "unpacked.sha256"


def _digests(root: Path) -> dict[str, str]:
    return {rel: _sha256(root / rel) for rel in UNPACKED}


def _not_ours(root: Path) -> list[Path]:
    """What another user could change under the binaries this process (root) would run: the
    engine's directories, the binaries and the manifest, unless owned by us and writable by
    no one else."""
    paths = [root.parent.parent, root.parent, _manifest(root),
             *(p for rel in UNPACKED for p in (root / rel, *(root / rel).parents) if
               p.is_relative_to(root))]
    found = []
    for path in dict.fromkeys(paths):
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        if info.st_uid != os.geteuid() or info.st_mode & 0o022:
            found.append(path)
    return found


def is_cached(pin: Pin) -> bool:
    """The pin's tree is complete and each binary the hosts run is the one unpacked (and
    nobody else can change it: ValueError naming what another user could)."""
    root = root_of(pin)
    if not all((root / rel).is_file() for rel in UNPACKED):
        return False
    foreign = _not_ours(root)
    if foreign:
        raise ValueError(f"{foreign[0]} is not owned by this user or is writable by others; "
                         "the hosts would run its binaries as root. Remove "
                         f"{root.parent} (it is fetched again) or make it yours alone")
    try:
        recorded = json.loads(_manifest(root).read_text())
    except (OSError, ValueError):
        return False
    return bool(recorded == _digests(root))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _apt_config(work: Path) -> Path:
    """apt confined to `work` (APT_CONFIG is read before /etc/apt/apt.conf, and points it
    and apt.conf.d elsewhere): its own sources, lists, cache and (empty) package state; the
    machine's configuration, hooks and dpkg status are never read."""
    settings = {
        "Dir::Etc::Main": "/dev/null",
        "Dir::Etc::Parts": work / "apt.conf.d",
        "Dir::Etc::SourceList": work / "sources.list",
        "Dir::Etc::SourceParts": work / "sources.list.d",
        "Dir::Etc::Preferences": work / "preferences",
        "Dir::Etc::PreferencesParts": work / "preferences.d",
        "Dir::State::Lists": work / "lists",
        "Dir::State::status": "/dev/null",
        "Dir::Cache": work / "cache",
        "Debug::NoLocking": "1",
        # Every package taken is checked against its pinned sha256, so an old Release file
        # cannot change what is accepted; a mirror frozen in time (or a pin older than the
        # suite's current Release) must still serve it.
        "Acquire::Check-Valid-Until": "false",
        "Acquire::Check-Date": "false",
        # Downloading as root into a directory _apt cannot enter is what this is.
        "APT::Sandbox::User": "root",
    }
    config = work / "apt.conf"
    config.write_text("".join(f'{key} "{value}";\n' for key, value in settings.items()))
    return config


def _download(pin: Pin, work: Path, say: Callable[[str], None]) -> list[Path]:
    for sub in ("apt.conf.d", "sources.list.d", "preferences.d", "lists/partial",
                "cache/archives/partial", "debs"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    (work / "sources.list").write_text(f"deb [signed-by={KEYRING}] {ARCHIVE} {pin.suite} main\n")
    (work / "preferences").write_text("")
    env = clean_env(APT_CONFIG=str(_apt_config(work)))
    say(f"reading Debian {pin.suite}'s package lists")
    run(["apt-get", "-q", "update"], timeout=APT_TIMEOUT, env=env)
    wanted = [f"{p.name}={p.version}" for p in pin.packages]
    say(f"downloading {', '.join(wanted)}")
    proc = run(["sh", "-c", 'cd "$1" && shift && exec apt-get "$@"', "apt-get-download",
                str(work / "debs"), "-q", "download", *wanted],
               timeout=APT_TIMEOUT, check=False, env=env)
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


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One fetch of the engines at a time: two labs that need the same pin share one."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def fetch(engine: str, say: Callable[[str], None] = lambda line: None) -> Path:
    """The unpacked tree of an engine's pinned packages, fetched once per pin."""
    pin = pin_of(engine)
    root = root_of(pin)
    if is_cached(pin):
        return root
    with _locked(root.parent.parent):
        if is_cached(pin):  # another lab fetched it while this one waited
            return root
        for left in root.parent.parent.glob(".fetch-*"):  # an interrupted fetch's
            shutil.rmtree(left, ignore_errors=True)
        with tempfile.TemporaryDirectory(dir=root.parent.parent, prefix=".fetch-") as tmp:
            work = Path(tmp)
            debs = _download(pin, work / "apt", say)
            tree = work / "root"
            say(f"unpacking into {root}")
            for deb in debs:
                run(["dpkg-deb", "-x", str(deb), str(tree)], timeout=120)
            absent = [rel for rel in UNPACKED if not (tree / rel).is_file()]
            if absent:
                raise CommandError(f"ENGINE={engine}'s packages hold no {', '.join(absent)}")
            root.parent.mkdir(parents=True, exist_ok=True)
            if root.exists():  # incomplete or changed: no host runs it (the lock is held)
                root.rename(work / "old-root")
            tree.rename(root)
            _manifest(root).write_text(json.dumps(_digests(root), indent=2) + "\n")
    return root
