"""`make destroy` from any state (tools/lab/destroy.py), with the machine replaced by fakes:
the graceful path when it can finish, the hosts tool's own teardown when it cannot, never a
write-off of hosts the tool did not make, and exit 0 only when nothing is left."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tools.lab import destroy, labs


class Machine:
    """One lab's files under a temporary `.lab`, and what the verb did to the machine."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.calls: list[str] = []
        self.destroy_ok = True
        self.down_ok = True
        self.left: list[str] = []
        self.reachable = True
        monkeypatch.setattr(labs, "STATE_ROOT", root)
        monkeypatch.setattr(labs, "STACKS_DIR", root / "stacks")
        monkeypatch.setattr(labs, "lab_dir", lambda name=None: root / "labs" / "blue")
        monkeypatch.setattr(destroy, "pulumi_destroy", self.pulumi_destroy)
        monkeypatch.setattr(destroy, "hosts_down", self.hosts_down)
        monkeypatch.setattr(destroy, "leftovers", lambda lab, tag: list(self.left))
        monkeypatch.setattr(destroy.socket, "create_connection", self.connect)
        monkeypatch.setattr(destroy.shutil, "which", lambda name: None)
        # Never the checkout's own lab folders.
        monkeypatch.setattr(labs, "remove_lab_files", self.remove_lab_files)

    @property
    def lab(self) -> Path:
        return self.root / "labs" / "blue"

    def hosts(self, backend: str = "onebox") -> Machine:
        self.lab.mkdir(parents=True, exist_ok=True)
        (self.lab / "net.json").write_text(json.dumps(
            {"lab": "blue", "tag": "blue", "subnet": "192.168.2.0/24", "backend": backend}))
        (self.lab / "inventory.json").write_text("[]")
        (self.lab / "hosts.json").write_text(json.dumps(
            [{"name": "manager", "address": "192.168.2.10", "role": "manager"}]))
        return self

    def stack(self) -> Machine:
        (self.root / "stacks").mkdir(parents=True, exist_ok=True)
        (self.root / "stacks" / "Pulumi.blue.yaml").write_text("config: {}\n")
        state = self.root / "state" / ".pulumi" / "stacks" / "swarmlab"
        state.mkdir(parents=True, exist_ok=True)
        (state / "blue.json").write_text("{}")
        return self

    def pulumi_destroy(self, lab: str) -> tuple[bool, str]:
        self.calls.append("pulumi destroy")
        return self.destroy_ok, "" if self.destroy_ok else (
            "error: manager (192.168.2.10): cannot connect to 192.168.2.10:22: No route to host")

    def hosts_down(self, lab: str) -> bool:
        self.calls.append("hosts down")
        for name in ("net.json", "inventory.json", "hosts.json"):
            (self.lab / name).unlink(missing_ok=True)
        return self.down_ok

    def remove_lab_files(self, lab: str, keep: frozenset[Path] = frozenset()) -> None:
        self.calls.append("remove lab files")
        for path in self.lab.iterdir() if self.lab.is_dir() else ():
            if path.resolve() not in keep:
                path.unlink()

    def connect(self, address: tuple[str, int], timeout: float) -> object:
        self.calls.append(f"connect {address[0]}:{address[1]}")
        if not self.reachable:
            raise OSError(113, "No route to host")

        class Closed:
            def close(self) -> None:
                pass
        return Closed()


@pytest.fixture
def machine(tmp_path, monkeypatch) -> Machine:
    return Machine(tmp_path / ".lab", monkeypatch)


def test_no_lab_is_refused_naming_it(machine, capsys):
    assert destroy.destroy("blue") == 1
    assert "no lab blue to destroy" in capsys.readouterr().err
    assert machine.calls == []


def test_a_lab_that_answers_goes_the_graceful_way_and_nothing_is_left(machine, capsys):
    machine.hosts().stack()
    assert destroy.destroy("blue") == 0
    assert machine.calls == ["connect 192.168.2.10:22", "pulumi destroy", "hosts down",
                             "remove lab files"]
    err = capsys.readouterr().err
    assert "lab blue is gone" in err and "without it" not in err
    assert not (machine.root / "stacks" / "Pulumi.blue.yaml").exists()
    assert destroy.state_files("blue") == []


def test_hosts_that_do_not_answer_are_named_and_taken_down_without_pulumi(machine, capsys):
    machine.hosts().stack()
    machine.reachable = False
    assert destroy.destroy("blue") == 0
    assert "pulumi destroy" not in machine.calls and "hosts down" in machine.calls
    err = capsys.readouterr().err
    assert ("pulumi destroy could not finish (no answer from manager (192.168.2.10:22): No route "
            "to host); taking lab blue's hosts down without it") in err
    assert "state file" in err and destroy.state_files("blue") == []


def test_a_failed_pulumi_destroy_on_the_tools_hosts_still_finishes(machine, capsys):
    machine.hosts().stack()
    machine.destroy_ok = False
    assert destroy.destroy("blue") == 0
    assert machine.calls[-3:] == ["pulumi destroy", "hosts down", "remove lab files"]
    assert "cannot connect to 192.168.2.10:22" in capsys.readouterr().err
    assert destroy.state_files("blue") == []


def test_hosts_the_tool_did_not_make_are_never_written_off(machine, capsys):
    machine.stack()
    machine.destroy_ok = False
    assert destroy.destroy("blue") == 1
    assert machine.calls == ["pulumi destroy"]
    assert "nothing is removed without Pulumi" in capsys.readouterr().err
    assert destroy.state_files("blue") != []
    assert (machine.root / "stacks" / "Pulumi.blue.yaml").exists()


def test_hosts_without_a_stack_are_taken_down(machine):
    machine.hosts()
    assert destroy.destroy("blue") == 0
    assert machine.calls == ["connect 192.168.2.10:22", "hosts down", "remove lab files"]


def test_what_is_left_is_named_and_fails(machine, capsys):
    machine.hosts()
    machine.left = ["namespace blue-worker", "link blue-br0"]
    assert destroy.destroy("blue") == 1
    assert "lab blue is not gone: namespace blue-worker, link blue-br0" in capsys.readouterr().err


def test_a_stale_lock_and_a_half_written_checkpoint_are_removed_with_the_stack(machine):
    machine.hosts().stack()
    locks = machine.root / "state" / ".pulumi" / "locks" / "organization" / "swarmlab" / "blue"
    locks.mkdir(parents=True)
    (locks / "x.json").write_text("{")
    (machine.root / "state" / ".pulumi" / "stacks" / "swarmlab" / "blue.json").write_text("{")
    machine.destroy_ok = False
    assert destroy.destroy("blue") == 0
    assert not locks.exists()
    assert destroy.state_files("blue") == []


def test_another_labs_state_is_not_touched(machine):
    machine.hosts().stack()
    other = machine.root / "state" / ".pulumi" / "stacks" / "swarmlab" / "bluex.json"
    other.write_text("{}")
    machine.reachable = False
    assert destroy.destroy("blue") == 0
    assert other.exists()


def _lock(machine: Machine, pid: int, host: str) -> Path:
    locks = machine.root / "state" / ".pulumi" / "locks" / "organization" / "swarmlab" / "blue"
    locks.mkdir(parents=True, exist_ok=True)
    path = locks / "l1.json"
    path.write_text(json.dumps({"pid": pid, "username": "root", "hostname": host,
                                "timestamp": "2026-12-02T21:17:31Z"}))
    return path


def _execed(proc: subprocess.Popen[bytes], argv0: str) -> None:
    """Popen returns once forked: wait until the child runs the program (bounded)."""
    cmdline = Path(f"/proc/{proc.pid}/cmdline")
    for _ in range(1000):
        if cmdline.read_bytes().split(b"\0")[0] == argv0.encode():
            return
        time.sleep(0.005)
    raise AssertionError(f"{argv0} did not start")


def test_a_stack_a_running_pulumi_holds_is_left_alone(machine, capsys):
    machine.hosts().stack()
    with subprocess.Popen(["pulumi", "30"], executable="sleep") as running:
        _execed(running, "pulumi")
        try:
            lock = _lock(machine, running.pid, socket.gethostname())
            assert destroy.destroy("blue") == 1
        finally:
            running.kill()
    assert machine.calls == []
    assert lock.exists() and destroy.state_files("blue")
    assert (f"pulumi (pid {running.pid}) is working on lab blue now: wait for it to end, or "
            "stop it, then run make destroy again; nothing was changed") in capsys.readouterr().err


@pytest.mark.parametrize("holder", ["gone", "another program", "another machine"])
def test_a_lock_no_running_pulumi_holds_does_not_stop_destroy(machine, holder):
    machine.hosts().stack()
    argv0 = "pulumi" if holder != "another program" else "python3"
    with subprocess.Popen([argv0, "30"], executable="sleep") as other:
        _execed(other, argv0)
        if holder == "gone":
            other.kill()
            other.wait()
        _lock(machine, other.pid, "elsewhere" if holder == "another machine" else socket.gethostname())
        try:
            assert destroy.destroy("blue") == 0
        finally:
            other.kill()
    assert "pulumi destroy" in machine.calls and destroy.state_files("blue") == []


def test_what_opens_your_own_hosts_is_kept(machine, capsys):
    """The hosts stack: your hosts authorise the lab key and your known_hosts lists them;
    destroy takes the lab, never those."""
    machine.stack()
    machine.lab.mkdir(parents=True, exist_ok=True)
    mine = {name: machine.lab / name for name in ("id_ed25519", "id_ed25519.pub", "my_known",
                                                   "passphrase")}
    for path in mine.values():
        path.write_text("x\n")
    (machine.root / "stacks" / "Pulumi.blue.yaml").write_text(
        f"config:\n  swarmlab:hosts: []\n  swarmlab:sshKeyFile: {mine['id_ed25519']}\n"
        f"  swarmlab:sshKnownHostsFile: {mine['my_known']}\n")
    assert destroy.destroy("blue") == 0
    assert machine.calls == ["pulumi destroy", "remove lab files"]
    assert [p.name for p in mine.values() if p.exists()] == ["id_ed25519", "id_ed25519.pub",
                                                             "my_known"]
    err = capsys.readouterr().err
    assert "kept what opens your hosts: " in err and "my_known" in err


def test_the_hosts_tools_own_key_goes_with_its_lab(machine):
    machine.hosts().stack()
    (machine.lab / "id_ed25519").write_text("x\n")
    (machine.root / "stacks" / "Pulumi.blue.yaml").write_text(
        f"config:\n  swarmlab:sshKeyFile: {machine.lab / 'id_ed25519'}\n")
    assert destroy.destroy("blue") == 0
    assert not (machine.lab / "id_ed25519").exists()


def test_a_lab_whose_hosts_are_gone_keeps_nothing_of_the_tools(machine):
    """A hosts-tool lab after `hosts down` has no host records left: its stack, which lists no
    hosts of its own, decides; the tool's key goes."""
    machine.stack()
    machine.lab.mkdir(parents=True, exist_ok=True)
    (machine.lab / "id_ed25519").write_text("x\n")
    (machine.root / "stacks" / "Pulumi.blue.yaml").write_text(
        f"config:\n  swarmlab:hostsFile: {machine.lab / 'hosts.json'}\n"
        f"  swarmlab:sshKeyFile: {machine.lab / 'id_ed25519'}\n")
    assert destroy.destroy("blue") == 0
    assert not (machine.lab / "id_ed25519").exists()


def test_a_stack_that_cannot_be_read_keeps_the_lab_key(machine, capsys):
    machine.stack()
    machine.lab.mkdir(parents=True, exist_ok=True)
    (machine.lab / "id_ed25519").write_text("x\n")
    (machine.root / "stacks" / "Pulumi.blue.yaml").write_text("config: [\n")
    assert destroy.destroy("blue") == 0
    assert (machine.lab / "id_ed25519").exists()
    assert "kept what opens your hosts" in capsys.readouterr().err


def test_a_named_labs_folder_keeps_only_what_it_is_told(tmp_path, monkeypatch):
    monkeypatch.setattr(labs, "lab_dir", lambda name=None: tmp_path / "labs" / "blue")
    folder = tmp_path / "labs" / "blue"
    (folder / "sub" / "deeper").mkdir(parents=True)
    for name in ("key", "other", "sub/x", "sub/deeper/kept", "sub/deeper/y"):
        (folder / name).write_text("x")
    labs.remove_lab_files("blue", frozenset({(folder / "key").resolve(),
                                             (folder / "sub/deeper/kept").resolve()}))
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) == [
        "key", "sub", "sub/deeper", "sub/deeper/kept"]
    labs.remove_lab_files("blue")
    assert not folder.exists()
