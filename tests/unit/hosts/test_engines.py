"""Docker engines besides the machine's (hosts/onebox/engines.py, hosts/onebox/engine.py): the pins are
the only source, a package the archive does not serve or whose sha256 differs is refused by
name before anything is unpacked, apt never reads or writes the machine's own sources or
state, and a lab keeps the engine it was made with."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hosts import backends, cli, inventory, procs, topology
from hosts.commands import SYSTEM_PATH, CommandError
from hosts.onebox import engine, engines
from hosts.onebox import up as onebox
from hosts.paths import LabPaths
from hosts.report import StepError
from hosts.vm import recipe
from tests.support.paths import ROOT

PIN = engines.Pin("28", "forky", (
    engines.Package("docker.io", "28.5.2+dfsg4-5", hashlib.sha256(b"docker.io").hexdigest()),
    engines.Package("containerd", "1:2.1.9+ds1-5", hashlib.sha256(b"containerd").hexdigest())))


def test_the_choices_are_the_machine_s_and_the_pinned_ones_and_make_offers_the_same():
    assert engines.choices() == ("system", "26", "28")
    assert {p.suite for p in engines.pins().values()} == {"trixie", "forky"}
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^ENGINES := (.*)$", makefile, re.M)[1].split() == list(engines.choices())  # type: ignore[index]


def test_every_pin_names_a_version_and_a_sha256_of_each_package():
    for pin in engines.pins().values():
        assert [p.name for p in pin.packages] == ["docker.io", "docker-cli", "containerd"]
        for package in pin.packages:
            assert re.fullmatch(r"[0-9a-f]{64}", package.sha256), package
            assert re.fullmatch(r"[0-9][0-9A-Za-z.+~:-]*-[0-9A-Za-z.+~]+", package.version)


@pytest.mark.parametrize("asked", ["27", "latest", "", "system "])
def test_an_engine_that_is_not_pinned_is_refused_naming_the_choices(asked):
    with pytest.raises(ValueError) as refused:
        engines.pin_of(asked)
    assert str(refused.value) == f"ENGINE={asked!r} is not known; allowed: system, 26, 28"


def test_a_bumped_pin_unpacks_beside_the_old_one(monkeypatch, tmp_path):
    monkeypatch.setenv("SWARMLAB_CACHE", str(tmp_path))
    bumped = engines.Pin("28", "forky", (engines.Package("docker.io", "28.5.3-1", "0" * 64),))
    assert engines.root_of(PIN).parent.parent == tmp_path / "engines"
    assert engines.root_of(PIN) != engines.root_of(bumped)
    assert engines.root_of(PIN).name == "root"
    assert PIN.packages[1].file_name == "containerd_1%3a2.1.9+ds1-5_amd64.deb"


class Apt:
    """apt-get and dpkg-deb replaced: downloads write each package's name as its content."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, serves: bool = True,
                 content: dict[str, bytes] | None = None) -> None:
        self.calls: list[list[str]] = []
        self.envs: list[dict[str, str] | None] = []
        self.lock = threading.Lock()
        self.updating: threading.Event | None = None
        """Set: `apt-get update` waits for it (the other lab has come to the lock)."""
        self.serves = serves
        self.content = content or {}
        monkeypatch.setenv("SWARMLAB_CACHE", str(tmp_path / "cache"))
        monkeypatch.setattr(engines, "pin_of", lambda name: PIN)
        monkeypatch.setattr(engines, "run", self.run)

    def run(self, argv: list[str], timeout: float = 30.0, check: bool = True,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        with self.lock:
            self.calls.append(list(argv))
            self.envs.append(env)
        if "update" in argv and self.updating is not None:
            assert self.updating.wait(10)
        if "download" in argv:
            if not self.serves:
                return subprocess.CompletedProcess(argv, 100, "", "E: Version '28.5.2+dfsg4-5' "
                                                   "for 'docker.io' was not found")
            into = Path(argv[argv.index("apt-get-download") + 1])
            for package in PIN.packages:
                (into / package.file_name).write_bytes(
                    self.content.get(package.name, package.name.encode()))
        if argv[0] == "dpkg-deb":
            tree = Path(argv[3])
            for rel in engines.UNPACKED:
                (tree / rel).parent.mkdir(parents=True, exist_ok=True)
                (tree / rel).write_text("#!/bin/sh\n")
        return subprocess.CompletedProcess(argv, 0, "", "")



def test_fetch_uses_apt_confined_to_the_cache_and_unpacks_once(monkeypatch, tmp_path):
    apt = Apt(monkeypatch, tmp_path)
    read: list[str] = []
    real_run = apt.run

    def reading(argv, timeout=30.0, check=True, env=None):  # the config, while it exists
        if env and "APT_CONFIG" in env and not read:
            read.append(Path(env["APT_CONFIG"]).read_text())
        return real_run(argv, timeout, check, env)
    monkeypatch.setattr(engines, "run", reading)
    said: list[str] = []
    root = engines.fetch("28", said.append)
    assert root == engines.root_of(PIN) and engines.is_cached(PIN)
    options = dict(re.findall(r'^(\S+) "([^"]*)";$', read[0], re.M))
    assert len({env["APT_CONFIG"] for env in apt.envs if env}) == 1  # every apt-get had it
    cache = str(tmp_path / "cache")
    for option in ("Dir::Etc::SourceList", "Dir::Etc::SourceParts", "Dir::State::Lists",
                   "Dir::Cache", "Dir::Etc::Preferences", "Dir::Etc::PreferencesParts",
                   "Dir::Etc::Parts"):
        assert options[option].startswith(cache), option
    # Never the machine's apt.conf, its hooks, or its dpkg status.
    assert options["Dir::Etc::Main"] == options["Dir::State::status"] == "/dev/null"
    # The sha256 pins decide what is taken, not how fresh the suite's Release file is.
    assert options["Acquire::Check-Valid-Until"] == options["Acquire::Check-Date"] == "false"
    assert all(c[0] == "dpkg-deb" or "-o" not in c for c in apt.calls)
    download = next(c for c in apt.calls if "download" in c)
    assert download[-2:] == ["docker.io=28.5.2+dfsg4-5", "containerd=1:2.1.9+ds1-5"]
    assert [c[0] for c in apt.calls] == ["apt-get", "sh", "dpkg-deb", "dpkg-deb"]
    assert said == ["reading Debian forky's package lists",
                    "downloading docker.io=28.5.2+dfsg4-5, containerd=1:2.1.9+ds1-5",
                    f"unpacking into {root}"]
    apt.calls.clear()
    assert engines.fetch("28") == root and apt.calls == []
    assert sorted(p.name for p in root.parent.parent.iterdir()) == [".lock", root.parent.name]


def test_a_binary_changed_after_unpacking_is_fetched_again(monkeypatch, tmp_path):
    apt = Apt(monkeypatch, tmp_path)
    root = engines.fetch("28")
    (root / "usr/sbin/dockerd").write_text("#!/bin/sh\necho something else\n")
    assert not engines.is_cached(PIN)
    apt.calls.clear()
    assert engines.fetch("28") == root and engines.is_cached(PIN)
    assert [c[0] for c in apt.calls] == ["apt-get", "sh", "dpkg-deb", "dpkg-deb"]
    assert (root / "usr/sbin/dockerd").read_text() == "#!/bin/sh\n"


@pytest.mark.parametrize("what", ["usr/bin/containerd", "usr/bin", "."])
def test_binaries_another_user_could_change_are_refused(monkeypatch, tmp_path, what):
    Apt(monkeypatch, tmp_path)
    root = engines.fetch("28")
    path = root / what if what != "." else root.parent
    path.chmod(path.stat().st_mode | 0o002)
    with pytest.raises(ValueError) as refused:
        engines.fetch("28")
    assert str(refused.value) == (
        f"{path} is not owned by this user or is writable by others; the hosts would run its "
        f"binaries as root. Remove {root.parent} (it is fetched again) or make it yours alone")


def test_two_labs_fetching_one_engine_at_once_share_one_download(monkeypatch, tmp_path):
    apt = Apt(monkeypatch, tmp_path)
    apt.updating = threading.Event()
    locked = engines._locked
    arrived = threading.Semaphore(0)

    @contextlib.contextmanager
    def counted(directory):
        arrived.release()
        with locked(directory):
            yield
    monkeypatch.setattr(engines, "_locked", counted)

    def second_lab_at_the_lock():
        for _ in range(2):
            assert arrived.acquire(timeout=10)
        apt.updating.set()  # the first lab downloads only once the second waits on the lock
    threading.Thread(target=second_lab_at_the_lock).start()
    with ThreadPoolExecutor(2) as pool:
        roots = list(pool.map(lambda _: engines.fetch("28"), range(2)))
    assert roots[0] == roots[1] and engines.is_cached(PIN)
    assert sum(1 for c in apt.calls if "download" in c) == 1


def test_an_interrupted_fetch_s_leftovers_are_cleared(monkeypatch, tmp_path):
    Apt(monkeypatch, tmp_path)
    left = tmp_path / "cache" / "engines" / ".fetch-killed"
    (left / "apt").mkdir(parents=True)
    engines.fetch("28")
    assert not left.exists()


def test_a_cache_path_the_hosts_path_cannot_hold_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("SWARMLAB_CACHE", str(tmp_path / "my cache"))
    with pytest.raises(ValueError, match=r"the engine cache's path may not hold spaces"):
        engines.root_of(PIN)


def test_a_package_the_archive_no_longer_serves_is_refused_naming_the_pin(monkeypatch, tmp_path):
    Apt(monkeypatch, tmp_path, serves=False)
    with pytest.raises(CommandError) as refused:
        engines.fetch("28")
    assert str(refused.value).startswith(
        "Debian forky does not serve the pinned packages of ENGINE=28 (docker.io=28.5.2+dfsg4-5, "
        "containerd=1:2.1.9+ds1-5; pins in engines.json)")
    assert not engines.root_of(PIN).exists()


def test_a_package_whose_sha256_differs_is_refused_and_nothing_is_unpacked(monkeypatch, tmp_path):
    apt = Apt(monkeypatch, tmp_path, content={"containerd": b"tampered"})
    with pytest.raises(CommandError) as refused:
        engines.fetch("28")
    assert str(refused.value) == (
        f"containerd 1:2.1.9+ds1-5 for ENGINE=28: sha256 {hashlib.sha256(b'tampered').hexdigest()}"
        f" is not the pinned {PIN.packages[1].sha256} (engines.json); refusing it")
    assert not any(c[0] == "dpkg-deb" for c in apt.calls)
    assert not engines.root_of(PIN).exists()
    assert not list((tmp_path / "cache" / "engines").glob(".fetch-*"))


def _tree(root: Path, version: str) -> None:
    for rel in engines.UNPACKED:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"#!/bin/sh\necho 'Docker version {version}, build x'\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_a_pinned_engine_runs_its_own_binaries_then_the_machine_s(monkeypatch, tmp_path):
    _tree(tmp_path, "28.5.2+dfsg4")
    monkeypatch.setattr(engines, "fetch", lambda choice, say: tmp_path)
    found = engine.find("28")
    assert found.dockerd == str(tmp_path / "usr/sbin/dockerd")
    assert found.containerd == str(tmp_path / "usr/bin/containerd")
    assert found.version == (28, 5)
    assert found.path == f"{tmp_path}/usr/sbin:{tmp_path}/usr/bin:{SYSTEM_PATH}"
    assert not found.keeps_trust_key


def test_the_machine_s_engine_is_found_on_the_system_path(monkeypatch):
    monkeypatch.setattr(engines, "fetch", lambda choice, say: pytest.fail("fetched"))
    monkeypatch.setattr(engine, "missing", lambda: [])
    monkeypatch.setattr(engine.shutil, "which", lambda name, path: f"/usr/bin/{name}")
    monkeypatch.setattr(engine, "run", lambda argv: subprocess.CompletedProcess(
        argv, 0, "Docker version 20.10.24+dfsg1, build 297e128\n", ""))
    found = engine.find()
    assert (found.dockerd, found.path, found.version) == ("/usr/bin/dockerd", SYSTEM_PATH, (20, 10))


def _up_args(engine_asked: str | None, backend: str = "onebox", debian: str | None = None
             ) -> argparse.Namespace:
    return argparse.Namespace(backend=backend, managers="1", workers="1", subnet=None,
                              quiet=True, engine=engine_asked, debian=debian)


def _lab(tmp_path: Path, recorded: str | None, hosts_up: bool) -> LabPaths:
    lab = LabPaths(tmp_path / "lab")
    lab.root.mkdir()
    if recorded is not None:
        inventory.write_net(lab, topology.lab_net(), "onebox", engine=recorded)
    if hosts_up:
        lab.inventory.write_text(json.dumps([{"name": "manager"}]))
    return lab


@pytest.fixture
def ups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []
    monkeypatch.delenv("SWARMLAB_ENGINE", raising=False)
    monkeypatch.delenv("SWARMLAB_DEBIAN", raising=False)
    monkeypatch.setattr(cli.neighbours, "refuse_clash", lambda lab, net, backend: None)
    monkeypatch.setattr(onebox, "up", lambda lab, net, hosts, report, choice: made.append(choice))
    monkeypatch.setattr(backends.Vm, "up",
                        lambda self, lab, net, hosts, report, suite: made.append(suite))
    return made


@pytest.mark.parametrize(("asked", "env", "recorded", "chosen"), [
    (None, None, None, "system"),
    ("28", None, None, "28"),
    (None, "26", None, "26"),
    ("28", "26", None, "28"),
    (None, None, "26", "26"),
])
def test_up_takes_the_engine_asked_then_the_recorded_one(tmp_path, monkeypatch, ups, asked, env,
                                                         recorded, chosen):
    if env:
        monkeypatch.setenv("SWARMLAB_ENGINE", env)
    assert cli.cmd_up(_up_args(asked), _lab(tmp_path, recorded, hosts_up=False)) == 0
    assert ups == [chosen]


def test_a_lab_that_is_up_keeps_its_engine(tmp_path, ups):
    lab = _lab(tmp_path, "26", hosts_up=True)
    with pytest.raises(StepError, match=r"this lab runs ENGINE=26; take it down first "
                                        r"\(`make destroy`\) to change it"):
        cli.cmd_up(_up_args("28"), lab)
    assert ups == [] and inventory.read_choice(lab, "engine") == "26"


def test_the_vm_backend_refuses_a_pinned_engine(tmp_path, ups):
    with pytest.raises(StepError, match="ENGINE=28 is for the one-box hosts; the vm backend's "
                                        r"Docker is its Debian suite's \(DEBIAN=\)"):
        cli.cmd_up(_up_args("28", backend="vm"), _lab(tmp_path, None, hosts_up=False))


def test_an_unknown_engine_in_the_environment_is_refused(tmp_path, monkeypatch, ups):
    monkeypatch.setenv("SWARMLAB_ENGINE", "29")
    with pytest.raises(StepError, match=r"SWARMLAB_ENGINE='29' is not known; allowed: system, 26, 28"):
        cli.cmd_up(_up_args(None), _lab(tmp_path, None, hosts_up=False))
    assert ups == []


def test_a_record_older_than_the_choice_means_the_machine_s_engine(tmp_path):
    lab = LabPaths(tmp_path)
    lab.net_file.write_text(json.dumps({"lab": "swarmlab", "tag": "swl", "subnet": "192.168.1.0/24",
                                        "backend": "onebox"}))
    assert inventory.read_choice(lab, "engine") == "system"
    assert inventory.read_choice(lab, "debian") == "bookworm"
    assert inventory.read_choice(LabPaths(tmp_path / "none"), "engine") is None


@pytest.mark.parametrize(("debian", "env", "chosen"), [
    (None, None, "bookworm"), ("forky", None, "forky"), (None, "trixie", "trixie"),
])
def test_the_vm_backend_takes_the_suite_asked(tmp_path, monkeypatch, ups, debian, env, chosen):
    if env:
        monkeypatch.setenv("SWARMLAB_DEBIAN", env)
    assert cli.cmd_up(_up_args(None, "vm", debian), _lab(tmp_path, None, hosts_up=False)) == 0
    assert ups == [chosen]


def test_the_one_box_hosts_refuse_a_debian_suite(tmp_path, ups):
    with pytest.raises(StepError, match="DEBIAN=forky is for the vm backend; the one-box hosts "
                                        "run this machine's kernel, and their Docker is ENGINE="):
        cli.cmd_up(_up_args(None, debian="forky"), _lab(tmp_path, None, hosts_up=False))
    assert ups == []


def test_a_vm_lab_that_is_up_keeps_its_suite(tmp_path, ups):
    lab = LabPaths(tmp_path / "lab")
    lab.root.mkdir()
    inventory.write_net(lab, topology.lab_net(), "vm", debian="trixie")
    lab.inventory.write_text(json.dumps([{"name": "manager"}]))
    with pytest.raises(StepError, match="this lab runs DEBIAN=trixie; take it down first"):
        cli.cmd_up(_up_args(None, "vm", "forky"), lab)
    assert cli.cmd_up(_up_args(None, "vm"), lab) == 0 and ups == ["trixie"]


def test_an_unknown_suite_is_refused_by_the_recipe_too():
    with pytest.raises(ValueError, match=r"DEBIAN='sid' is not a suite the vm backend builds; "
                                         r"allowed: bookworm, trixie, forky"):
        recipe.current("sid")
    assert recipe.SUITES == ("bookworm", "trixie", "forky")
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^SUITES := (.*)$", makefile, re.M)[1].split() == list(recipe.SUITES)  # type: ignore[index]


def test_a_daemon_of_another_engine_s_binary_is_not_the_one_asked_for(tmp_path):
    other = tmp_path / "python3"
    other.symlink_to(sys.executable)
    assert procs.runs(os.getpid(), sys.executable)
    assert procs.runs(os.getpid(), str(other))  # the same file by another name
    assert not procs.runs(os.getpid(), "/bin/sh")
    assert not procs.runs(None, sys.executable)
    assert not procs.runs(2 ** 22 + 1, sys.executable)  # no such process
