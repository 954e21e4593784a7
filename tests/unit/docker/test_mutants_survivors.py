"""modules.docker, where the survivors of a mutation run showed a gap: the `docker ps` that
finds a host's task containers on a network before they are replaced."""

from __future__ import annotations

from modules.docker import container
from tests.support.fakes import TARGET, FakeHosts, answers

PS = ("docker ps --filter network=mymacvlan --filter label=com.docker.swarm.task.id "
      "--format '{{.Names}}'")


def test_replace_tasks_on_lists_the_task_containers_by_name_and_removes_them(monkeypatch):
    hosts = FakeHosts(answers({"docker ps": (0, "web.1.abc\napp.1.def\n", "")})
                      ).install(monkeypatch)
    assert container.replace_tasks_on(TARGET, "mymacvlan") == ["web.1.abc", "app.1.def"]
    assert hosts.ran() == [PS, "docker rm --force -- web.1.abc app.1.def"]


def test_replace_tasks_on_removes_nothing_when_no_task_is_attached(monkeypatch):
    hosts = FakeHosts(answers({"docker ps": (0, "\n", "")})).install(monkeypatch)
    assert container.replace_tasks_on(TARGET, "mymacvlan") == []
    assert hosts.ran() == [PS]
