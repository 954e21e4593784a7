"""Checks: the probes a host runs, what their exit codes mean, and the gate's stand-ins."""

from __future__ import annotations

import subprocess

from modules.checks import builtin
from modules.checks.gate import gate
from modules.checks.model import Check, Result, Source
from modules.docker import probe
from tests.support.fakes import MANAGER, TARGET, FakeHosts
from tests.support.stacks import local_spec

APP = Source("service", "app", "manager")


def test_a_probe_script_runs_every_probe_and_reports_each(tmp_path):
    checks = [(0, Check("ping", Source("host", "manager", "manager"), target="127.0.0.1")),
              (1, Check("tcp", Source("host", "manager", "manager"), target="127.0.0.1", port=1))]
    script = probe.script(checks).replace("$(command -v busybox || true) ", "")
    out = subprocess.run(["sh", "-c", script.replace("ping -c 1", "true ping -c 1")
                          .replace("nc -w", "false nc -w")], capture_output=True, text=True).stdout
    assert probe.parse(out) == {0: (0, ""), 1: (1, "")}


def test_the_lines_say_exactly_what_was_tried():
    check = Check("http", APP, target="web", port=80, network="myoverlay", expect="fail")
    assert check.tried() == "service app on manager: HTTP GET http://web:80/ on myoverlay"


def test_exit_codes_mean_reached_refused_skipped_or_error(monkeypatch):
    codes = {"a": 0, "b": 1, "c": 127, "d": probe.NO_SOURCE, "e": probe.NO_KERNEL_FEATURE}

    def handle(host, command, stdin):
        return 0, "\n".join(f"PROBE {i} {code} last line" for i, code in enumerate(codes.values())), ""

    FakeHosts(handle).install(monkeypatch)
    checks = [Check("ping", APP, target=t, requires="esp" if t == "e" else "") for t in codes]
    from modules.checks.run import run_once
    results = run_once({"manager": MANAGER}, checks)
    assert [(r.outcome, r.missing) for r in results] == [
        ("reached", ""), ("refused", ""), ("skipped", "tool"), ("error", ""), ("skipped", "kernel")]
    assert [r.passed for r in results] == [True, False, True, False, True]


def test_expect_fail_passes_only_when_refused(monkeypatch):
    FakeHosts(lambda h, c, s: (0, "PROBE 0 1 x\nPROBE 1 0 y", "")).install(monkeypatch)
    from modules.checks.run import run_once
    results = run_once({"manager": MANAGER}, [Check("dns", APP, target="web2", expect="fail")] * 2)
    assert [r.passed for r in results] == [True, False]


def test_a_source_without_ping_lets_the_other_side_of_the_pair_try(monkeypatch):
    spec = local_spec(services=[{"name": "web", "network": "myoverlay", "node": "worker",
                                 "image": "nginx:1.27"},
                                {"name": "app", "network": "myoverlay", "node": "manager"}],
                      validate=None)
    first = next(c for c in builtin.service_checks(spec) if c.kind == "ping")
    assert (first.source.name, first.target) == ("app", "tasks.web")
    other = builtin.reverse(first, spec)
    assert other is not None and (other.source.name, other.target) == ("web", "tasks.app")

    def handle(host, command, stdin):  # the manager's app has no ping; the worker's web has
        return 0, "PROBE 0 127 exec: ping not found" if host == "manager" else "PROBE 0 0 ", ""

    FakeHosts(handle).install(monkeypatch)
    results = gate({"manager": MANAGER, "worker": TARGET}, [[first, other]], timeout=0)
    assert [(r.check.source.name, r.outcome) for r in results] == [("web", "reached")]


def test_every_host_must_be_in_the_swarm_and_its_probe_says_so(tmp_path):
    spec = local_spec(validate=None)
    swarm = [c for c in builtin.service_checks(spec) if c.kind == "swarm"]
    assert [c.source.host for c in swarm] == [h.name for h in spec.hosts]
    script = probe.script([(0, swarm[0])])
    for state, code in (("active", 0), ("inactive", 1), ("pending", 1)):
        fake = tmp_path / "docker"
        fake.write_text(f"#!/bin/sh\necho {state}\n")
        fake.chmod(0o755)
        out = subprocess.run(["sh", "-c", script], capture_output=True, text=True,
                             env={"PATH": f"{tmp_path}:/usr/bin:/bin"}).stdout
        assert probe.parse(out)[0][0] == code, state


def test_the_gates_read_tries_no_network_probe_while_something_is_missing(monkeypatch):
    from modules.providers.readiness import ReadinessProvider

    checks = [[Check("swarm", Source("host", "worker", "worker")).as_dict()],
              [Check("ping", APP, target="tasks.web").as_dict()]]
    props = {"targets": {"manager": MANAGER.as_dict(), "worker": TARGET.as_dict()},
             "checks": checks, "timeout": 60, "ready": True}
    fake = FakeHosts(lambda host, command, stdin: (0, "PROBE 0 1 ", ""))
    fake.install(monkeypatch)
    found = ReadinessProvider().read("readiness", props)
    assert found.outs["ready"] is False
    assert [host for host, _ in fake.commands] == ["worker"], "a network probe was tried"


def test_the_gate_mends_lost_names_again_while_it_waits(monkeypatch):
    """Docker dropped a bridge's records on the manager, and dropped them again after the
    first mend: the update's wait mends them once more instead of waiting out its timeout."""
    from modules.providers import readiness

    by_name = Check("ping", Source("container", "web", "manager"), target="db")
    rounds = iter(["refused", "refused", "reached"])
    mended: list[str] = []
    monkeypatch.setattr(readiness, "HEAL_EVERY", 0.0)
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", lambda seconds: None)
    monkeypatch.setattr(readiness, "gate", lambda targets, alternatives, timeout:
                        [Result(by_name, next(rounds))])
    monkeypatch.setattr(readiness.container, "register_names_again",
                        lambda target: mended.append(target.name))
    results = readiness._wait_until_it_works({"manager": MANAGER}, [[by_name]], 60)
    assert [r.outcome for r in results] == ["reached"] and mended == ["manager", "manager"]


def test_the_gates_wait_tries_again_only_the_checks_still_failing(monkeypatch):
    from modules.providers import readiness

    works = Check("ping", APP, target="tasks.web")
    settles = Check("ping", APP, target="tasks.db")
    outcomes = {works.target: iter(["reached"]), settles.target: iter(["refused", "reached"])}
    asked: list[list[str]] = []

    def gate(targets, alternatives, timeout):
        asked.append([alts[0].target for alts in alternatives])
        return [Result(alts[0], next(outcomes[alts[0].target])) for alts in alternatives]

    monkeypatch.setattr(readiness, "gate", gate)
    monkeypatch.setattr("modules.ssh.waiting.time.sleep", lambda seconds: None)
    results = readiness._wait_until_it_works({"manager": MANAGER}, [[works], [settles]], 60)
    assert [r.outcome for r in results] == ["reached", "reached"]
    assert asked == [["tasks.web", "tasks.db"], ["tasks.db"]]
