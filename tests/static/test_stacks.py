"""Every committed stack file is a valid lab once `make stack` completes it: parse_spec takes
it, its values have the kinds modules/spec/settings.py declares, none carries a per-lab salt,
and the vagrant and example stacks say what they promise."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from hosts import topology
from modules.spec import LabSpec, content, parse_spec
from modules.spec.settings import BY_KEY
from tools.lab import stackfile

ROOT = Path(__file__).resolve().parents[2]
STACK_FILES = sorted((ROOT / "stacks").glob("Pulumi.*.yaml"))
KINDS: dict[str, type | tuple[type, ...]] = {
    "string": str, "integer": int, "boolean": bool, "array": list, "object": dict,
}


def committed(path: Path) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text()))


# The hosts each stack is built on by the hosts tool (the scale stack pins a service to
# each of its six hosts).
COUNTS = {"scale": (3, 3)}


def spec(name: str, tmp_path: Path) -> LabSpec:
    """The stack as `make stack` completes it for a lab that has no hosts yet (tmp_path), with
    the host list the hosts tool writes for it."""
    config = stackfile.settings(name, tmp_path)
    raw = {key.split(":", 1)[1]: value for key, value in config.items()}
    net = topology.lab_net("static", raw.get("lanSubnet", topology.DEFAULT_SUBNET))
    hosts = [{"name": h.name, "address": h.address, "role": h.role}
             for h in topology.plan(*COUNTS.get(name, (1, 1)), net=net)]
    return parse_spec(raw, hosts if "hostsFile" in raw else None)


def test_the_expected_stacks_exist() -> None:
    names = {p.name for p in STACK_FILES}
    assert {"Pulumi.local.yaml", "Pulumi.vagrant.yaml", "Pulumi.hosts.example.yaml"} <= names


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_stack_parses_and_carries_no_salt(path: Path, tmp_path: Path) -> None:
    data = committed(path)
    assert set(data) == {"config"}, "a committed stack holds settings only (no encryptionsalt)"
    assert all(key.startswith("swarmlab:") for key in data["config"]), "only swarmlab:* keys"
    lab = spec(path.name[len("Pulumi."):-len(".yaml")], tmp_path)
    assert lab.leader in lab.hosts


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_stack_values_have_the_declared_kinds(path: Path) -> None:
    for key, value in committed(path)["config"].items():
        kind = KINDS[BY_KEY[key.split(":", 1)[1]].kind]
        assert isinstance(value, kind) and not (kind is int and isinstance(value, bool)), (
            f"{path.name}: {key} is {value!r}; settings.py declares {kind.__name__}")


def test_the_local_stack_takes_its_hosts_from_the_hosts_tool() -> None:
    config = stackfile.settings("local", ROOT / ".lab")
    assert "swarmlab:hosts" not in config
    assert config["swarmlab:hostsFile"] == ".lab/hosts.json"
    assert config["swarmlab:sshKeyFile"] == ".lab/id_ed25519"


def test_vagrant_services_are_the_seeds_pairs_with_real_images(tmp_path: Path) -> None:
    lab = spec("vagrant", tmp_path)
    defaults = content.default_services([h.name for h in lab.hosts], lab.image,
                                        [o.name for o in lab.overlays], lab.macvlan.name)
    assert [(s.name, s.network, s.node) for s in lab.services] == [
        (d["name"], d["network"], d["node"]) for d in defaults]
    for service in lab.services:
        if service.name.endswith("web"):
            assert (service.image, service.command) == ("nginx:1.27", ())
        else:
            assert (service.image, service.command) == ("alpine:3.20", ("sleep", "100000"))


def test_vagrant_stack_matches_the_vagrantfile(tmp_path: Path) -> None:
    vagrantfile = (ROOT / "Vagrantfile").read_text()
    manager = re.search(r'^manager_address = "([0-9.]+)"', vagrantfile, re.M)
    worker = re.search(r'^worker_address = "([0-9.]+)"', vagrantfile, re.M)
    assert manager and worker
    lab = spec("vagrant", tmp_path)
    assert lab.endpoint_mode == "vip"
    assert (lab.host("manager").address, lab.host("worker").address) == (
        manager.group(1), worker.group(1))


def test_hosts_example_stack(tmp_path: Path) -> None:
    path = ROOT / "stacks" / "Pulumi.hosts.example.yaml"
    lab = spec("hosts.example", tmp_path)
    assert {h.user for h in lab.hosts} == {"admin"}
    assert lab.endpoint_mode == "vip"
    assert all(s.image in ("nginx:1.27", "alpine:3.20") for s in lab.services)
    # Real LANs have DHCP pools: the example spells its macvlan ranges out.
    assert "ranges" in committed(path)["config"]["swarmlab:macvlan"]
    assert "change" in path.read_text().lower()


def test_a_stack_that_names_another_lan_than_the_hosts_is_refused(tmp_path: Path) -> None:
    """The hosts tool made the hosts on one LAN: a stack asking for another cannot use them."""
    (tmp_path / "net.json").write_text('{"lab": "blue", "tag": "blue", "subnet": '
                                       '"192.168.9.0/24", "backend": "onebox"}\n')
    with pytest.raises(ValueError, match=r"swarmlab:lanSubnet is 192.168.2.0/24, but lab blue's "
                                         r"hosts were made on 192.168.9.0/24"):
        stackfile.settings("blue", tmp_path)
    # A stack that names no LAN takes the hosts'.
    assert stackfile.settings("local", tmp_path)["swarmlab:lanSubnet"] == "192.168.9.0/24"


@pytest.mark.parametrize("name", ["vm", "hosts.example"])
def test_the_commented_links_example_is_a_valid_setting(name: str, tmp_path: Path) -> None:
    text = (ROOT / "stacks" / f"Pulumi.{name}.yaml").read_text()
    example = re.search(r"^  # swarmlab:links:\n((?:  #   .*\n)+)", text, re.MULTILINE)
    assert example, f"Pulumi.{name}.yaml has no commented swarmlab:links example"
    lines = ["swarmlab:links:", *(line.replace("  #", "", 1) for line in
                                  example[1].splitlines())]
    links = yaml.safe_load("\n".join(lines))["swarmlab:links"]
    hosts = [{"name": h.name, "address": h.address, "role": h.role}
             for h in spec(name, tmp_path).hosts]
    assert parse_spec({"hosts": hosts, "links": links}).links, links
