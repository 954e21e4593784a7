"""The files a stack names and the YAML a user hands over, exactly: each refusal's whole
message, the bounds, and what a good file gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modules.spec import ConfigError, files, yamlfile

MANAGER = {"name": "manager", "address": "192.168.1.10", "role": "manager"}
HOSTS_HINT = "the hosts tool writes it: run `make hosts`"
KEY_HINT = "the hosts tool makes it: run `make hosts`, or point the key at yours"


@pytest.fixture()
def lab(tmp_path: Path) -> Path:
    (tmp_path / "key").write_text("k\n")
    (tmp_path / "kh").write_text("h\n")
    (tmp_path / "hosts.json").write_text(json.dumps([MANAGER]))
    return tmp_path


def _refusal(call, *args) -> str:
    with pytest.raises(ConfigError) as caught:
        call(*args)
    return str(caught.value)


def test_a_host_list_is_read_relative_to_the_root_or_absolute(lab: Path) -> None:
    assert files.read_host_list(lab, "hosts.json") == [MANAGER]
    assert files.read_host_list(Path("/nonexistent"), str(lab / "hosts.json")) == [MANAGER]
    assert files.read_host_list(lab, 5) is None


def test_a_host_list_that_is_a_flag_or_a_folder(lab: Path) -> None:
    assert _refusal(files.read_host_list, lab, "-x") == (
        "swarmlab:hostsFile: '-x' is not valid; allowed: a file path (not starting with '-')")
    (lab / "dir").mkdir()
    assert _refusal(files.read_host_list, lab, "dir") == (
        f"swarmlab:hostsFile: 'dir' is not valid; allowed: a regular file ({lab}/dir is not one; "
        f"{HOSTS_HINT})")


def test_a_host_list_of_exactly_the_bound_is_read(lab: Path) -> None:
    assert files.MAX_HOST_LIST == 1 << 20
    (lab / "hosts.json").write_text("[" + " " * ((1 << 20) - 2) + "]")
    assert files.read_host_list(lab, "hosts.json") == []
    (lab / "hosts.json").write_text("[" + " " * ((1 << 20) - 1) + "]")
    assert _refusal(files.read_host_list, lab, "hosts.json") == (
        f"swarmlab:hostsFile: 'hosts.json' is not valid; allowed: a JSON list of hosts "
        f"({lab}/hosts.json is larger than 1024 KiB)")


@pytest.mark.parametrize(("content", "why"), [
    (b"[\n  1,\n  x]", "Expecting value: line 3 column 3 (char 9)"),
    (b"\xff", "is not UTF-8 JSON"),
])
def test_a_host_list_that_is_no_json(lab: Path, content: bytes, why: str) -> None:
    (lab / "hosts.json").write_bytes(content)
    sep = ": " if why.startswith("Expecting") else " "
    assert _refusal(files.read_host_list, lab, "hosts.json") == (
        f"swarmlab:hostsFile: 'hosts.json' is not valid; allowed: a JSON list of hosts "
        f"({lab}/hosts.json{sep}{why})")


def test_load_checks_both_ssh_files_and_makes_their_paths_absolute(lab: Path) -> None:
    raw = {"hosts": [MANAGER], "sshKeyFile": "key", "sshKnownHostsFile": str(lab / "kh")}
    spec = files.load(raw, lab)
    assert (spec.ssh.key_file, spec.ssh.known_hosts_file) == (str(lab / "key"), str(lab / "kh"))
    assert [h.name for h in spec.hosts] == ["manager"]
    (lab / "kh").write_text("")
    assert _refusal(files.load, raw, lab) == (
        f"swarmlab:sshKnownHostsFile: '{lab}/kh' is not valid; allowed: a file that is not empty "
        f"({lab}/kh is; {KEY_HINT})")
    (lab / "key").unlink()
    assert _refusal(files.load, raw, lab) == (
        f"swarmlab:sshKeyFile: 'key' is not valid; allowed: a file that exists ({lab}/key does "
        f"not; {KEY_HINT})")


def test_load_reads_the_host_list_only_when_it_is_named(lab: Path) -> None:
    spec = files.load({"hostsFile": "hosts.json", "sshKeyFile": "key",
                       "sshKnownHostsFile": "kh"}, lab)
    assert [h.address for h in spec.hosts] == ["192.168.1.10"]
    assert _refusal(files.load, {"hostsFile": 5, "sshKeyFile": "key"}, lab) == (
        "swarmlab:hostsFile: 5 is not valid; allowed: a file path (not starting with '-')")


# yamlfile

def test_the_yaml_bounds() -> None:
    assert (yamlfile.MAX_BYTES, yamlfile.MAX_DEPTH) == (1 << 20, 32)


def test_a_yaml_file_of_exactly_the_bound_is_read(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\n" + "#" * ((1 << 20) - 5))
    assert yamlfile.load(path, "x.yaml") == {"a": 1}
    path.write_text("a: 1\n" + "#" * ((1 << 20) - 4))
    assert _refusal(yamlfile.load, path, "x.yaml") == (
        "x.yaml: larger than 1024 KiB; a YAML file of settings is far smaller")


def test_nesting_is_counted_after_a_sibling_too(tmp_path: Path) -> None:
    # 31 lists, then a scalar, then two lists more inside the innermost: 33 levels.
    path = tmp_path / "x.yaml"
    path.write_text("[" * 31 + "a, [[]]" + "]" * 31 + "\n")
    assert _refusal(yamlfile.load, path, "x.yaml") == "x.yaml line 1: nested deeper than 32 levels"
    path.write_text("[" * 30 + "a, [[]]" + "]" * 30 + "\n")
    assert yamlfile.load(path, "x.yaml") is not None


def test_a_missing_file_and_a_folder(tmp_path: Path) -> None:
    assert _refusal(yamlfile.load, tmp_path / "no.yaml", "no.yaml") == "no.yaml: no such file"
    assert _refusal(yamlfile.load, tmp_path, "dir") == (
        "dir: not a regular file (a YAML file is needed)")


@pytest.mark.parametrize(("content", "message"), [
    (b"a: \xc3\x28", "x.yaml: not UTF-8 text (byte 3)"),
    (b"a: b\x07", "x.yaml: not valid YAML (a character YAML does not allow, at character 4)"),
    (b"a: 1\n---\nb: 2\n", "x.yaml line 2: not valid YAML (expected a single document in the "
                           "stream but found another document)"),
    (b"a: [1, 2\n", "x.yaml line 2: not valid YAML (expected ',' or ']', but got '<stream end>')"),
    (b"a: 1" + b"0" * 5000, "x.yaml: not valid YAML (a value it cannot read)"),
    (b"a: !!timestamp 2001-13-45", "x.yaml: not valid YAML (a value it cannot read)"),
    (b"a:\n  &x b: 1\n", "x.yaml line 2: YAML aliases (*name) are not allowed, nor their anchors "
                         "(&name)"),
])
def test_a_bad_yaml_file_is_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(content)
    assert _refusal(yamlfile.load, path, "x.yaml") == message


def test_a_long_problem_is_cut_to_one_short_printable_line() -> None:
    assert yamlfile._plain(None) == "not valid YAML"
    assert yamlfile._plain("a\n  b\tc") == "a b c"
    assert yamlfile._plain("caf\u00e9") == "caf\\xe9"
    assert yamlfile._plain("x" * 100) == "x" * 100
    assert yamlfile._plain("x" * 101) == "x" * 97 + "..."


def test_a_file_is_named_by_its_path_outside_the_repository(tmp_path: Path) -> None:
    assert yamlfile.name_of(tmp_path / "x.yaml") == str(tmp_path / "x.yaml")
    path = tmp_path / "x.yaml"
    path.write_text("[1\n")
    assert _refusal(yamlfile.load, path).startswith(f"{path} line 2: not valid YAML (")


@pytest.mark.parametrize(("content", "kind"), [
    ("- a\n", "a list"), ("abc\n", "a string"), ("5\n", "a number"), ("5.5\n", "a number"),
    ("true\n", "a boolean"), ("2001-01-01\n", "a date")])
def test_a_stack_file_is_a_mapping(tmp_path: Path, content: str, kind: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(content)
    assert _refusal(yamlfile.stack_document, path, "s.yaml") == (
        f"s.yaml: {kind} is not valid; allowed: a Pulumi stack file: a mapping with `config:` "
        "(and Pulumi's own keys)")
    assert _refusal(yamlfile.stack_document, path, "s.yaml", "what I say") == (
        f"s.yaml: {kind} is not valid; allowed: what I say")


def test_a_stack_files_config(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("config:\n  true: 1\n")
    assert _refusal(yamlfile.stack_config, path, "s.yaml") == (
        "s.yaml: config: a key that is a boolean is not valid; allowed: a mapping of keys such as "
        "swarmlab:hosts to their values")
    path.write_text("config: 5\n")
    assert _refusal(yamlfile.stack_config, path, "s.yaml") == (
        "s.yaml: config: a number is not valid; allowed: a mapping of keys such as "
        "swarmlab:hosts to their values")
    path.write_text("encryptionsalt: x\n")
    assert yamlfile.stack_config(path, "s.yaml") == {}
    path.write_text("config:\n  a: 1\n")
    assert yamlfile.stack_document(path) == {"config": {"a": 1}}
    assert _refusal(yamlfile.stack_config, tmp_path / "none.yaml").endswith(
        "none.yaml: no such file")


def test_what_is_dumped_keeps_its_order() -> None:
    assert yamlfile.dump({"b": 1, "a": [2]}) == "b: 1\na:\n- 2\n"
