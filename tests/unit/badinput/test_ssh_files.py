"""Bad SSH files: the key and known_hosts files swarmlab:sshKeyFile and sshKnownHostsFile name,
used against a real SSH server on the loopback. Each is refused before any command runs, in
one line naming the file and what is allowed, never retried, and never showing what the file
holds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from modules.ssh import RemoteError, TransientError, run
from modules.ssh import session as ssh_session
from tests.support import sshserver
from tests.support.badinput import Bad, ids

# Stand-ins for what only exists once the server runs (its keys are made per test).
LAB_KEY = "<the lab's key>"
HOST_KEY = "<the host's own key line>"
CHANGED = "<a line for the host with another key>"
OTHER_HOST = "<a line for another host>"
OTHER_KEY = "<another private key>"
# What a file may hold that no message may show.
SECRET = "c2VjcmV0LWNvbnRlbnQ"

NOT_A_KEY = ("is not a private key without a passphrase (OpenSSH or PEM)",
             "allowed: the lab's key, as the hosts tool makes it")
NOT_HOST_KEYS = ("has a line that is not a host key",
                 "allowed: lines of `host key-type base64-key`")


@dataclass(frozen=True)
class SshFiles:
    """What the key file and the known_hosts file hold (None: there is no such file)."""

    key: str | bytes | None = LAB_KEY
    known_hosts: str | bytes | None = HOST_KEY


def bad(label: str, files: SshFiles, *refusal: str) -> Bad:
    return Bad("files", label, files, refusal)


CASES = [
    bad("no key file", SshFiles(key=None), "SSH key file", "does not exist"),
    bad("an empty key file", SshFiles(key=""), "SSH key file", *NOT_A_KEY),
    bad("a key file of text", SshFiles(key=f"{SECRET}\n"), "SSH key file", *NOT_A_KEY),
    bad("a key file of bytes", SshFiles(key=b"\x00\xff\xfe" + SECRET.encode()),
        "SSH key file", *NOT_A_KEY),
    bad("a public key as the key file", SshFiles(key=f"ssh-ed25519 {SECRET} lab\n"),
        "SSH key file", *NOT_A_KEY),
    bad("a PEM block that is no key", SshFiles(
        key=f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n-----END OPENSSH PRIVATE KEY-----\n"),
        "SSH key file", *NOT_A_KEY),
    bad("a key the host does not accept", SshFiles(key=OTHER_KEY),
        "SSH authentication as root with", "failed"),
    bad("no known_hosts file", SshFiles(known_hosts=None), "known_hosts file", "does not exist"),
    bad("an empty known_hosts file", SshFiles(known_hosts=""), "host key is not in",
        "refusing to connect"),
    bad("known_hosts of another host only", SshFiles(known_hosts=OTHER_HOST),
        "host key is not in", "refusing to connect"),
    bad("known_hosts with another key for the host", SshFiles(known_hosts=CHANGED),
        "host key does not match", "refusing to connect"),
    bad("known_hosts with a key that is not base64",
        SshFiles(known_hosts=f"{HOST_KEY}lab ssh-ed25519 !{SECRET}\n"), *NOT_HOST_KEYS),
    bad("known_hosts of one word", SshFiles(known_hosts=f"{SECRET}\n"), "host key is not in",
        "refusing to connect"),
    bad("known_hosts of words", SshFiles(known_hosts=f"lab is {SECRET}\n"), *NOT_HOST_KEYS),
    bad("known_hosts of bytes", SshFiles(known_hosts=b"\xff\xfe" + SECRET.encode()),
        *NOT_HOST_KEYS),
]


def _resolve(content: str | bytes, server: sshserver.Server) -> str | bytes:
    if isinstance(content, bytes):
        return content
    other, other_text = sshserver.new_key()
    content = content.replace(HOST_KEY, server.known_hosts_line())
    content = content.replace(CHANGED, server.known_hosts_line(other))
    content = content.replace(OTHER_HOST, f"[127.0.0.1]:{server.port + 1} {other.get_name()} "
                                          f"{other.get_base64()}\n")
    content = content.replace(OTHER_KEY, other_text)
    return content.replace(LAB_KEY, server.client_key_file.read_text())


def _write(path: Path, content: str | bytes | None, server: sshserver.Server) -> None:
    if content is None:
        return
    resolved = _resolve(content, server)
    if isinstance(resolved, bytes):
        path.write_bytes(resolved)
    else:
        path.write_text(resolved)


def test_the_good_files_connect(tmp_path):
    with sshserver.serving(tmp_path) as server:
        files = SshFiles()
        _write(tmp_path / "key", files.key, server)
        _write(tmp_path / "known_hosts", files.known_hosts, server)
        target = server.target(tmp_path / "known_hosts")
        try:
            assert run(target, "true").stdout == "ok\n"
        finally:
            ssh_session.forget(target)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_a_bad_ssh_file_is_refused_naming_it_without_its_content(case: Bad, tmp_path: Path):
    assert isinstance(case.value, SshFiles)
    with sshserver.serving(tmp_path) as server:
        key, known = tmp_path / "key", tmp_path / "known_hosts"
        _write(key, case.value.key, server)
        _write(known, case.value.known_hosts, server)
        target = server.target(known)
        target = type(target)(**{**target.as_dict(), "key_file": str(key)})
        with pytest.raises(RemoteError) as caught:
            run(target, "true")
    message = str(caught.value)
    assert message.startswith("worker (192.168.1.11): ")
    for words in case.refusal:
        assert words in message
    named = key if "key file" in message or "authentication" in message else known
    assert str(named) in message
    assert SECRET not in message and "\n" not in message
    assert not isinstance(caught.value, TransientError), "a bad file is not retried"
