"""What a result means, what its line shows, which checks the gate holds, and how failing
checks are tried again: each up to its own retries, the passing ones left alone; a check
skipped for a missing kernel feature is a skip, never a reason to try a stand-in."""

from __future__ import annotations

import re
import time
import types

import pytest

from modules.checks import builtin, declared, run
from modules.checks.gate import gate
from modules.checks.model import Check, Result, Source
from modules.docker import probe
from tests.support.fakes import MANAGER, TARGET, FakeHosts
from tests.support.stacks import local_spec

APP = Source("service", "app", "manager")
MUST_FAIL = Check("ping", Source("container", "web1", "manager"), target="web2", expect="fail")


@pytest.mark.parametrize(("outcome", "passed"), [
    ("refused", True), ("reached", False), ("error", False), ("skipped", True)])
def test_an_expected_failure_passes_only_when_refused_never_on_an_error(outcome, passed):
    result = Result(MUST_FAIL, outcome)
    assert result.passed is passed
    assert declared.exit_code([result]) == {"refused": 0, "reached": 1, "error": 1,
                                            "skipped": 3}[outcome]


def test_a_result_line_escapes_what_would_drive_the_terminal():
    """Names and answers may come from elsewhere than a checked stack: a line shows every
    control, bidi and separator character as its escape."""
    check = Check("ping", Source("container", "web1", "manager"), target="web2",
                  label="\x1b[2J\x9b2J\u202eSSAP")
    line = Result(check, "refused", "bad address\u2028PASS  [x]\r\n").line()
    assert line == ("FAIL  [\\x1b[2J\\x9b2J\\u202eSSAP] container web1 on manager: ping web2 -> "
                    "refused: bad address\\u2028PASS  [x]\\r\\n")
    assert line.isprintable()


def test_the_gate_holds_every_demo_hosts_containers_and_host_network_server():
    spec = local_spec(validate=None)
    demos = "web1 web2 app db web hostweb isolated"
    expected = []
    for name, address in (("manager", "192.168.1.10"), ("worker", "192.168.1.11")):
        expected += [
            Check("containers", Source("host", name, name), target=demos),
            Check("ping", Source("container", "web", name), target="db", network="myappnet"),
            Check("ping", Source("container", "web1", name), target="@web2", network="bridge"),
            Check("http", Source("container", "web1", name), target=address, port=8080,
                  network="host"),
        ]
    assert builtin.demo_checks(spec) == expected


def test_the_gate_holds_every_host_and_services_tasks():
    spec = local_spec(validate=None)
    checks = builtin.service_checks(spec)
    assert [c.source.host for c in checks if c.kind == "swarm"] == ["manager", "worker"]
    tasks = {(c.target, c.count) for c in checks if c.kind == "tasks"}
    assert tasks == {(s.name, s.replicas) for s in spec.services}


def _answers(statuses: dict[str, list[int]], tried: list[list[str]]):
    """A host that answers each probe by its target, from that target's list of statuses."""
    def handle(host, command, stdin):
        found = re.findall(r"^probe (\d+) .*?(tasks\.\w+)", command, flags=re.M)
        tried.append([target for _, target in found])
        return 0, "\n".join(f"PROBE {i} {statuses[t].pop(0)} x" for i, t in found), ""
    return handle


@pytest.fixture()
def no_pause(monkeypatch):
    monkeypatch.setattr(run, "time", types.SimpleNamespace(monotonic=time.monotonic,
                                                           sleep=lambda seconds: None))


def test_a_failing_check_is_tried_its_retries_more_and_only_it(monkeypatch, no_pause):
    fails = Check("ping", APP, target="tasks.fails", retries=2)
    works = Check("ping", APP, target="tasks.works", retries=2)
    tried: list[list[str]] = []
    FakeHosts(_answers({"tasks.fails": [1, 1, 1, 1], "tasks.works": [0]}, tried)).install(monkeypatch)
    results = run.run_checks({"manager": MANAGER}, [fails, works])
    assert tried == [["tasks.fails", "tasks.works"], ["tasks.fails"], ["tasks.fails"]]
    assert [(r.outcome, r.attempts) for r in results] == [("refused", 3), ("reached", 1)]


def test_a_check_without_retries_is_tried_once(monkeypatch, no_pause):
    tried: list[list[str]] = []
    FakeHosts(_answers({"tasks.fails": [1, 1]}, tried)).install(monkeypatch)
    results = run.run_checks({"manager": MANAGER}, [Check("ping", APP, target="tasks.fails")])
    assert tried == [["tasks.fails"]] and results[0].attempts == 1


def test_retries_stop_once_the_check_passes(monkeypatch, no_pause):
    tried: list[list[str]] = []
    FakeHosts(_answers({"tasks.settles": [1, 0, 0, 0]}, tried)).install(monkeypatch)
    results = run.run_checks({"manager": MANAGER},
                             [Check("ping", APP, target="tasks.settles", retries=5)])
    assert len(tried) == 2 and (results[0].outcome, results[0].attempts) == ("reached", 2)


def test_a_kernel_feature_skip_is_kept_and_no_stand_in_is_tried(monkeypatch):
    """The encrypted overlay on a kernel without ESP: the pair tried the other way round would
    meet the same kernel, and its skip says why; only a missing tool calls a stand-in."""
    first = Check("ping", APP, target="tasks.secure", network="secure_net", requires="esp")
    other = Check("ping", Source("service", "secure", "worker"), target="tasks.app",
                  network="secure_net", requires="esp")
    fake = FakeHosts(lambda host, command, stdin: (
        0, f"PROBE 0 {probe.NO_KERNEL_FEATURE} kernel feature ESP (IPsec) missing on this host",
        ""))
    fake.install(monkeypatch)
    results = gate({"manager": MANAGER, "worker": TARGET}, [[first, other]], timeout=0)
    assert [host for host, _ in fake.commands] == ["manager"]
    assert [(r.check, r.outcome, r.missing) for r in results] == [(first, "skipped", "kernel")]
