"""What a lab made outside its folder (/run/sshd, ...) is shared by every one-box lab: the
first lab down must not remove it from under the others (their sshd then resets every
connection: "Error reading SSH protocol banner")."""

from __future__ import annotations

import json

import pytest

from hosts.onebox import outside
from hosts.paths import LabPaths


@pytest.fixture
def machine(tmp_path, monkeypatch):
    run = tmp_path / "run"
    (run / "sshd").mkdir(parents=True)
    netns = run / "netns"
    netns.mkdir()
    labs = tmp_path / ".lab"
    first, second = LabPaths(labs), LabPaths(labs / "labs" / "tob")
    for lab in (first, second):
        lab.root.mkdir(parents=True, exist_ok=True)
        lab.inventory.write_text("[]")
    monkeypatch.setattr(outside, "NETNS_DIR", netns)
    monkeypatch.setattr(outside, "recorded_lab_dirs", lambda: [first.root, second.root])
    first.created_outside.write_text(json.dumps([str(run / "sshd")]))
    return run, first, second


def test_nothing_is_removed_while_another_lab_is_up_and_the_record_is_handed_over(machine):
    run, first, second = machine
    first.inventory.unlink()  # the first lab is going down
    assert outside.remove(first) == []
    assert (run / "sshd").is_dir()
    assert json.loads(second.created_outside.read_text()) == [str(run / "sshd")]
    assert not first.created_outside.exists()


def test_a_namespace_of_another_checkouts_lab_keeps_them_too(machine):
    run, first, second = machine
    first.inventory.unlink()
    second.inventory.unlink()
    (run / "netns" / "blue-manager").write_text("")
    assert outside.remove(first) == []
    assert (run / "sshd").is_dir()


def test_the_last_lab_down_removes_what_is_unused(machine):
    run, first, second = machine
    first.inventory.unlink()
    second.inventory.unlink()
    assert outside.remove(first) == [str(run / "sshd")]
    assert not (run / "sshd").exists()
