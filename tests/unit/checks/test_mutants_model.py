"""Checks and results as data, exactly: what each kind's line says, how a source is named,
what a provider's float inputs become, and what passes."""

from __future__ import annotations

import pytest

from modules.checks.model import INVENTORY, KINDS, SOURCES, Check, Result, Source, printable

HOST = Source("host", "worker", "worker")
APP = Source("service", "app", "manager")
WEB1 = Source("container", "web1", "manager")


def test_the_kinds_and_sources_are_these() -> None:
    assert KINDS == ("ping", "dns", "http", "tcp", "udp", "swarm", "tasks", "containers",
                     "peers")
    assert INVENTORY == ("swarm", "tasks", "containers")
    assert SOURCES == ("service", "container", "host")


def test_a_source_is_named_by_its_host_or_its_kind_name_and_host() -> None:
    assert HOST.describe() == "worker"
    assert APP.describe() == "service app on manager"
    assert WEB1.describe() == "container web1 on manager"


@pytest.mark.parametrize(("check", "tried"), [
    (Check("ping", APP, target="tasks.web"), "service app on manager: ping tasks.web"),
    (Check("ping", APP, target="tasks.web", network="myoverlay"),
     "service app on manager: ping tasks.web on myoverlay"),
    (Check("dns", WEB1, target="db"), "container web1 on manager: resolve db"),
    (Check("http", HOST, target="192.168.1.10", port=8080),
     "worker: HTTP GET http://192.168.1.10:8080/"),
    (Check("tcp", HOST, target="manager", port=22), "worker: TCP connect manager:22"),
    (Check("udp", HOST, target="192.168.1.11", port=4789),
     "worker: a socket bound on 192.168.1.11 port 4789/udp"),
    (Check("swarm", HOST), "worker: its dockerd is in the swarm (active)"),
    (Check("tasks", HOST, target="web", count=3), "worker: 3 running task(s) of service web"),
    (Check("containers", HOST, target="web1 web2"), "worker: containers web1 web2 running"),
])
def test_each_kind_says_exactly_what_it_tries(check: Check, tried: str) -> None:
    assert check.tried() == tried


def test_a_check_has_these_defaults() -> None:
    check = Check("ping", APP)
    assert (check.target, check.port, check.count, check.network, check.expect, check.timeout,
            check.retries, check.requires, check.label) == ("", 0, 1, "", "pass", 2, 0, "", "")


def test_a_check_goes_through_a_providers_inputs_and_back() -> None:
    check = Check("http", APP, target="web", port=80, count=2, network="myoverlay",
                  expect="fail", timeout=3, retries=4, requires="esp", label="x")
    data = check.as_dict()
    assert data == {"kind": "http", "source": {"kind": "service", "name": "app", "host": "manager"},
                    "target": "web", "port": 80, "count": 2, "network": "myoverlay",
                    "expect": "fail", "timeout": 3, "retries": 4, "requires": "esp", "label": "x"}
    floats = {**data, "port": 80.0, "count": 2.0, "timeout": 3.0, "retries": 4.0}
    back = Check.from_dict(floats)
    assert back == check
    assert [type(getattr(back, k)) for k in ("port", "count", "timeout", "retries")] == [int] * 4


def test_a_check_without_its_numbers_keeps_the_defaults() -> None:
    back = Check.from_dict({"kind": "swarm", "source": {"kind": "host", "name": "w", "host": "w"}})
    assert back == Check("swarm", Source("host", "w", "w"))


def test_a_result_has_these_defaults() -> None:
    result = Result(Check("ping", APP), "reached")
    assert (result.detail, result.missing, result.seconds, result.attempts, result.notes) == (
        "", "", 0.0, 1, [])


@pytest.mark.parametrize(("expect", "outcome", "passed"), [
    ("pass", "reached", True), ("pass", "refused", False), ("pass", "error", False),
    ("pass", "skipped", True), ("fail", "refused", True), ("fail", "reached", False),
    ("fail", "error", False), ("fail", "skipped", True)])
def test_what_passes(expect: str, outcome: str, passed: bool) -> None:
    assert Result(Check("ping", APP, expect=expect), outcome).passed is passed


@pytest.mark.parametrize(("result", "line"), [
    (Result(Check("ping", APP, target="tasks.web"), "reached"),
     "PASS  service app on manager: ping tasks.web -> reached"),
    (Result(Check("ping", APP, target="tasks.web"), "refused", "100% packet loss"),
     "FAIL  service app on manager: ping tasks.web -> refused: 100% packet loss"),
    (Result(Check("ping", APP, target="tasks.web", network="secure_net", label="esp"), "skipped",
            "kernel feature ESP (IPsec) missing", "kernel"),
     "SKIP  [esp] service app on manager: ping tasks.web on secure_net -> skipped: kernel "
     "feature ESP (IPsec) missing"),
    (Result(Check("ping", WEB1, target="web2", expect="fail"), "refused", "bad address"),
     "PASS  container web1 on manager: ping web2 (expected to fail) -> refused: bad address"),
    (Result(Check("ping", WEB1, target="web2", expect="fail"), "skipped"),
     "SKIP  container web1 on manager: ping web2 (expected to fail) -> skipped"),
])
def test_a_result_line(result: Result, line: str) -> None:
    assert result.line() == line


@pytest.mark.parametrize(("text", "shown"), [
    ("plain text über ∆ 名前", "plain text über ∆ 名前"),
    ("a\x1bb", "a\\x1bb"),           # Cc
    ("a\u200bb", "a\\u200bb"),       # Cf
    ("a\ud800b", "a\\ud800b"),       # Cs
    ("a\ue000b", "a\\ue000b"),       # Co
    ("a\u0378b", "a\\u0378b"),       # Cn
    ("a\u2028b", "a\\u2028b"),       # Zl
    ("a\u2029b", "a\\u2029b"),       # Zp
])
def test_printable_escapes_each_unshown_category(text: str, shown: str) -> None:
    assert printable(text) == shown
