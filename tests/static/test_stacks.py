"""Every stack file in stacks/ is a valid lab: parse_spec accepts it, its values have the
types Pulumi.yaml declares, and the vagrant and example stacks say what they promise."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from modules.config import KNOWN_KEYS, LabSpec, default_services, parse_spec

ROOT = Path(__file__).resolve().parents[2]
STACK_FILES = sorted((ROOT / "stacks").glob("Pulumi.*.yaml"))
SCHEMA_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str, "integer": int, "boolean": bool, "array": list, "object": dict,
}


def load(path: Path) -> dict[str, Any]:
    """The stack's swarmlab:* values, keyed without the namespace (as test_config loads them)."""
    config = yaml.safe_load(path.read_text())["config"]
    return {key.split(":", 1)[1]: value for key, value in config.items()}


def spec(name: str) -> LabSpec:
    return parse_spec(load(ROOT / "stacks" / f"Pulumi.{name}.yaml"))


def test_the_expected_stacks_exist() -> None:
    names = {p.name for p in STACK_FILES}
    assert {"Pulumi.local.yaml", "Pulumi.vagrant.yaml", "Pulumi.hosts.example.yaml"} <= names


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_stack_parses(path: Path) -> None:
    config = yaml.safe_load(path.read_text())["config"]
    assert all(key.startswith("swarmlab:") for key in config), "only swarmlab:* keys"
    raw = load(path)
    assert set(raw) <= set(KNOWN_KEYS)
    lab = parse_spec(raw)
    assert lab.leader in lab.hosts


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_stack_values_have_the_declared_types(path: Path) -> None:
    schema = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    for key, value in yaml.safe_load(path.read_text())["config"].items():
        declared = schema.get(key, {}).get("type")
        if declared is None:
            continue
        # Pulumi itself writes booleans and numbers back as strings ("true", "5").
        if declared == "boolean" and value in ("true", "false"):
            continue
        if declared == "integer" and isinstance(value, str) and value.isdigit():
            continue
        kind = SCHEMA_TYPES[declared]
        ok = isinstance(value, kind) and not (declared == "integer" and isinstance(value, bool))
        assert ok, f"{path.name}: {key} is {value!r}; Pulumi.yaml declares {declared}"


def test_vagrant_stack() -> None:
    lab = spec("vagrant")
    assert [(h.name, h.address, h.role, h.user) for h in lab.hosts] == [
        ("manager", "192.168.1.10", "manager", "root"),
        ("worker", "192.168.1.11", "worker", "root"),
    ]
    assert lab.endpoint_mode == "vip"
    assert lab.image == "busybox:1.36"  # demos run httpd, which alpine lacks
    assert lab.single_host_demos is True
    assert lab.ssh.known_hosts_file == ".lab/vagrant_known_hosts"
    assert lab.ssh.key_file == ".lab/id_ed25519"
    assert [(o.name, o.encrypted) for o in lab.overlays] == [
        ("myoverlay", False), ("secure_net", True)]
    assert (lab.macvlan.name, lab.macvlan.parent) == ("mymacvlan", "eth1")


def test_vagrant_services_are_the_seeds_pairs_with_real_images() -> None:
    lab = spec("vagrant")
    # The same names, networks and nodes as the built-in default services ...
    defaults = default_services(lab.hosts, lab.image, lab.overlays, lab.macvlan.name)
    assert [(s.name, s.network, s.node) for s in lab.services] == [
        (d["name"], d["network"], d["node"]) for d in defaults]
    # ... with the seed's own images: nginx serves, alpine pings.
    for service in lab.services:
        if service.name.endswith("web"):
            assert (service.image, service.command) == ("nginx:1.27", ())
        else:
            assert service.name.endswith("app")
            assert (service.image, service.command) == ("alpine:3.20", ("sleep", "100000"))


def test_vagrant_stack_matches_the_vagrantfile() -> None:
    vagrantfile = (ROOT / "Vagrantfile").read_text()
    manager = re.search(r'^manager_address = "([0-9.]+)"', vagrantfile, re.M)
    worker = re.search(r'^worker_address = "([0-9.]+)"', vagrantfile, re.M)
    assert manager and worker
    lab = spec("vagrant")
    assert (lab.host("manager").address, lab.host("worker").address) == (
        manager.group(1), worker.group(1))
    assert f"ip link set {lab.macvlan.parent} promisc on" in vagrantfile


def test_vagrant_stack_shares_the_local_encryption_salt() -> None:
    """Both stacks belong to the Makefile's default passphrase, so `stack select --create`
    leaves the vagrant file as it is."""
    def salt(name: str) -> str:
        return yaml.safe_load((ROOT / "stacks" / f"Pulumi.{name}.yaml").read_text())[
            "encryptionsalt"]
    assert salt("vagrant") == salt("local")


def test_hosts_example_stack() -> None:
    path = ROOT / "stacks" / "Pulumi.hosts.example.yaml"
    lab = spec("hosts.example")
    assert {h.user for h in lab.hosts} == {"admin"}
    assert lab.endpoint_mode == "vip"
    assert lab.lan_subnet == "192.168.1.0/24"
    assert all(s.image in ("nginx:1.27", "alpine:3.20") for s in lab.services)
    # Real LANs have DHCP pools: the example spells its macvlan ranges out.
    assert "ranges" in load(path)["macvlan"]
    text = path.read_text()
    assert "change" in text.lower()
    assert "encryptionsalt" not in yaml.safe_load(text), "a copy gets its own salt"
