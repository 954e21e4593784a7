"""The preflight's image check, its shell run for real against a stand-in `docker`: an image
the hosts have passes; one they lack is pulled, as the swarm would; one no pull brings is
refused before anything changes, naming the host and the image."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from modules import preflight
from tests.support.fakes import MANAGER, TARGET, FakeHosts
from tests.support.stacks import local_spec

NO_REGISTRY = ("Error response from daemon: Get \"https://registry-1.docker.io/v2/\": dial "
               "tcp: lookup registry-1.docker.io: no such host")

DOCKER = """#!/bin/sh
echo "$*" >> "$SANDBOX/calls"
case "$1 $2" in
  "info --format") echo 28.5.2 ;;
  "image inspect") grep -qxF -- "$6" "$SANDBOX/present" ;;
  "pull -q") if grep -qxF -- "$4" "$SANDBOX/pullable"; then echo "$4"; else
      cat "$SANDBOX/pull_says" >&2; exit 1; fi ;;
  *) exit 3 ;;
esac
"""


@pytest.fixture()
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A host whose `docker` is a script: it has the images in `present`, and a registry
    that serves those in `pullable`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("docker", DOCKER), ("ip", "#!/bin/sh\nexit 0\n")):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    for name in ("present", "pullable", "calls"):
        (tmp_path / name).write_text("")
    (tmp_path / "pull_says").write_text(NO_REGISTRY + "\n")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "SANDBOX": str(tmp_path)}

    def handle(host: str, command: str, stdin: bytes | None) -> tuple[int, str, str]:
        done = subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True,
                              timeout=10, check=False)
        return done.returncode, done.stdout, done.stderr

    FakeHosts(handle).install(monkeypatch)
    return tmp_path


def test_an_image_the_host_has_passes_without_a_pull(sandbox: Path) -> None:
    (sandbox / "present").write_text("swarmlab/busybox:lab\n")
    assert preflight.check_host(TARGET, "eth1", ["swarmlab/busybox:lab"]) == []
    assert not any(c.startswith("pull") for c in (sandbox / "calls").read_text().splitlines())


def test_an_image_the_host_lacks_is_pulled_as_the_swarm_would(sandbox: Path) -> None:
    (sandbox / "pullable").write_text("nginx:1.27\n")
    assert preflight.check_host(TARGET, "eth1", ["nginx:1.27"]) == []
    assert "pull -q -- nginx:1.27" in (sandbox / "calls").read_text()


def test_an_image_no_pull_brings_is_refused_naming_the_host_and_the_image(sandbox) -> None:
    (sandbox / "present").write_text("swarmlab/busybox:lab\n")
    problems = preflight.check_host(TARGET, "eth1", ["swarmlab/busybox:lab", "nginx:1.27"])
    assert problems == [
        f"{TARGET.label}: image 'nginx:1.27' is not on this host and `docker pull` did not "
        f"bring it ({NO_REGISTRY}); load it there (`docker load`, README: Your own SSH "
        "hosts), or name an image the hosts have (swarmlab:image, swarmlab:services)"]


def test_what_a_pull_says_cannot_hide_the_next_images_answer(sandbox: Path) -> None:
    # dash's echo reads backslashes: `\\c` would swallow the line end, and with it image1's
    # answer. A `=` in the text is no answer either.
    (sandbox / "pull_says").write_text("denied: a\\cb image1=0 docker=0\n")
    problems = preflight.check_host(TARGET, "eth1", ["one:1", "two:2"])
    assert len(problems) == 2 and "'two:2'" in problems[1]
    assert "(denied: a\\cb image1=0 docker=0)" in problems[0]


def test_a_pull_that_hangs_is_ended_and_named(monkeypatch) -> None:
    hosts = FakeHosts(lambda h, c, s: (0, "28.5.2\ndocker=0\nparent=0\nimage0=124 \n", "")
                      ).install(monkeypatch)
    problems = preflight.check_host(TARGET, "eth1", ["big:1"])
    assert "did not bring it (timed out)" in problems[0]
    # Each pull gets its share of the round trip's limit, bounded by `timeout`.
    assert f"timeout -k 5 {int(TARGET.command_timeout * 0.8)} docker pull" in hosts.commands[0][1]


def test_every_host_is_asked_for_its_own_images_in_its_one_round_trip(sandbox: Path) -> None:
    problems = preflight.check_hosts([(MANAGER, "manager"), (TARGET, "worker")], "eth1",
                                     {"manager": ["app:1"], "worker": ["web:1"]})
    assert [p.split(":", 1)[0] for p in problems] == [MANAGER.label, TARGET.label]
    assert "'app:1'" in problems[0] and "'web:1'" in problems[1]


def test_an_image_reaches_the_shell_quoted_after_the_end_of_flags(sandbox: Path) -> None:
    # The stack's rules refuse such a name; the quoting holds without them.
    odd = "a b;touch $SANDBOX/ran"
    preflight.check_host(TARGET, "eth1", [odd])
    assert not (sandbox / "ran").exists()
    assert f"image inspect --format . -- {odd}" in (sandbox / "calls").read_text()


def test_a_dockerd_that_does_not_answer_is_the_one_problem_said(monkeypatch) -> None:
    FakeHosts(lambda h, c, s: (0, "Cannot connect\ndocker=1\nparent=0\nimage0=1 x\n", "")
              ).install(monkeypatch)
    problems = preflight.check_host(TARGET, "eth1", ["swarmlab/busybox:lab"])
    assert len(problems) == 1 and "dockerd does not answer" in problems[0]


def test_each_host_needs_the_lab_image_and_its_pinned_services_images() -> None:
    spec = local_spec(validate=None, services=[
        {"name": "web", "network": "myoverlay", "node": "worker", "image": "nginx:1.27"},
        {"name": "app", "network": "myoverlay", "node": "manager", "image": "alpine:3.20"}])
    assert preflight.images_by_host(spec) == {
        "manager": ["alpine:3.20", spec.image], "worker": ["nginx:1.27", spec.image]}
