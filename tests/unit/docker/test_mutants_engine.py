"""modules.docker.engine exactly: the bytes of each request, how responses are parsed
(sized, chunked, to the end), and what a missing or failed answer raises."""

from __future__ import annotations

import json

import pytest

from modules.docker import engine
from modules.ssh import RemoteError, TransientError
from tests.support.fakes import TARGET, FakeHosts
from tests.support.http import http

LABEL = "worker (192.168.1.11)"


def test_a_request_with_a_body():
    assert engine._request("POST", "/swarm/unlock", {"UnlockKey": "k"}) == (
        b'POST /swarm/unlock HTTP/1.1\r\nHost: docker\r\nContent-Length: 18\r\n'
        b'Connection: close\r\nContent-Type: application/json\r\n\r\n{"UnlockKey": "k"}')


def test_a_request_without_a_body_not_the_last():
    assert engine._request("GET", "/info", None, last=False) == (
        b"GET /info HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n")


def test_an_empty_body_is_still_json():
    assert engine._request("POST", "/x", {}) == (
        b"POST /x HTTP/1.1\r\nHost: docker\r\nContent-Length: 2\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\n\r\n{}")


def test_message_of_an_error_body():
    assert engine.Response(500, b'{"message": "boom"}').message() == "boom"
    assert engine.Response(500, b'{"other": 1}').message() == ""
    assert engine.Response(500, b" plain text\n").message() == "plain text"
    assert engine.Response(500, b'["a list"]').message() == '["a list"]'
    assert engine.Response(500, b"\xff bad").message() == "\ufffd bad"


def test_chunked_bodies_with_extensions_and_several_chunks():
    raw = b"4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\nREST"
    assert engine._dechunked_length(raw) == (b"Wikipedia", len(raw) - 4)
    assert engine._dechunked_length(b"a\r\n0123456789\r\n0\r\n\r\n") == (b"0123456789", 20)
    assert engine._dechunked_length(b"\r\n\r\nX") == (b"", 4)


def test_pipelined_responses_in_order():
    raw = (http(200, "first", chunked=True) + http(404, "second")
           + "HTTP/1.0 500 Oops\r\nX-Other: y\r\n\r\nto the end").encode()
    assert engine.parse_responses(raw) == [engine.Response(200, b"first"),
                                          engine.Response(404, b"second"),
                                          engine.Response(500, b"to the end")]


def test_header_names_and_chunked_are_case_insensitive():
    raw = b"HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
    assert engine.parse_responses(raw) == [engine.Response(200, b"ok")]
    raw = b"HTTP/1.1 201 OK\r\nCONTENT-LENGTH :  2 \r\n\r\nokHTTP/1.1 204 X\r\nContent-Length: 0\r\n\r\n"
    assert engine.parse_responses(raw) == [engine.Response(201, b"ok"), engine.Response(204, b"")]


def test_trailing_whitespace_is_no_response():
    assert engine.parse_responses(http(200, "x").encode() + b"\r\n  ") == [engine.Response(200, b"x")]
    assert engine.parse_responses(b"") == []


@pytest.mark.parametrize("raw", [b"garbage", b"HTTP/2 200 OK\r\n\r\n", b"HTTP/1.1 200 OK"])
def test_what_is_not_http_is_refused(raw):
    with pytest.raises(ValueError) as caught:
        engine.parse_responses(raw)
    assert str(caught.value) == f"not an HTTP response: {raw[:80]!r}"


def test_parse_response_takes_the_first_or_refuses_nothing():
    assert engine.parse_response((http(200, "a") + http(200, "b")).encode()) == \
        engine.Response(200, b"a")
    with pytest.raises(ValueError, match=r"^no HTTP response$"):
        engine.parse_response(b"  ")


def test_pipeline_sends_every_request_on_stdin_of_one_command(monkeypatch):
    hosts = FakeHosts(lambda h, c, s: (0, http(200, "a") + http(200, "b"), "")).install(monkeypatch)
    found = engine.pipeline(TARGET, [("GET", "/info", None), ("POST", "/x", {"A": 1})], timeout=9)
    assert found == [engine.Response(200, b"a"), engine.Response(200, b"b")]
    assert hosts.commands == [("worker", "docker system dial-stdio")]
    assert hosts.stdins == [engine._request("GET", "/info", None, last=False)
                            + engine._request("POST", "/x", {"A": 1}, last=True)]
    assert hosts.limits == [9]


def test_pipeline_default_timeout_is_the_hosts(monkeypatch):
    hosts = FakeHosts(lambda h, c, s: (0, http(200, ""), "")).install(monkeypatch)
    engine.api(TARGET, "GET", "/info")
    assert hosts.limits == [TARGET.command_timeout]
    assert hosts.stdins == [engine._request("GET", "/info", None)]


def test_too_few_answers_raise_what_the_cli_said(monkeypatch):
    FakeHosts(lambda h, c, s: (0, http(200, "a"), " rpc error: code = Unavailable \n")
              ).install(monkeypatch)
    with pytest.raises(TransientError) as caught:
        engine.pipeline(TARGET, [("GET", "/info", None), ("GET", "/nodes", None)])
    assert str(caught.value) == (f"{LABEL}: `GET /info GET /nodes (Engine API)` failed: "
                                 "rpc error: code = Unavailable")


def test_a_garbled_answer_with_a_silent_cli_says_no_answer(monkeypatch):
    FakeHosts(lambda h, c, s: (1, "garbage", "")).install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        engine.api(TARGET, "GET", "/info")
    assert type(caught.value) is RemoteError
    assert str(caught.value) == f"{LABEL}: `GET /info (Engine API)` failed: no answer from dockerd"


def test_call_passes_a_success_and_its_timeout(monkeypatch):
    hosts = FakeHosts(lambda h, c, s: (0, http(399, "fine"), "")).install(monkeypatch)
    assert engine.call(TARGET, "POST", "/a", {"B": 2}, timeout=4) == engine.Response(399, b"fine")
    assert hosts.limits == [4]
    assert hosts.stdins == [engine._request("POST", "/a", {"B": 2})]


def test_api_passes_its_timeout(monkeypatch):
    hosts = FakeHosts(lambda h, c, s: (0, http(500, "x"), "")).install(monkeypatch)
    assert engine.api(TARGET, "GET", "/a", timeout=3) == engine.Response(500, b"x")
    assert hosts.limits == [3]


def test_call_raises_the_daemons_message_from_400(monkeypatch):
    FakeHosts(lambda h, c, s: (0, http(400, {"message": "update out of sequence"}), "")
              ).install(monkeypatch)
    with pytest.raises(TransientError) as caught:
        engine.call(TARGET, "POST", "/swarm/update")
    assert str(caught.value) == (f"{LABEL}: `POST /swarm/update (Engine API)` failed: "
                                 "update out of sequence")


def test_call_sends_no_body_by_default(monkeypatch):
    hosts = FakeHosts(lambda h, c, s: (0, http(200, json.dumps({})), "")).install(monkeypatch)
    engine.call(TARGET, "GET", "/swarm")
    assert hosts.stdins == [engine._request("GET", "/swarm", None)]


def test_a_head_with_undecodable_bytes_is_read():
    raw = b"HTTP/1.1 200 OK\r\nX-Name: \xff\r\nContent-Length: 2\r\n\r\nok"
    assert engine.parse_responses(raw) == [engine.Response(200, b"ok")]


def test_a_refused_answer_shows_its_first_80_bytes():
    raw = b"x" * 100
    with pytest.raises(ValueError) as caught:
        engine.parse_responses(raw)
    assert str(caught.value) == "not an HTTP response: b'" + "x" * 80 + "'"
