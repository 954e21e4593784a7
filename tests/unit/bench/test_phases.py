"""bench.phases: one `pulumi up`'s engine events and SSH log cut into phases."""

from __future__ import annotations

import os
import sys

import pytest

from bench import phases

STACK = "urn:pulumi:bench::swarmlab::"
DYN = "pulumi-python:dynamic:Resource"


def pre(urn: str, op: str = "create", type_: str = DYN) -> dict:
    return {"resourcePreEvent": {"metadata": {"urn": STACK + urn, "type": type_, "op": op}}}


def out(urn: str, type_: str = DYN) -> dict:
    return {"resOutputsEvent": {"metadata": {"urn": STACK + urn, "type": type_}}}


EVENTS = [
    (100.8, {"preludeEvent": {}}),
    (100.9, pre(f"{DYN}::preflight", op="refresh")),
    (101.5, out(f"{DYN}::preflight")),
    (102.0, pre("swarmlab:swarm:Swarm", type_="swarmlab:swarm:Swarm")),
    (102.1, pre(f"{DYN}::preflight")),
    (102.6, out(f"{DYN}::preflight")),
    (102.6, pre(f"swarmlab:swarm:Swarm${DYN}::swarm-init-manager")),
    (104.0, out(f"swarmlab:swarm:Swarm${DYN}::swarm-init-manager")),
    (104.0, pre(f"swarmlab:swarm:Swarm${DYN}::swarm-join-worker")),
    (104.1, pre(f"swarmlab:networks:SwarmNetworks${DYN}::net-myoverlay")),
    (105.0, out(f"swarmlab:networks:SwarmNetworks${DYN}::net-myoverlay")),
    (105.5, out(f"swarmlab:swarm:Swarm${DYN}::swarm-join-worker")),
    (105.5, pre(f"swarmlab:readiness:LabReadiness${DYN}::ready-gate")),
    (107.0, out(f"swarmlab:readiness:LabReadiness${DYN}::ready-gate")),
]
SSH = [{"event": "connect", "start": 102.2}, {"event": "command", "start": 102.3},
       {"event": "command", "start": 103.0}, {"event": "command", "start": 106.0},
       {"event": "command", "start": 106.5}, {"event": "command", "start": 99.0}]


def test_a_resource_is_of_its_components_kind_or_its_own_name() -> None:
    assert phases.kind_of(f"{STACK}swarmlab:swarm:Swarm${DYN}::swarm-init-manager") == (
        "swarm", "swarm-init-manager")
    assert phases.kind_of(f"{STACK}{DYN}::preflight") == ("preflight", "preflight")


def test_components_and_the_stack_are_not_steps_of_their_own() -> None:
    names = [s.name for s in phases.spans(EVENTS)]
    assert names == ["preflight", "preflight", "swarm-init-manager", "net-myoverlay",
                     "swarm-join-worker", "ready-gate"]


def test_phases_follow_one_another_and_count_their_ssh_commands() -> None:
    found = phases.phases(100.0, 107.4, EVENTS, SSH)
    assert [(p.name, round(p.seconds, 2), p.ssh_commands) for p in found] == [
        ("start (CLI, engine, language host)", 0.8, 0),
        ("refresh", 0.7, 0),
        ("program (Python start, spec)", 0.6, 0),
        ("preflight (1)", 0.5, 1),
        ("swarm (2)", 2.9, 1),
        ("networks (1)", 0.9, 0),
        ("readiness (1)", 1.5, 2),
        ("finish (outputs, state)", 0.4, 0),
    ]
    swarm = found[4]
    assert round(swarm.busy, 2) == 2.9  # 1.4 + 1.5: its two steps ran one after the other


def test_the_critical_path_walks_back_from_the_last_step() -> None:
    chain = phases.critical_path(phases.spans(EVENTS))
    assert [s.name for s in chain] == ["preflight", "swarm-init-manager",
                                       "swarm-join-worker", "ready-gate"]


def test_timed_up_stamps_each_event_as_it_is_read(tmp_path) -> None:
    script = ("import sys, time\n"
              "assert sys.argv[-1] == '--json'\n"
              "print('{\"preludeEvent\": {}}', flush=True); time.sleep(0.3)\n"
              "print('a line that is not an event'); print('{\"summaryEvent\": {}}')\n")
    started, ended, events = phases.timed_up([sys.executable, "-c", script], dict(os.environ),
                                             tmp_path)
    assert [next(iter(e)) for _, e in events] == ["preludeEvent", "summaryEvent"]
    assert events[1][0] - events[0][0] >= 0.25 and started <= events[0][0] <= ended


def test_a_failed_up_is_reported_with_its_errors(tmp_path) -> None:
    script = "import sys; sys.stderr.write('error: no stack'); raise SystemExit(3)"
    with pytest.raises(RuntimeError, match=r"failed \(3\):\nerror: no stack"):
        phases.timed_up([sys.executable, "-c", script], dict(os.environ), tmp_path)


def test_the_table_gives_each_phases_median_and_each_ssh_command_once() -> None:
    runs = [phases.phases(100.0, 107.4, EVENTS, SSH), phases.phases(100.0, 108.4, EVENTS, SSH)]
    text = phases.table(runs, phases.critical_path(phases.spans(EVENTS)), [4, 6])
    assert "| readiness (1) | 1.50 s (1.50-1.50) | 1.50 s | 2 |" in text
    assert "| **all of `pulumi up`** | 7.90 s | | 5 |" in text
    assert text.endswith("preflight 0.50 s → swarm-init-manager 1.40 s → swarm-join-worker "
                         "1.50 s → ready-gate 1.50 s")


def test_the_critical_path_of_short_touching_steps_ends() -> None:
    steps = [phases.Span("a", "k", "create", 10.00, 10.03),
             phases.Span("b", "k", "create", 10.00, 10.04),
             phases.Span("c", "k", "create", 10.00, 10.00)]
    assert [s.name for s in phases.critical_path(steps)] == ["b"]


def test_a_phase_only_some_runs_have_is_matched_by_name() -> None:
    with_refresh = phases.phases(100.0, 107.4, EVENTS, SSH)
    without = [p for p in with_refresh if p.name != "refresh"]
    text = phases.table([without, with_refresh], [], [1, 1])
    assert "| refresh | 0.70 s (0.70-0.70) |" in text
    assert "| readiness (1) | 1.50 s (1.50-1.50) | 1.50 s | 2 |" in text


def test_a_failed_up_says_what_its_events_said(tmp_path) -> None:
    event = '{"diagnosticEvent": {"severity": "error", "message": "the lab does not work"}}'
    script = f"print({event!r}); raise SystemExit(1)"
    with pytest.raises(RuntimeError, match="the lab does not work"):
        phases.timed_up([sys.executable, "-c", script], dict(os.environ), tmp_path)
