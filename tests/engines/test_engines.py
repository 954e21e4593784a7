"""The lab on the Docker its users run. The one-box lab on Debian's Docker 26 and 28
(hosts/onebox/engines.json), besides the lab suite that tests/lab runs on each: the hosts run the
pinned engine, drift is put back by a plain `pulumi up`, and `make destroy` leaves nothing of
the lab. And VMs from Debian forky, where kernel, Docker, containerd and runc are all the
suite's own: the same, with the lab suite and the stack's checks run by `make validate`."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from hosts.onebox import engines
from tests.support import builder
from tests.support.damage_lab import destroyed_leaving_nothing, make, own_lab
from tests.support.lab import Lab
from tests.support.live import lab_works

pytestmark = [pytest.mark.lab, pytest.mark.engines]

VERSIONS = ("docker version --format "
            "'{{.Server.Version}} {{.Client.Version}}{{range .Server.Components}} "
            "{{.Name}}={{.Version}}{{end}}'")


@pytest.fixture(params=builder.ENGINES, ids=lambda e: f"docker{e.engine}")
def engine_lab(request: pytest.FixtureRequest) -> Iterator[tuple[builder.TestLab, Lab]]:
    test_lab = request.param
    with own_lab(test_lab, needs="network namespaces, dockerd"):
        builder.build(test_lab)
        yield test_lab, builder.connect(True)


def upstream(version: str) -> str:
    """A Debian package version without its revision: 28.5.2+dfsg4-5 -> 28.5.2+dfsg4."""
    return version.rsplit("-", 1)[0]


def release(version: str) -> str:
    """Without Debian's and the build's suffixes: 2.1.9+ds1 and 2.1.9+unknown -> 2.1.9."""
    return version.lstrip("v").split("+", 1)[0].split("~", 1)[0]


def test_the_pinned_engine_runs_repairs_drift_and_is_destroyed_leaving_nothing(engine_lab):
    test_lab, lab = engine_lab
    pinned = {p.name: upstream(p.version) for p in engines.pin_of(test_lab.engine).packages}
    for name in ("manager", "worker"):
        server, client, *components = lab.host(name).check_output(VERSIONS).split()
        found = dict(c.split("=", 1) for c in components)
        assert (server, client) == (pinned["docker.io"], pinned["docker-cli"])
        assert release(found["containerd"]) == release(pinned["containerd"])
        # runc is the machine's own: the pinned suites' needs a newer glibc than this one.
        assert found["runc"] != ""
    lab.host("manager").check_output("docker service rm app")
    lab.host("worker").check_output("docker rm -f web2")
    builder.pulumi().up()
    assert lab_works(lab) == []
    destroyed_leaving_nothing(test_lab)


@pytest.fixture
def forky_lab() -> Iterator[Lab]:
    with own_lab(builder.FORKY, needs="QEMU's user-space LAN, the VM image build",
                 backend_required=True):
        builder.build(builder.FORKY)
        yield builder.connect(True)


def _package(host, name: str) -> str:
    return upstream(host.check_output(f"dpkg-query -W -f '${{Version}}' {name}"))


@pytest.mark.vm
def test_forky_vms_run_the_suites_docker_and_kernel_pass_the_lab_suite_repair_drift_and_go(
        forky_lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab = forky_lab
    seen = []
    for name in ("manager", "worker"):
        host = lab.host(name)
        server, client = host.check_output(
            "docker version --format '{{.Server.Version}} {{.Client.Version}}'").split()
        kernel = host.check_output("uname -r")
        # The suite's own packages, not a pin of ours: forky moves, the lab must keep up.
        assert (server, client) == (_package(host, "docker.io"), _package(host, "docker-cli"))
        assert int(release(server).split(".")[0]) >= 28, server
        assert int(kernel.split(".")[0]) >= 7, kernel
        seen.append(f"{name}: Docker {server}, kernel {kernel}")
    # What a user runs: the lab suite (the encrypted overlay's ESP counters, service VIPs,
    # the seed's commands), then the stack's declared checks.
    validated = make("validate", test_lab=builder.FORKY, timeout=1200)
    out = validated.stdout + validated.stderr
    esp = re.findall(r"(\w+): ESP SAs \d+, packets \d+ -> \d+ \(\+(\d+)\)", out)
    assert {host for host, rose in esp if int(rose) > 0} == {"manager", "worker"}, out
    assert re.search(r"\[validate\] (\d+) passed, 0 failed", out), out
    with capsys.disabled():
        print("\n  " + "\n  ".join([*seen, *(f"{h}: ESP packets +{r}" for h, r in esp)]))
    lab.host("manager").check_output("docker service rm app")
    lab.host("manager").check_output("docker rm -f web2")
    builder.pulumi().up()
    assert lab_works(lab) == []
    destroyed_leaving_nothing(builder.FORKY)
