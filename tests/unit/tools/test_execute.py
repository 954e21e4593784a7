"""exec: which hosts and services it accepts (only the lab's own)."""

from __future__ import annotations

import re

import pytest

from tests.support.stacks import local_spec
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


def test_a_host_named_twice_or_an_empty_name_is_refused():
    spec = local_spec()
    for bad in ("manager,manager", "worker, worker", "manager,", ",worker", "manager,,worker"):
        with pytest.raises(ValueError, match=r"\(comma-separated, each once\)"):
            execute.choose_nodes(spec, bad)


def test_an_empty_command_is_refused():
    for bad in ("", "  ", "\n\t"):
        with pytest.raises(ValueError, match="is empty; allowed: a shell command"):
            execute.check_command(bad)
    assert execute.check_command(" true ") == " true "


def test_a_command_sh_would_take_for_its_own_option_is_refused():
    for bad in ("-x ls", "+e; ls", "--help"):
        with pytest.raises(ValueError, match=re.escape(f"starts with {bad[0]}, which sh -c takes")):
            execute.check_command(bad)
    assert execute.check_command(" -x") == " -x"
