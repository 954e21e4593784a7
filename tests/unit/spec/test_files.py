"""The settings that name files are read and checked before any SSH connection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modules.spec import ConfigError
from modules.spec.files import load

MANAGER = {"name": "manager", "address": "192.168.1.10", "role": "manager"}
HINT = "the hosts tool makes it: run `make hosts`, or point the key at yours"


@pytest.fixture()
def lab(tmp_path: Path) -> Path:
    (tmp_path / ".lab").mkdir()
    (tmp_path / ".lab" / "id_ed25519").write_text("key\n")
    (tmp_path / ".lab" / "known_hosts").write_text("manager ssh-ed25519 AAAA\n")
    (tmp_path / ".lab" / "hosts.json").write_text(json.dumps([MANAGER]))
    return tmp_path


def test_the_hosts_file_gives_the_hosts_and_paths_become_absolute(lab: Path) -> None:
    spec = load({"hostsFile": ".lab/hosts.json"}, lab)
    assert [h.name for h in spec.hosts] == ["manager"]
    assert spec.ssh.key_file == str(lab / ".lab" / "id_ed25519")
    assert spec.ssh.known_hosts_file == str(lab / ".lab" / "known_hosts")


@pytest.mark.parametrize(("path", "content", "message"), [
    (".lab/hosts.json", None, "swarmlab:hostsFile: '.lab/hosts.json' is not valid; allowed: a file "
     "that exists ({lab}/.lab/hosts.json does not; the hosts tool writes it: run `make hosts`)"),
    (".lab/hosts.json", "", "swarmlab:hostsFile: '.lab/hosts.json' is not valid; allowed: a file "
     "that is not empty ({lab}/.lab/hosts.json is; the hosts tool writes it: run `make hosts`)"),
    (".lab/hosts.json", "[{", "swarmlab:hostsFile: '.lab/hosts.json' is not valid; allowed: a "
     "JSON list of hosts ({lab}/.lab/hosts.json: Expecting property name enclosed in double "
     "quotes: line 1 column 3 (char 2))"),
    (".lab/id_ed25519", None, "swarmlab:sshKeyFile: '.lab/id_ed25519' is not valid; allowed: a "
     "file that exists ({lab}/.lab/id_ed25519 does not; " + HINT + ")"),
    (".lab/known_hosts", "", "swarmlab:sshKnownHostsFile: '.lab/known_hosts' is not valid; "
     "allowed: a file that is not empty ({lab}/.lab/known_hosts is; " + HINT + ")"),
])
def test_a_missing_or_empty_file_is_named_with_its_key(lab: Path, path: str, content: str | None,
                                                       message: str) -> None:
    target = lab / path
    if content is None:
        target.unlink()
    else:
        target.write_text(content)
    with pytest.raises(ConfigError) as caught:
        load({"hostsFile": ".lab/hosts.json"}, lab)
    assert str(caught.value) == message.format(lab=lab)


def test_a_host_list_that_cannot_be_read_is_named_with_its_key(
        lab: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refused)
    with pytest.raises(ConfigError) as caught:
        load({"hostsFile": ".lab/hosts.json"}, lab)
    assert str(caught.value) == (f"swarmlab:hostsFile: '.lab/hosts.json' is not valid; allowed: "
                                 f"a file this user can read ({lab}/.lab/hosts.json: Permission "
                                 "denied)")


def test_a_yaml_file_that_cannot_be_read_is_named(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from modules.spec import yamlfile

    def refused(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    (tmp_path / "checks.yaml").write_text("[]\n")
    monkeypatch.setattr(Path, "open", refused)
    with pytest.raises(ConfigError) as caught:
        yamlfile.load(tmp_path / "checks.yaml", "checks.yaml")
    assert str(caught.value) == "checks.yaml: cannot be read (Permission denied)"
