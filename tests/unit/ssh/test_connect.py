"""Connecting, against a real SSH server on the loopback: it goes ahead only when the lab's
known_hosts holds the server's own key (an unknown or changed key is refused, naming the
file) and the server accepts the lab's key; a refusal is never retried. (Files that are not
what they should be: tests/unit/badinput/test_ssh_files.py.)"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from modules.ssh import RemoteError, TransientError, run
from modules.ssh import session as ssh_session
from tests.support import sshserver


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[sshserver.Server]:
    with sshserver.serving(tmp_path) as running:
        yield running


def _connect_with(server: sshserver.Server, known_hosts: Path, lines: str) -> str:
    known_hosts.write_text(lines)
    target = server.target(known_hosts)
    try:
        return run(target, "echo ok").stdout
    finally:
        ssh_session.forget(target)


def test_a_host_whose_key_is_in_known_hosts_is_reached(server, tmp_path):
    assert _connect_with(server, tmp_path / "known_hosts", server.known_hosts_line()) == "ok\n"


def test_a_host_key_missing_from_known_hosts_is_refused(server, tmp_path):
    known = tmp_path / "known_hosts"
    other, _ = sshserver.new_key()
    lines = f"[127.0.0.1]:{server.port + 1} {other.get_name()} {other.get_base64()}\n"
    with pytest.raises(RemoteError) as caught:
        _connect_with(server, known, lines)
    assert str(caught.value) == (f"worker (192.168.1.11): host key is not in {known}; "
                                 "refusing to connect")
    assert not isinstance(caught.value, TransientError)


def test_a_changed_host_key_is_refused(server, tmp_path):
    known = tmp_path / "known_hosts"
    other, _ = sshserver.new_key()
    with pytest.raises(RemoteError) as caught:
        _connect_with(server, known, server.known_hosts_line(other))
    assert str(caught.value).startswith(f"worker (192.168.1.11): host key does not match {known}; "
                                        "refusing to connect (")
    assert not isinstance(caught.value, TransientError)


def test_a_key_the_host_does_not_accept_is_refused_and_not_retried(server, tmp_path):
    other = tmp_path / "other_key"
    other.write_text(sshserver.new_key()[1])
    known = tmp_path / "known_hosts"
    known.write_text(server.known_hosts_line())
    target = dataclasses.replace(server.target(known), key_file=str(other))
    with pytest.raises(RemoteError) as caught:
        run(target, "echo ok")
    assert str(caught.value) == (f"worker (192.168.1.11): SSH authentication as root with "
                                 f"{other} failed: Authentication failed.")
    assert not isinstance(caught.value, TransientError)
