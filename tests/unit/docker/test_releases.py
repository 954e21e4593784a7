"""Docker releases (modules/docker/releases.py): what a host runs, read from its Engine API,
and the releases known to break the seed's lab, refused by name in the preflight gate and
`make doctor` before anything changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from hosts import topology
from hosts.onebox import doctor
from hosts.paths import LabPaths
from modules import preflight
from modules.docker import engine, releases, snapshot
from tests.support.fakes import TARGET, FakeHosts
from tests.support.http import http

WHY = releases.KNOWN_BROKEN["28.0.0"]


@pytest.mark.parametrize(("version", "refused"), [
    ("28.0.0", True), ("28.0.0+dfsg1", True), ("v28.0.0", True), (" 28.0.0\n", True),
    ("28.0.1", False), ("28.0.10", False), ("28.5.2+dfsg4", False), ("20.10.24+dfsg1", False),
    ("128.0.0", False), ("28.0", False), ("", False), ("dockerd is not running", False),
])
def test_only_the_broken_release_is_refused(version, refused):
    assert (releases.broken(version) == WHY) is refused


def test_the_reason_names_the_issue_and_the_release_that_fixes_it():
    assert "docker/cli#5857" in WHY and "fixed in 28.0.1" in WHY and "--config-from" in WHY


@pytest.mark.parametrize(("answer", "problems"), [
    ("28.0.0\ndocker=0\nparent=0\n",
     [f"{TARGET.label}: Docker 28.0.0 cannot run this lab: {WHY}; run another engine there"]),
    ("28.5.2+dfsg4\ndocker=0\nparent=0\n", []),
    ("WARNING: bridge-nf-call-iptables is disabled\n28.0.0\ndocker=0\nparent=0\n",
     [f"{TARGET.label}: Docker 28.0.0 cannot run this lab: {WHY}; run another engine there"]),
    ("Cannot connect to the Docker daemon\ndocker=1\nparent=0\n",
     [f"{TARGET.label}: dockerd does not answer (Cannot connect to the Docker daemon); start it "
      "(one-box hosts: `python -m hosts up`) and run `pulumi up` again"]),
])
def test_the_preflight_refuses_a_broken_engine_before_anything_changes(monkeypatch, answer,
                                                                      problems):
    hosts = FakeHosts(lambda host, command, stdin: (0, answer, "")).install(monkeypatch)
    assert preflight.check_host(TARGET, "eth1") == problems
    assert len(hosts.commands) == 1


@pytest.mark.parametrize(("version", "ok", "detail"), [
    ("28.0.0", False, f"Docker 28.0.0 cannot run this lab: {WHY}"),
    ("28.5.2+dfsg4", True, "28.5.2+dfsg4 (API 1.51)"),
])
def test_doctor_says_a_broken_engine_cannot_run_the_lab(monkeypatch, tmp_path: Path, version, ok,
                                                        detail):
    monkeypatch.setattr(doctor.dockerd, "running", lambda hp: 41)
    monkeypatch.setattr(doctor.dockerapi, "version",
                        lambda socket: {"Version": version, "ApiVersion": "1.51"})
    result = doctor._docker_check(LabPaths(tmp_path), topology.plan()[0])
    assert (result["ok"], result["detail"]) == (ok, detail)


def test_versions_come_from_the_engine_s_own_report():
    assert releases.versions({
        "Version": "26.1.5+dfsg1", "KernelVersion": "6.1.0-40-amd64",
        "Components": [{"Name": "Engine", "Version": "26.1.5+dfsg1"},
                       {"Name": "containerd", "Version": "v1.7.24"},
                       {"Name": "runc", "Version": "1.1.5"},
                       {"Name": "docker-init", "Version": "0.19.0"}]}) == {
        "engine": "26.1.5+dfsg1", "containerd": "1.7.24", "runc": "1.1.5",
        "kernel": "6.1.0-40-amd64"}
    assert releases.versions({"Components": None}) == {"engine": "", "containerd": "", "runc": "",
                                                       "kernel": ""}


NOTHING = dict.fromkeys(releases.VERSIONS, "")


@pytest.mark.parametrize(("answer", "read"), [
    (http(200, {"Version": "26.1.5+dfsg1", "KernelVersion": "6.1.0",
                "Components": [{"Name": "runc", "Version": "1.1.5"}]}),
     {"engine": "26.1.5+dfsg1", "containerd": "", "runc": "1.1.5", "kernel": "6.1.0"}),
    (http(500, {"message": "context canceled"}), NOTHING),
    (http(200, None), NOTHING),
])
def test_a_host_s_versions_come_with_its_snapshot_in_one_round_trip(monkeypatch, answer, read):
    def handle(host: str, command: str, stdin: bytes | None) -> tuple[int, str, str]:
        assert stdin is not None
        asked = [line.split()[1] for line in stdin.decode().split("\r\n")
                 if line.startswith("GET ")]
        last = answer if asked[-1] == "/version" else http(503, {"message": "not a manager"})
        return 0, "".join([http(200, {}), *[http(200, []) for _ in asked[1:-1]], last]), ""
    hosts = FakeHosts(handle).install(monkeypatch)
    assert snapshot.take(TARGET, tokens=False, versions=True).versions == read
    assert hosts.ran() == ["docker system dial-stdio"]
    assert b"GET /version" in (hosts.stdins[0] or b"")
    assert snapshot.take(TARGET).versions == {}  # a refresh's reads never ask
    assert b"/version" not in (hosts.stdins[1] or b"")


def test_an_empty_pipeline_asks_nothing_and_waits_for_nothing(monkeypatch):
    hosts = FakeHosts(lambda host, command, stdin: pytest.fail("ran")).install(monkeypatch)
    assert engine.pipeline(TARGET, []) == []
    assert hosts.commands == []


@pytest.mark.parametrize(("document", "read"), [
    ({"Components": [{"Name": "containerd"}, {"Name": "runc"}]},
     {"engine": "", "containerd": "", "runc": "", "kernel": ""}),
    ({"Components": [{"Version": "9.9"}, {"Name": "ContainerD", "Version": "v2.1.9"}]},
     {"engine": "", "containerd": "2.1.9", "runc": "", "kernel": ""}),
    ({"Components": [{"Name": "RUNC", "Version": "v1.1.5"}], "Version": "28.5.2"},
     {"engine": "28.5.2", "containerd": "", "runc": "v1.1.5", "kernel": ""}),
    ({"KernelVersion": "7.2.12+deb14-amd64"},
     {"engine": "", "containerd": "", "runc": "", "kernel": "7.2.12+deb14-amd64"}),
    ({"Components": [{"Name": "containerd", "Version": "vv1"}]},
     {"engine": "", "containerd": "1", "runc": "", "kernel": ""}),
])
def test_what_a_host_does_not_report_is_empty_never_none(document, read):
    assert releases.versions(document) == read
