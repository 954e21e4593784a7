"""modules.spec, where the survivors of a mutation run showed a gap: a one-host lab's demos,
every host named in a refusal, the manager count and the gateway in a hosts file, stack file
keys with a second colon, the settings' namespace whatever the project is called, and how
much of a YAML file is read."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import pulumi
import pytest

from modules.spec import CheckSpec, ConfigError, parse_spec, yamlfile
from modules.spec.pulumi_config import read_settings, stack_file_keys
from tests.support import mocks
from tests.support.stacks import MANAGER, WORKER, with_

MANAGERS = "hosts of which 1, 3 or 5 have role 'manager'"
TOO_MANY = ("7 managers are too many; use 1, 3 or 5: every raft write waits for a majority of "
            "them, and 5 already tolerate 2 failures")


def _seven_managers() -> list[dict[str, Any]]:
    return [{"name": f"m{i}", "address": f"192.168.1.{20 + i}", "role": "manager"}
            for i in range(7)]


def _refused(raw: dict[str, Any], host_list: Any = None) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_spec(raw, host_list)
    return caught.value


def test_a_one_host_lab_checks_its_demo_containers() -> None:
    # The demos run on the only host there is: the names come from it.
    spec = parse_spec(with_(hosts=[MANAGER], validate=[
        {"from": {"container": "web1", "host": "manager"}, "ping": "@web2",
         "network": "bridge"}]))
    assert spec.single_host_nodes == ("manager",)
    assert spec.checks == (CheckSpec(
        kind="ping", source_kind="container", source="web1", host="manager", target="@web2",
        port=0, network="bridge", expect="pass", timeout=2, retries=0, name=""),)


def test_a_demo_container_on_another_host_names_every_host_that_runs_the_demos() -> None:
    third = {"name": "worker2", "address": "192.168.1.12", "role": "worker"}
    error = _refused(with_(hosts=[MANAGER, WORKER, third], singleHostNodes=["manager", "worker"],
                           validate=[{"from": {"container": "web1", "host": "worker2"},
                                      "ping": "web2", "network": "bridge"}]))
    assert str(error) == ("swarmlab:validate[0].from.host: 'worker2' is not valid; allowed: a "
                          "host that runs the demos: manager, worker")


def test_seven_managers_are_refused_with_what_is_allowed() -> None:
    error = _refused(with_(hosts=_seven_managers(), validate=None))
    assert (str(error), error.key, error.allowed) == (f"swarmlab:hosts: {TOO_MANY}", "hosts",
                                                      MANAGERS)


def test_seven_managers_in_a_hosts_file_say_what_is_allowed() -> None:
    error = _refused(with_(hosts=None, hostsFile="hosts.json", validate=None), _seven_managers())
    assert (str(error), error.key, error.allowed) == (
        "swarmlab:hostsFile: the host list in 'hosts.json' is not valid (the whole list); "
        f"allowed: {MANAGERS}", "hostsFile", MANAGERS)


def test_a_host_at_the_gateway_in_a_hosts_file_is_refused() -> None:
    gateway_host = {**WORKER, "address": "192.168.1.1"}
    error = _refused(with_(hosts=None, hostsFile="hosts.json", validate=None),
                     [MANAGER, gateway_host])
    assert (str(error), error.key, error.allowed) == (
        "swarmlab:hostsFile: the host list in 'hosts.json' is not valid (entry [1].address); "
        "allowed: any address but the gateway 192.168.1.1", "hostsFile",
        "any address but the gateway 192.168.1.1")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: swarmlab\nstackConfigDir: .lab/stacks\n")
    (tmp_path / ".lab" / "stacks").mkdir(parents=True)
    return tmp_path


def test_a_stack_file_key_keeps_everything_after_the_namespace(project: Path) -> None:
    # Pulumi reads swarmlab:config:hosts as swarmlab:hosts (an old form); the parser must
    # see the key as it is written, and name it.
    (project / ".lab" / "stacks" / "Pulumi.lab1.yaml").write_text(
        "config:\n  swarmlab:config:hosts: []\n  swarmlab:a:b:c: 1\n")
    assert stack_file_keys(project, "lab1") == ["config:hosts", "a:b:c"]


def test_the_settings_are_read_from_the_swarmlab_namespace_whatever_the_project_is_called(
        project: Path) -> None:
    pulumi.runtime.set_mocks(mocks.RecordingMocks(), project="renamed", stack="lab1",
                             preview=False)
    try:
        pulumi.runtime.set_all_config({"swarmlab:endpointMode": "dnsrr",
                                       "renamed:endpointMode": "vip",
                                       "swarmlab:hosts": json.dumps([MANAGER])})
        assert read_settings(project) == {"endpointMode": "dnsrr", "hosts": [MANAGER]}
    finally:
        mocks.start("lab1")
        pulumi.runtime.set_all_config({})


def test_a_huge_file_is_refused_after_reading_no_more_than_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:
        stream.truncate(64 * yamlfile.MAX_BYTES)  # sparse: takes no room on the disk
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError) as caught:
            yamlfile.load(path, "huge.yaml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(caught.value) == ("huge.yaml: larger than 1024 KiB; a YAML file of settings is "
                                 "far smaller")
    assert peak < 4 * yamlfile.MAX_BYTES
