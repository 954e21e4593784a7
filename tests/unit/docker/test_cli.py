"""Running docker on a host: errors are classified, values quoted, nothing becomes a flag."""

from __future__ import annotations

import pytest

from modules.docker import cli
from modules.ssh import RemoteError, TransientError
from tests.support.fakes import TARGET, FakeHosts, answers


@pytest.mark.parametrize(("stderr", "kind"), [
    ("Error response from daemon: rpc error: code = Unavailable desc = ...", TransientError),
    ("Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?",
     cli.DaemonDownError),
    ("Error response from daemon: network myoverlay has active endpoints", TransientError),
    ("Error response from daemon: invalid join token", RemoteError),
])
def test_docker_errors_are_classified(monkeypatch, stderr, kind):
    FakeHosts(answers({}, (1, "", stderr))).install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        cli.docker(TARGET, ["swarm", "leave"])
    assert type(caught.value) is kind
    assert str(caught.value).startswith("worker (192.168.1.11): `docker swarm leave` failed:")


def test_a_stopped_daemon_error_says_what_to_do(monkeypatch):
    FakeHosts(answers({}, (1, "", "Cannot connect to the Docker daemon at unix:///x.sock"))
              ).install(monkeypatch)
    with pytest.raises(TransientError, match="dockerd is not running on worker: start it"):
        cli.docker(TARGET, ["info"])


def test_every_argument_is_quoted_and_inspect_ends_its_options(monkeypatch):
    hosts = FakeHosts(answers({}, (1, "", "Error: No such object: x"))).install(monkeypatch)
    assert cli.inspect(TARGET, "network", "--help; rm -rf /") is None
    assert hosts.ran() == ["docker network inspect --format '{{json .}}' -- '--help; rm -rf /'"]
