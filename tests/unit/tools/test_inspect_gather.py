"""gather(): every host read once, in parallel, without GET /swarm (the join tokens); the lab's
backend and stack from lab.env; a host that fails is reported, not fatal. The Engine API is
faked with the saved snapshots of the live lab: no SSH."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from modules.docker.engine import Response
from modules.spec.links import Impairment
from modules.ssh import RemoteError, Target
from tools.lab import inspect, spec

OK = 200

NO_FAULTS = {"partitions": [], "impaired": {}}
# What dockerd says to a worker asked for the swarm's objects (moby's errNoManager).
WORKER_REFUSAL = ("This node is not a swarm manager. Worker nodes can't be used to view or modify "
                  "cluster state. Please run this command on a manager node or promote the "
                  "current node to a manager.")


class FakeEngine:
    """Answers each host's pipelined GETs from its saved snapshot, like dockerd would."""

    def __init__(self, raw: dict[str, Any], failing: dict[str, Exception] | None = None) -> None:
        self.hosts = {h["name"]: h["snapshot"] for h in raw["hosts"]}
        self.failing = failing or {}
        self.calls: list[tuple[str, list[str]]] = []
        self.threads: set[int] = set()
        self.lock = threading.Lock()

    def __call__(self, target: Target, requests: list[tuple[str, str, Any]], **_: Any) -> list[Response]:
        with self.lock:
            self.calls.append((target.name, [f"{m} {p}" for m, p, _ in requests]))
            self.threads.add(threading.get_ident())
        if target.name in self.failing:
            raise self.failing[target.name]
        snap = self.hosts[target.name]
        manager = bool(snap["info"].get("ControlAvailable"))
        answers = []
        for _method, path, _body in requests:
            key = path.split("?")[0].strip("/")
            if key == "info":
                answers.append(Response(OK, json.dumps({"Swarm": snap["info"]}).encode()))
            elif key == "version":
                runs = snap["versions"]
                answers.append(Response(OK, json.dumps({
                    "Version": runs["engine"], "KernelVersion": runs["kernel"],
                    "Components": [{"Name": "containerd", "Version": runs["containerd"]},
                                   {"Name": "runc", "Version": runs["runc"]}]}).encode()))
            elif key in ("networks", "containers/json"):
                answers.append(Response(OK, json.dumps(snap[key.split("/")[0]]).encode()))
            elif manager:
                answers.append(Response(OK, json.dumps(snap[key]).encode()))
            else:
                answers.append(Response(503, json.dumps({"message": WORKER_REFUSAL}).encode()))
        return answers


@pytest.fixture
def lab(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, raw: dict[str, Any]) -> Path:
    """The sample lab's spec and targets, and its lab dir in tmp_path."""
    hosts = [SimpleNamespace(name=h["name"], address=h["address"], role=h["role"]) for h in raw["hosts"]]
    fake_spec = SimpleNamespace(hosts=hosts, lan_subnet="192.168.1.0/24", lan_gateway="192.168.1.1",
                                links={})
    monkeypatch.setattr(spec, "lab_spec", lambda name: fake_spec)
    monkeypatch.setattr(spec, "targets", lambda s: {
        h.name: Target(h.name, h.address, "root", "/k", "/kh") for h in s.hosts})
    monkeypatch.setenv("SWARMLAB_LAB", "swarmlab")
    monkeypatch.setenv("SWARMLAB_LAB_DIR", str(tmp_path))
    (tmp_path / "lab.env").write_text("LAB_STACK=local\nLAB_BACKEND=onebox\n")
    return tmp_path


def test_gather_reads_each_host_once_and_gives_the_saved_document(
        monkeypatch: pytest.MonkeyPatch, lab: Path, raw: dict[str, Any], doc: dict[str, Any]) -> None:
    engine = FakeEngine(raw)
    monkeypatch.setattr("modules.docker.engine.pipeline", engine)
    assert inspect.gather("swarmlab") == doc
    assert sorted(name for name, _ in engine.calls) == ["manager", "worker"]
    for _, requests in engine.calls:
        assert "GET /swarm" not in requests
        assert requests[:3] == ["GET /info", "GET /networks", "GET /containers/json?all=1"]
        assert requests[-1] == "GET /version"  # what it runs, in the same round trip


def test_gather_reads_the_hosts_in_parallel(monkeypatch: pytest.MonkeyPatch, lab: Path,
                                            raw: dict[str, Any]) -> None:
    barrier = threading.Barrier(2, timeout=5)
    engine = FakeEngine(raw)

    def both_at_once(target: Target, requests: list[tuple[str, str, Any]], **kw: Any) -> list[Response]:
        barrier.wait()  # breaks (BrokenBarrierError) unless both hosts are read at the same time
        return engine(target, requests, **kw)

    monkeypatch.setattr("modules.docker.engine.pipeline", both_at_once)
    inspect.gather("swarmlab")
    assert len(engine.threads) == 2


def test_a_host_that_fails_is_reported_with_its_error(monkeypatch: pytest.MonkeyPatch, lab: Path,
                                                      raw: dict[str, Any]) -> None:
    token = "SWMTKN-1-" + "0" * 50 + "-x"
    engine = FakeEngine(raw, {"worker": RemoteError(f"worker (192.168.1.11): refused {token}")})
    monkeypatch.setattr("modules.docker.engine.pipeline", engine)
    doc = inspect.gather("swarmlab")
    worker = doc["hosts"][1]
    assert worker["reachable"] is False
    assert worker["error"] == "worker (192.168.1.11): refused (redacted)"
    assert "SWMTKN" not in json.dumps(doc)
    assert [c["host"] for c in doc["containers"]] == ["manager"] * len(doc["containers"])


def test_a_manager_whose_swarm_elects_is_shown_with_what_it_did_not_answer(
        monkeypatch: pytest.MonkeyPatch, lab: Path, raw: dict[str, Any]) -> None:
    engine = FakeEngine(raw)
    no_leader = json.dumps({"message": "rpc error: The swarm does not have a leader."}).encode()

    def electing(target: Target, requests: list[tuple[str, str, Any]], **kw: Any) -> list[Response]:
        answers = engine(target, requests, **kw)
        return [Response(503, no_leader) if target.name == "manager" and path in ("/nodes",
                                                                                 "/services")
                else answer for (_, path, _), answer in zip(requests, answers, strict=True)]
    monkeypatch.setattr("modules.docker.engine.pipeline", electing)
    doc = inspect.gather("swarmlab")
    manager, worker = doc["hosts"]
    assert manager["reachable"] is True
    assert manager["error"] == (
        "manager (192.168.1.10): GET /services answered HTTP 503: rpc error: The swarm does not "
        "have a leader.; manager (192.168.1.10): GET /nodes answered HTTP 503: rpc error: The "
        "swarm does not have a leader.")
    assert worker["error"] is None
    assert doc["nodes"] == [] and doc["services"] == []


def test_backend_and_stack_come_from_lab_env(monkeypatch: pytest.MonkeyPatch, lab: Path,
                                             raw: dict[str, Any]) -> None:
    monkeypatch.setattr("modules.docker.engine.pipeline", FakeEngine(raw))
    (lab / "lab.env").write_text("# written by make stack\nLAB_STACK=vagrant\nLAB_BACKEND=vagrant\n")
    assert inspect.gather("swarmlab")["lab"] == {"name": "swarmlab", "backend": "vagrant",
                                                 "stack": "vagrant", "faults": NO_FAULTS, "links": {}}
    (lab / "lab.env").unlink()
    assert inspect.gather("swarmlab")["lab"] == {"name": "swarmlab", "backend": None,
                                                 "stack": None, "faults": NO_FAULTS, "links": {}}


def test_another_lab_s_env_is_read_from_its_own_dir(monkeypatch: pytest.MonkeyPatch, lab: Path,
                                                    raw: dict[str, Any], tmp_path: Path) -> None:
    monkeypatch.setattr("modules.docker.engine.pipeline", FakeEngine(raw))
    monkeypatch.setattr("hosts.paths.REPO_ROOT", tmp_path)
    other = tmp_path / ".lab" / "labs" / "lab2"
    other.mkdir(parents=True)
    (other / "lab.env").write_text("LAB_STACK=scale\nLAB_BACKEND=onebox\n")
    assert inspect.gather("lab2")["lab"] == {"name": "lab2", "backend": "onebox", "stack": "scale",
                                             "faults": NO_FAULTS, "links": {}}


def test_the_stack_s_links_are_in_the_lab_section(monkeypatch: pytest.MonkeyPatch, lab: Path,
                                                  raw: dict[str, Any]) -> None:
    monkeypatch.setattr("modules.docker.engine.pipeline", FakeEngine(raw))
    declared = spec.lab_spec("swarmlab")
    declared.links = {"worker": Impairment(delay="100ms", loss="5%")}
    assert inspect.gather("swarmlab")["lab"]["links"] == {"worker": {"delay": "100ms", "loss": "5%"}}
