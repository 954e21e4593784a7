"""The checks a stack declares as the runner tries them, and validate's exit code and tally."""

from __future__ import annotations

from modules.checks import declared
from modules.checks.model import Check, Result, Source
from tests.support.stacks import local_spec

SERVICES = [
    {"name": "web", "network": "myoverlay", "node": "worker"},
    {"name": "app", "network": "myoverlay", "node": "manager"},
    {"name": "sec", "network": "secure_net", "node": "worker"},
    {"name": "sec-app", "network": "secure_net", "node": "manager"},
]


def test_exit_codes_are_netlabs() -> None:
    assert (declared.ALL_PASSED, declared.A_CHECK_FAILED, declared.NO_CHECKS,
            declared.WARNINGS_ONLY) == (0, 1, 2, 3)


def test_a_declared_check_keeps_every_field_and_needs_esp_on_an_encrypted_network() -> None:
    spec = local_spec(services=SERVICES, validate=[
        {"name": "plain", "from": {"service": "app"}, "tcp": "web", "port": 80, "expect": "fail",
         "timeout": 7, "retries": 4},
        {"name": "by service", "from": {"service": "sec-app"}, "ping": "tasks.sec"},
        {"name": "named", "from": {"container": "web1", "host": "worker"}, "ping": "tasks.sec",
         "network": "secure_net"},
        {"name": "host", "from": {"host": "manager"}, "ping": "worker"},
        {"name": "container", "from": {"container": "web1", "host": "manager"}, "ping": "db"},
    ])
    assert declared.declared_checks(spec) == [
        Check("tcp", Source("service", "app", "manager"), target="web", port=80,
              expect="fail", timeout=7, retries=4, label="plain"),
        Check("ping", Source("service", "sec-app", "manager"), target="tasks.sec",
              label="by service", requires="esp"),
        Check("ping", Source("container", "web1", "worker"), target="tasks.sec",
              network="secure_net", label="named", requires="esp"),
        Check("ping", Source("host", "manager", "manager"), target="192.168.1.11", label="host"),
        Check("ping", Source("container", "web1", "manager"), target="db", label="container"),
    ]


PING = Check("ping", Source("service", "app", "manager"), target="tasks.web")


def test_the_tally_counts_each_outcome() -> None:
    results = [Result(PING, "reached"), Result(PING, "reached"), Result(PING, "refused"),
               Result(PING, "skipped", "x", "kernel"), Result(PING, "error")]
    assert declared.tally(results) == ("2 passed, 2 failed, 1 skipped (a warning, not a "
                                       "failure), of 5 declared checks")
    assert declared.tally([]) == ("0 passed, 0 failed, 0 skipped (a warning, not a failure), "
                                  "of 0 declared checks")


def test_all_passed_is_zero_even_after_a_skip_is_not_there() -> None:
    assert declared.exit_code([Result(PING, "reached")]) == 0
    assert declared.exit_code([Result(PING, "skipped", "", "tool")]) == 3


def test_only_a_services_own_network_is_taken_for_a_check_that_names_none() -> None:
    # An encrypted overlay named like the mutated default, and a service named like a demo
    # container: a container or host check that names no network needs no ESP.
    spec = local_spec(overlays=[{"name": "XXXX", "encrypted": True}],
                      services=[{"name": "app", "network": "XXXX", "node": "manager"},
                                {"name": "web", "network": "XXXX", "node": "worker"}],
                      validate=[{"from": {"container": "app", "host": "manager"}, "ping": "db"},
                                {"from": {"host": "manager"}, "ping": "worker"},
                                {"from": {"service": "app"}, "ping": "tasks.web"}])
    assert [c.requires for c in declared.declared_checks(spec)] == ["", "", "esp"]
