"""The Engine API through `docker system dial-stdio`: secrets travel in the request body on
stdin, never in a command line."""

from __future__ import annotations

import json

import pytest

from modules.docker import engine, swarm
from modules.ssh import RemoteError
from tests.support.fakes import TARGET, FakeHosts
from tests.support.http import http

TOKEN = "SWMTKN-1-" + "t" * 50


def test_the_join_token_travels_in_the_request_body_on_stdin(monkeypatch):
    hosts = FakeHosts(lambda host, command, stdin: (0, http(200, ""), "")).install(monkeypatch)
    swarm.join(TARGET, TOKEN, "192.168.1.11", "192.168.1.10", availability="drain")
    assert hosts.ran() == ["docker system dial-stdio"]
    assert all("SWMTKN" not in command for _, command in hosts.commands)
    stdin = hosts.stdins[0]
    assert stdin is not None
    head, _, body = stdin.decode().partition("\r\n\r\n")
    assert head.startswith("POST /swarm/join HTTP/1.1\r\n")
    assert json.loads(body) == {"ListenAddr": "192.168.1.11:2377", "AdvertiseAddr": "192.168.1.11",
                                "RemoteAddrs": ["192.168.1.10:2377"], "JoinToken": TOKEN,
                                "Availability": "drain"}


def test_the_daemons_refusal_is_its_own_message_with_no_token(monkeypatch):
    answer = http(400, json.dumps({"message": f"invalid join token {TOKEN}"}), chunked=True)
    FakeHosts(lambda host, command, stdin: (0, answer, "")).install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        swarm.join(TARGET, TOKEN, "192.168.1.11", "192.168.1.10")
    assert str(caught.value) == ("worker (192.168.1.11): `POST /swarm/join (Engine API)` failed: "
                                 "invalid join token [secret]")


def test_no_http_answer_reports_what_the_cli_said(monkeypatch):
    FakeHosts(lambda host, command, stdin: (1, "", "Cannot connect to the Docker daemon at x")
              ).install(monkeypatch)
    with pytest.raises(RemoteError, match="dockerd is not running on worker"):
        engine.call(TARGET, "POST", "/swarm/unlock", {"UnlockKey": "SWMKEY-1-x"})


def test_responses_are_parsed_plain_and_chunked():
    assert engine.parse_response(http(200, "OK").encode()) == engine.Response(200, b"OK")
    assert engine.parse_response(http(503, '{"message":"m"}', chunked=True).encode()).message() == "m"
    with pytest.raises(ValueError):
        engine.parse_response(b"")
