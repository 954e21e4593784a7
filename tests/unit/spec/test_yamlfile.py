"""The one YAML loader for what a user hands the project: plain data, no aliases or anchors,
bounded nesting; every problem one line naming the file and line. And what the project
writes for itself (a lab's working stack file) never holds an anchor, so it reads back."""

from __future__ import annotations

from pathlib import Path

import pytest

from modules.spec import ConfigError, yamlfile
from tools.lab import labs, stackfile


def test_an_alias_is_refused_naming_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("config:\n  a: 1\n  swarmlab:image: *img\n")
    with pytest.raises(ConfigError) as refused:
        yamlfile.load(path, "stacks/Pulumi.x.yaml")
    assert str(refused.value) == ("stacks/Pulumi.x.yaml line 3: YAML aliases (*name) are not "
                                  "allowed, nor their anchors (&name)")


def test_an_anchor_is_refused_even_unused(tmp_path: Path) -> None:
    path = tmp_path / "checks.yaml"
    path.write_text("- &first {from: {service: app}, ping: web}\n")
    with pytest.raises(ConfigError, match=r"^checks.yaml line 1: YAML aliases"):
        yamlfile.load(path, "checks.yaml")


def test_plain_yaml_loads_as_data(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("config:\n  swarmlab:validate:\n    - {from: {host: worker}, tcp: manager, "
                    "port: 2377}\n  swarmlab:autolock: true\n")
    assert yamlfile.stack_config(path) == {
        "swarmlab:validate": [{"from": {"host": "worker"}, "tcp": "manager", "port": 2377}],
        "swarmlab:autolock": True}
    path.write_text("")
    assert yamlfile.stack_config(path) == {} and yamlfile.load(path) is None


@pytest.mark.parametrize(("depth", "refused"), [(yamlfile.MAX_DEPTH, False),
                                                (yamlfile.MAX_DEPTH + 1, True)])
def test_nesting_is_bounded(tmp_path: Path, depth: int, refused: bool) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("[" * depth + "]" * depth + "\n")
    if not refused:
        assert yamlfile.load(path, "deep.yaml") is not None
        return
    with pytest.raises(ConfigError) as caught:
        yamlfile.load(path, "deep.yaml")
    assert str(caught.value) == f"deep.yaml line 1: nested deeper than {yamlfile.MAX_DEPTH} levels"


def test_a_file_inside_the_repository_is_named_from_its_root() -> None:
    assert yamlfile.name_of(labs.ROOT / "stacks" / "Pulumi.local.yaml") == "stacks/Pulumi.local.yaml"


def test_what_is_dumped_holds_no_anchor_and_reads_back(tmp_path: Path) -> None:
    shared = {"name": "myoverlay"}
    data = {"config": {"swarmlab:overlays": [shared], "swarmlab:other": [shared]}}
    text = yamlfile.dump(data)
    assert "&" not in text and "*" not in text, text
    (tmp_path / "out.yaml").write_text(text)
    assert yamlfile.load(tmp_path / "out.yaml") == data


def test_the_working_stack_file_reads_back_after_a_write(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings that share one object (a value given twice) are written out in full."""
    committed = tmp_path / "Pulumi.local.yaml"
    committed.write_text("config:\n  swarmlab:hosts: [{name: manager, address: 192.168.1.10, "
                         "role: manager}]\n")
    monkeypatch.setattr(stackfile, "template", lambda stack: committed)
    monkeypatch.setattr(stackfile, "STACKS_DIR", tmp_path / "stacks")
    monkeypatch.setattr(stackfile, "stack_file", lambda lab: tmp_path / "stacks" / f"Pulumi.{lab}.yaml")
    check = {"from": {"host": "manager"}, "udp": "manager", "port": 4789}
    path = stackfile.write("lab", "local", tmp_path, {"swarmlab:validate": [check, check]})
    assert "&" not in path.read_text()
    config = yamlfile.stack_config(path)
    assert config["swarmlab:validate"] == [check, check]
    assert stackfile.write("lab", "local", tmp_path, {"swarmlab:validate": [check, check]}) == path


def test_a_working_stack_file_with_an_alias_is_refused_not_rewritten(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its encryption salt must not be lost: an edited file is named, and left as it is."""
    committed = tmp_path / "Pulumi.local.yaml"
    committed.write_text("config: {}\n")
    working = tmp_path / "stacks" / "Pulumi.lab.yaml"
    working.parent.mkdir()
    working.write_text("encryptionsalt: &salt v1:abc\nconfig: {x: *salt}\n")
    monkeypatch.setattr(stackfile, "template", lambda stack: committed)
    monkeypatch.setattr(stackfile, "STACKS_DIR", tmp_path / "stacks")
    monkeypatch.setattr(stackfile, "stack_file", lambda lab: working)
    with pytest.raises(ConfigError) as refused:
        stackfile.write("lab", "local", tmp_path, {"swarmlab:hosts": []})
    assert str(refused.value) == (f"{working} line 1: YAML aliases (*name) are not allowed, nor "
                                  "their anchors (&name)")
    assert working.read_text().startswith("encryptionsalt: &salt v1:abc")
