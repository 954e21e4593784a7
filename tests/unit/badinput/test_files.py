"""Bad files: a committed stack, a lab's working stack file, the stack file Pulumi reads, a
--checks file and the host list swarmlab:hostsFile names. Each is refused with one line naming
the file (and line) or the key, and what is allowed: no traceback, no file expanded without
bound (YAML aliases), and never the content of a file a key points at."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from modules.spec import ConfigError
from modules.spec.files import load
from modules.spec.pulumi_config import stack_file_keys
from tests.support.badinput import Bad, ids
from tools.lab import __main__ as lab_tool
from tools.lab import labs, stackfile
from tools.lab import spec as lab

# What a credentials file holds (base64 of user:s3cret): no message may show it.
SECRET = "dXNlcjpzM2NyZXQ="
ALIASES = "YAML aliases (*name) are not allowed"
CONFIG = "allowed: a mapping of keys such as swarmlab:hosts to their values"
HOST_LIST = "swarmlab:hostsFile: the host list in 'hosts.json' is not valid"
ENTRY = "an object with keys name, address, role, user, ssh"
MANAGER = {"name": "manager", "address": "192.168.1.10", "role": "manager"}


def bomb(key: str, levels: int = 9) -> str:
    """A billion laughs: a few hundred bytes that expand to 9**levels strings."""
    laughs = ", ".join(['"lol"'] * 9)
    lines = ["config:", f"  x0: &a0 [{laughs}]"]
    lines += [f"  x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    lines.append(f"  {key}: [{', '.join([f'*a{levels - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def nested(depth: int) -> str:
    return "config:\n  swarmlab:validate: " + "[" * depth + "]" * depth + "\n"


@dataclass(frozen=True)
class File:
    """A file and the way in: `stack` (a committed stack, `make stack`/`subnet`), `subnet`
    (`python -m tools.lab subnet`), `working` (a lab's working stack file, read by every
    verb), `pulumi` (the stack file the program reads), `checks` (--checks), `hosts`
    (swarmlab:hostsFile). `content` None: no file; a dict: a folder."""

    entry: str
    content: str | bytes | dict | None


def bad(label: str, entry: str, content: str | bytes | dict | None, *refusal: str) -> Bad:
    return Bad("files", label, File(entry, content), refusal)


def hosts(data: object) -> str:
    return json.dumps(data)


CASES = [
    # a committed stack: aliases, shapes, syntax, size
    bad("an alias bomb in lanSubnet", "stack", bomb("swarmlab:lanSubnet"),
        f"stacks/Pulumi.bad.yaml line 2: {ALIASES}"),
    bad("a merge key that expands an alias", "stack",
        "base: &base {swarmlab:image: x}\nconfig:\n  <<: *base\n",
        f"stacks/Pulumi.bad.yaml line 1: {ALIASES}"),
    bad("an anchor on its own", "stack", "config:\n  swarmlab:endpointMode: &m vip\n",
        f"stacks/Pulumi.bad.yaml line 2: {ALIASES}"),
    bad("config as a list", "stack", "config:\n  - swarmlab:hosts\n",
        f"stacks/Pulumi.bad.yaml: config: a list is not valid; {CONFIG}"),
    bad("config as a word", "stack", "config: abc\n",
        f"stacks/Pulumi.bad.yaml: config: a string is not valid; {CONFIG}"),
    bad("a config key that is a number", "stack", "config:\n  1: x\n",
        f"stacks/Pulumi.bad.yaml: config: a key that is a number is not valid; {CONFIG}"),
    bad("a stack that is a list", "stack", "- config\n",
        "stacks/Pulumi.bad.yaml: a list is not valid; allowed: a Pulumi stack file: a mapping "
        "with `config:`"),
    bad("unclosed YAML", "stack", "config:\n  swarmlab:validate: [a, b\n",
        "stacks/Pulumi.bad.yaml line 3: not valid YAML (expected ',' or ']', but got '<stream end>')"),
    bad("two documents", "stack", "config: {}\n---\nconfig: {}\n",
        "stacks/Pulumi.bad.yaml line 2: not valid YAML (expected a single document in the stream "
        "but found another document)"),
    bad("a python object tag", "stack", "config:\n  x: !!python/object/apply:os.system [id]\n",
        "stacks/Pulumi.bad.yaml line 2: not valid YAML (could not determine a constructor for"),
    bad("nesting 40 levels deep", "stack", nested(40),
        "stacks/Pulumi.bad.yaml line 2: nested deeper than 32 levels"),
    bad("not UTF-8", "stack", b"config:\n  swarmlab:image: \xff\xfe\n",
        "stacks/Pulumi.bad.yaml: not UTF-8 text (byte 26)"),
    bad("a bell character", "stack", "config:\n  swarmlab:image: a\x07b\n",
        "stacks/Pulumi.bad.yaml: not valid YAML (a character YAML does not allow, at character 27)"),
    bad("more than 1 MiB", "stack", "config:\n" + "#" * (1 << 20),
        "stacks/Pulumi.bad.yaml: larger than 1024 KiB"),
    bad("an alias bomb through `python -m tools.lab subnet`", "subnet", bomb("swarmlab:lanSubnet", 5),
        f"[lab] stacks/Pulumi.bad.yaml line 2: {ALIASES}"),
    # the files the tools and the program read
    bad("an alias in a lab's working stack file", "working", "config: &c {}\n",
        f"Pulumi.bad.yaml line 1: {ALIASES}"),
    bad("an alias in the stack file the program reads", "pulumi", bomb("swarmlab:overlays", 3),
        f"Pulumi.bad.yaml line 2: {ALIASES}"),
    bad("a stack file the program reads that is a string", "pulumi", "swarmlab\n",
        "Pulumi.bad.yaml: a string is not valid; allowed: a Pulumi stack file"),
    # --checks
    bad("an alias bomb in --checks", "checks", bomb("x").replace("config:\n", "y:\n"),
        f"checks.yaml line 2: {ALIASES}"),
    bad("a --checks file that does not exist", "checks", None, "checks.yaml: no such file"),
    bad("a --checks folder", "checks", {}, "checks.yaml: not a regular file"),
    bad("a --checks file with an unclosed quote", "checks", "- name: 'x\n",
        "checks.yaml line 2: not valid YAML (found unexpected end of stream)"),
    bad("a --checks file that is a mapping", "checks", "ping: web\n",
        "--checks ", "checks.yaml: swarmlab:validate: {'ping': 'web'} is not valid; allowed: a "
        "list of checks"),
    # swarmlab:hostsFile: never its content
    bad("a credentials file as the host list", "hosts",
        hosts({"auths": {"registry.example": {"auth": SECRET}}}),
        f"{HOST_LIST} (the whole list); allowed: a list of {{name, address, role[, user, ssh]}}"),
    bad("a list of tokens as the host list", "hosts", hosts([SECRET, SECRET]),
        f"{HOST_LIST} (entry [0]); allowed: {ENTRY}"),
    bad("a host list with a secret as a key", "hosts", hosts([{**MANAGER, SECRET: 1}]),
        f"{HOST_LIST} (entry [0]); allowed: {ENTRY} (no others)"),
    bad("a host list with a secret as a name", "hosts", hosts([{**MANAGER, "name": SECRET}]),
        f"{HOST_LIST} (entry [0].name); allowed: lowercase letters, digits and '-'"),
    bad("a host list with a secret as an address", "hosts", hosts([{**MANAGER, "address": SECRET}]),
        f"{HOST_LIST} (entry [0].address); allowed: an IPv4 address"),
    bad("a host list that is one string", "hosts", hosts(SECRET),
        f"{HOST_LIST} (the whole list); allowed: a list of {{name"),
    bad("a private key as the host list", "hosts",
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n-----END OPENSSH PRIVATE KEY-----\n",
        "swarmlab:hostsFile: 'hosts.json' is not valid; allowed: a JSON list of hosts (",
        "hosts.json: Expecting value: line 1 column 1 (char 0))"),
    bad("a folder as the host list", "hosts", {},
        "swarmlab:hostsFile: 'hosts.json' is not valid; allowed: a regular file ("),
    bad("a host list that is not UTF-8", "hosts", b"[\xff" + SECRET.encode() + b"]",
        "swarmlab:hostsFile: 'hosts.json' is not valid; allowed: a JSON list of hosts (",
        "hosts.json is not UTF-8 JSON)"),
    bad("a host list larger than 1 MiB", "hosts", "[" + " " * (1 << 20) + "]",
        "swarmlab:hostsFile: 'hosts.json' is not valid; allowed: a JSON list of hosts (",
        "hosts.json is larger than 1024 KiB)"),
    bad("a host list nested 100000 deep", "hosts", "[" * 100_000 + "]" * 100_000,
        "swarmlab:hostsFile: 'hosts.json' is not valid; allowed: a JSON list of hosts (",
        "hosts.json is not UTF-8 JSON)"),
]


def _write(path: Path, content: str | bytes | dict | None) -> Path:
    if isinstance(content, dict):
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content)
    return path


def refusal(file: File, tmp: Path, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> str:
    """The refusal of the file through its way in."""
    for module in (labs, stackfile):
        monkeypatch.setattr(module, "template", lambda stack: tmp / f"Pulumi.{stack}.yaml")
    if file.entry in ("stack", "subnet"):
        _write(tmp / "Pulumi.bad.yaml", file.content)
        if file.entry == "subnet":
            assert lab_tool.main(["subnet", "--stack", "bad"]) == 2
            return capsys.readouterr().err
        with pytest.raises(ValueError) as refused:
            stackfile.settings("bad", tmp)
        return str(refused.value)
    if file.entry == "working":
        monkeypatch.setattr(labs, "stack_file", lambda name: tmp / f"Pulumi.{name}.yaml")
        _write(tmp / "Pulumi.bad.yaml", file.content)
        with pytest.raises(ValueError) as refused:
            lab.settings("bad")
        return str(refused.value)
    if file.entry == "pulumi":
        (tmp / "Pulumi.yaml").write_text("name: swarmlab\n")
        _write(tmp / "Pulumi.bad.yaml", file.content)
        with pytest.raises(ConfigError) as refused:
            stack_file_keys(tmp, "bad")
        return str(refused.value)
    if file.entry == "checks":
        monkeypatch.setattr(labs, "stack_file", lambda name: tmp / f"Pulumi.{name}.yaml")
        for name in ("key", "known_hosts"):
            (tmp / name).write_text("x\n")
        (tmp / "Pulumi.lab.yaml").write_text(json.dumps({"config": {
            "swarmlab:hosts": [MANAGER], "swarmlab:sshKeyFile": str(tmp / "key"),
            "swarmlab:sshKnownHostsFile": str(tmp / "known_hosts")}}))
        with pytest.raises(ValueError) as refused:
            lab.lab_spec("lab", _write(tmp / "checks.yaml", file.content))
        return str(refused.value)
    assert file.entry == "hosts"
    _write(tmp / "hosts.json", file.content)
    for name in ("key", "known_hosts"):
        (tmp / name).write_text("x\n")
    with pytest.raises(ConfigError) as refused:
        load({"hostsFile": "hosts.json", "sshKeyFile": "key", "sshKnownHostsFile": "known_hosts"},
             tmp)
    return str(refused.value)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_a_bad_file_is_refused_in_one_line_without_its_content(
        case: Bad, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert isinstance(case.value, File)
    message = refusal(case.value, tmp_path, monkeypatch, capsys)
    for words in case.refusal:
        assert words in message
    assert SECRET not in message and "lol" not in message
    assert message.rstrip("\n").isprintable() and len(message) < 1000, message

