"""The stack's settings as Pulumi hands them over: decoded by each key's kind, and keys the
program does not know found in the stack's own file."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest

from modules.spec import ConfigError
from modules.spec.pulumi_config import decode, read_settings, stack_file_keys
from tests.support import mocks

MANAGER = {"name": "manager", "address": "192.168.1.10", "role": "manager"}


@pytest.mark.parametrize(("kind", "value", "decoded"), [
    ("string", "2160h", "2160h"),
    ("string", "5", "5"),
    ("integer", "7", 7),
    ("boolean", "true", True),
    ("array", json.dumps([MANAGER]), [MANAGER]),
    ("integer", "soon", "soon"),  # the parser names it
])
def test_values_are_decoded_by_kind(kind: str, value: str, decoded: object) -> None:
    assert decode(kind, value) == decoded


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: swarmlab\nstackConfigDir: .lab/stacks\n")
    (tmp_path / ".lab" / "stacks").mkdir(parents=True)
    (tmp_path / ".lab" / "stacks" / "Pulumi.lab1.yaml").write_text(
        "config:\n  swarmlab:endpointMode: dnsrr\n  swarmlab:endpointmode: vip\n  other:x: 1\n")
    return tmp_path


def test_the_stack_files_keys_are_listed(project: Path) -> None:
    assert stack_file_keys(project, "lab1") == ["endpointMode", "endpointmode"]
    assert stack_file_keys(project, "nosuch") == []


def test_an_unknown_key_in_the_stack_file_reaches_the_parser(project: Path) -> None:
    mocks.start("lab1")
    pulumi.runtime.set_all_config({"swarmlab:endpointMode": "dnsrr",
                                   "swarmlab:hosts": json.dumps([MANAGER])})
    raw = read_settings(project)
    assert raw["endpointMode"] == "dnsrr" and raw["hosts"] == [MANAGER]
    from modules.spec import parse_spec
    with pytest.raises(ConfigError, match="swarmlab:endpointmode: unknown key"):
        parse_spec(raw)
