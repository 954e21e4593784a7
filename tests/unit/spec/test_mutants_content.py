"""What the lab runs by default, every setting's default, and the stack settings as Pulumi
hands them over: exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest

from modules.spec import ConfigError, content, settings
from modules.spec.content import DemoContainer
from modules.spec.pulumi_config import decode, load_spec, read_settings, stack_file_keys
from tests.support import mocks

HTTPD = ["httpd", "-f", "-p", "80", "-h", "/www"]
IDLE = ["sleep", "100000"]
MANAGER = {"name": "manager", "address": "192.168.1.10", "role": "manager"}


def test_the_seeds_constants() -> None:
    assert (content.HTTP_PORT, content.HOST_PORT) == (80, 8080)
    assert content.HTTPD == ("httpd", "-f", "-p", "80", "-h", "/www")
    assert content.IDLE == ("sleep", "100000")
    assert content.DOCKER_NETWORKS == ("bridge", "host", "none")
    assert content.DEMO_NETWORKS == ("mynetwork", "myappnet")
    assert content.SINGLE_HOST_NETWORKS == ("bridge", "mynetwork", "myappnet", "host", "none")
    assert content.SWARM_SYSTEM_NETWORKS == ("ingress", "docker_gwbridge")


def test_the_demo_containers_of_a_host() -> None:
    assert content.demo_containers("10.1.2.3") == (
        DemoContainer("web1", "bridge", tuple(HTTPD)),
        DemoContainer("web2", "bridge", tuple(HTTPD)),
        DemoContainer("app", "mynetwork", tuple(IDLE)),
        DemoContainer("db", "myappnet", tuple(IDLE)),
        DemoContainer("web", "myappnet", tuple(HTTPD)),
        DemoContainer("hostweb", "host", ("httpd", "-f", "-p", "10.1.2.3:8080", "-h", "/www")),
        DemoContainer("isolated", "none", tuple(IDLE)),
    )


def test_the_service_prefixes() -> None:
    assert content.service_prefix("my_net", 0, False) == ""
    assert content.service_prefix("my_net", 1, False) == "my-net-"
    assert content.service_prefix("my_mac_vlan", 0, True) == "my-mac-vlan-"


def test_the_default_services_cross_hosts() -> None:
    assert content.default_services(["a", "b", "c"], "img", ["o1", "o_2"], "mv") == [
        {"name": "web", "network": "o1", "node": "b", "image": "img", "command": HTTPD},
        {"name": "app", "network": "o1", "node": "a", "image": "img", "command": IDLE},
        {"name": "o-2-web", "network": "o_2", "node": "b", "image": "img", "command": HTTPD},
        {"name": "o-2-app", "network": "o_2", "node": "a", "image": "img", "command": IDLE},
        {"name": "mv-web", "network": "mv", "node": "b", "image": "img", "command": HTTPD},
        {"name": "mv-app", "network": "mv", "node": "a", "image": "img", "command": IDLE},
    ]
    one = content.default_services(["a"], "img", [], "mv")
    assert [(s["name"], s["node"]) for s in one] == [("mv-web", "a"), ("mv-app", "a")]


def test_every_setting_its_kind_and_default() -> None:
    assert settings.NAMESPACE == "swarmlab"
    assert [(s.key, s.kind, s.default) for s in settings.SETTINGS] == [
        ("hosts", "array", None), ("hostsFile", "string", None), ("sshUser", "string", "root"),
        ("sshKeyFile", "string", ".lab/id_ed25519"),
        ("sshKnownHostsFile", "string", ".lab/known_hosts"),
        ("sshConnectTimeout", "integer", 5), ("sshCommandTimeout", "integer", 120),
        ("lanSubnet", "string", "192.168.1.0/24"), ("lanGateway", "string", None),
        ("endpointMode", "string", "vip"), ("image", "string", "swarmlab/busybox:lab"),
        ("overlays", "array", [{"name": "myoverlay"}, {"name": "secure_net", "encrypted": True}]),
        ("macvlan", "object", {"name": "mymacvlan", "parent": "eth1"}),
        ("services", "array", None), ("singleHostDemos", "boolean", True),
        ("singleHostNodes", "array", None), ("autolock", "boolean", False),
        ("certExpiry", "string", ""), ("tokenRotation", "integer", 0),
        ("readyTimeout", "integer", 120), ("links", "object", {}), ("validate", "array", []),
    ]
    assert settings.default("sshUser") == "root"
    assert list(settings.BY_KEY) == [s.key for s in settings.SETTINGS]


def test_the_settings_table() -> None:
    lines = settings.markdown_table().splitlines()
    assert lines[:2] == ["| setting | default | allowed |", "| --- | --- | --- |"]
    assert lines[2] == ("| `swarmlab:hosts` | `(derived)` | list of {name, address, role[, user, "
                        "ssh: {host, port}]}; or set hostsFile |")
    assert lines[4] == "| `swarmlab:sshUser` | `\"root\"` | a user name for hosts that name none |"
    assert lines[11] == "| `swarmlab:endpointMode` | `\"vip\"` | vip \\| dnsrr |"
    assert len(lines) == 2 + len(settings.SETTINGS)


@pytest.mark.parametrize(("kind", "value", "decoded"), [
    ("string", "[1]", "[1]"), ("object", '{"a": 1}', {"a": 1}), ("array", "[" * 100_000, "[" * 100_000),
    ("integer", "[" * 100_000 + "]" * 100_000, "[" * 100_000 + "]" * 100_000)])
def test_a_value_decodes_by_kind_or_is_passed_on(kind: str, value: str, decoded: object) -> None:
    assert decode(kind, value) == decoded


def test_a_project_without_a_stack_folder_reads_its_own(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: swarmlab\n")
    (tmp_path / "Pulumi.lab1.yaml").write_text("config:\n  swarmlab:image: x\n  swarmlab2:y: 1\n")
    assert stack_file_keys(tmp_path, "lab1") == ["image"]
    (tmp_path / "Pulumi.yaml").write_text("name: swarmlab\nstackConfigDir: [a]\n")
    with pytest.raises(ConfigError) as caught:
        stack_file_keys(tmp_path, "lab1")
    assert str(caught.value) == "Pulumi.yaml: stackConfigDir is not valid; allowed: a folder path"
    (tmp_path / "Pulumi.yaml").write_text("- a\n")
    with pytest.raises(ConfigError) as caught:
        stack_file_keys(tmp_path, "lab1")
    assert str(caught.value) == "Pulumi.yaml: a list is not valid; allowed: a Pulumi project file: a mapping"


def test_the_running_stacks_spec(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: swarmlab\n")
    (tmp_path / "Pulumi.lab1.yaml").write_text("config:\n  swarmlab:readyTimeout: 30\n")
    for name in ("key", "kh"):
        (tmp_path / name).write_text("x\n")
    mocks.start("lab1")
    pulumi.runtime.set_all_config({"swarmlab:hosts": json.dumps([MANAGER]),
                                   "swarmlab:sshKeyFile": "key", "swarmlab:sshKnownHostsFile": "kh",
                                   "swarmlab:readyTimeout": "30", "swarmlab:certExpiry": "true"})
    assert read_settings(tmp_path) == {"hosts": [MANAGER], "sshKeyFile": "key",
                                       "sshKnownHostsFile": "kh", "certExpiry": "true",
                                       "readyTimeout": 30}
    (tmp_path / "Pulumi.lab1.yaml").write_text("config:\n  swarmlab:readytimeout: 30\n")
    assert read_settings(tmp_path)["readytimeout"] == "(set in the stack file)"
    (tmp_path / "Pulumi.lab1.yaml").write_text("config: {}\n")
    pulumi.runtime.set_all_config({"swarmlab:hosts": json.dumps([MANAGER]),
                                   "swarmlab:sshKeyFile": "key", "swarmlab:sshKnownHostsFile": "kh"})
    spec = load_spec(tmp_path)
    assert spec.ssh.key_file == str(tmp_path / "key") and spec.hosts[0].name == "manager"
