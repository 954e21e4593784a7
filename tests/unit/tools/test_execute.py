"""exec: which hosts and services it accepts (only the lab's own)."""

from __future__ import annotations

import pytest

from tests.unit.test_program import local_spec
from tools.lab import execute


def test_nodes_are_all_or_the_labs_own_names():
    spec = local_spec()
    assert execute.choose_nodes(spec, "all") == ["manager", "worker"]
    assert execute.choose_nodes(spec, "worker, manager") == ["worker", "manager"]
    for bad in ("", "router", "manager,-oProxyCommand=x"):
        with pytest.raises(ValueError, match="allowed: all, or one or more of manager, worker"):
            execute.choose_nodes(spec, bad)


def test_a_service_must_be_the_labs():
    spec = local_spec()
    assert execute.check_service(spec, "web") == "web"
    with pytest.raises(ValueError, match="SERVICE='nginx': allowed: web, app, "):
        execute.check_service(spec, "nginx")


def test_the_header_names_the_host_and_a_failure_its_exit_status():
    out = execute.Outcome("worker (192.168.1.11)", 3, "one\n", "two\n").render()
    assert out == "--- worker (192.168.1.11) ---\none\ntwo\n[exit 3]"
