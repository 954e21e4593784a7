"""The program's shape, with Pulumi mocks: no hosts, no root, no SSH."""

from __future__ import annotations

import ipaddress
import json
import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        outputs = dict(args.inputs)
        rid = f"{args.name}-id"
        # What the dynamic providers would report back.
        outputs.update({"network_id": rid, "service_id": rid, "container_id": rid,
                        "cluster_id": "cluster-id", "node_id": f"{args.name}-node",
                        "worker_token": "SWMTKN-1-mockworker", "manager_token": "SWMTKN-1-mockmgr",
                        "tasks": [], "addresses": {}, "state": "ready"})
        self.resources[args.name] = {"type": args.typ, "inputs": dict(args.inputs)}
        return rid, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list]:
        return {}, []


def _stack_config(stack: str = "local") -> dict[str, str]:
    config = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}


@pytest.fixture()
def program(monkeypatch: pytest.MonkeyPatch) -> tuple[RecordingMocks, dict[str, Any]]:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SWARMLAB_PREFLIGHT", "0")  # no hosts here
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="swarmlab", stack="local", preview=True)
    pulumi.runtime.set_all_config(_stack_config(), [])
    namespace = runpy.run_path(str(ROOT / "__main__.py"))
    return mocks, namespace


def _by_prefix(mocks: RecordingMocks, prefix: str) -> dict[str, dict[str, Any]]:
    return {n: r for n, r in mocks.resources.items() if n.startswith(prefix)}


@pulumi.runtime.test
def test_secure_net_is_encrypted_and_myoverlay_is_not(program):
    mocks, namespace = program

    def check(_: Any) -> None:
        nets = {r["inputs"]["name"]: r["inputs"] for r in _by_prefix(mocks, "net-").values()}
        assert nets["secure_net"]["driver"] == "overlay"
        assert "encrypted" in nets["secure_net"]["options"]
        assert "encrypted" not in nets["myoverlay"]["options"]
        assert nets["myoverlay"]["attachable"] is True

    by_name = namespace["networks"].by_name
    return pulumi.Output.all(by_name["secure_net"].network_id,
                             by_name["myoverlay"].network_id).apply(check)


@pulumi.runtime.test
def test_services_attach_to_networks_by_id_and_sit_on_different_nodes(program):
    mocks, namespace = program

    def check(_: Any) -> None:
        services = {r["inputs"]["name"]: r["inputs"] for r in _by_prefix(mocks, "svc-").values()}
        assert services["web"]["networks"] == ["net-myoverlay-id"]
        assert services["mymacvlan-web"]["networks"] == ["net-mymacvlan-id"]
        assert services["web"]["constraints"] != services["app"]["constraints"]
        assert all(s["endpoint_mode"] == "dnsrr" for s in services.values())

    return pulumi.Output.all(*[svc.service_id for svc in namespace["services"].by_name.values()]
                             ).apply(check)


@pulumi.runtime.test
def test_macvlan_is_config_only_per_node_plus_one_swarm_network(program):
    mocks, namespace = program

    def check(_: Any) -> None:
        configs = [r["inputs"] for n, r in mocks.resources.items() if "mymacvlan-config" in n]
        assert {c["target"]["name"] for c in configs} == {"manager", "worker"}
        assert all(c["config_only"] and c["options"] == {"parent": "eth1"} for c in configs)
        lan = ipaddress.IPv4Network("192.168.1.0/24")
        ranges = [ipaddress.IPv4Network(c["ip_range"]) for c in configs]
        assert all(r.subnet_of(lan) for r in ranges)
        assert not ranges[0].overlaps(ranges[1])
        swarm_net = mocks.resources["net-mymacvlan"]["inputs"]
        assert (swarm_net["driver"], swarm_net["scope"], swarm_net["config_from"]) == (
            "macvlan", "swarm", "mymacvlan-config")

    return namespace["networks"].by_name["mymacvlan"].network_id.apply(check)


@pulumi.runtime.test
def test_join_tokens_are_secret_everywhere(program):
    _, namespace = program
    swarm = namespace["swarm"]

    async def flags() -> list[bool]:
        return [await swarm.worker_token.is_secret(), await swarm.manager_token.is_secret(),
                await swarm.unlock_key.is_secret(),
                await swarm.joins["worker"].urn.is_known()]

    def check(values: list[bool]) -> None:
        assert values == [True, True, True, True]

    return pulumi.Output.from_input(flags()).apply(check)


@pulumi.runtime.test
def test_worker_joins_with_the_worker_token_after_init(program):
    mocks, namespace = program

    def check(_: Any) -> None:
        join = mocks.resources["swarm-join-worker"]["inputs"]
        assert join["role"] == "worker"
        assert join["manager_addr"] == "192.168.1.10"
        assert join["advertise_addr"] == "192.168.1.11"

    return namespace["swarm"].joins["worker"].node_id.apply(check)


@pulumi.runtime.test
def test_single_host_demos_cover_bridge_host_none_and_custom_bridges(program):
    mocks, namespace = program

    def check(_: Any) -> None:
        containers = {(r["inputs"]["target"]["name"], r["inputs"]["name"]): r["inputs"]
                      for n, r in mocks.resources.items() if n.startswith("demo-")
                      and "command" in r["inputs"] and "network" in r["inputs"]}
        for host in ("manager", "worker"):
            assert containers[(host, "web1")]["network"] == "bridge"
            assert containers[(host, "hostweb")]["network"] == "host"
            assert containers[(host, "isolated")]["network"] == "none"
            assert containers[(host, "db")]["network"] == f"demo-{host}-myappnet-id"
            assert containers[(host, "web")]["network"] == f"demo-{host}-myappnet-id"
            assert containers[(host, "app")]["network"] == f"demo-{host}-mynetwork-id"

    return pulumi.Output.all(*[c.container_id for demo in namespace["demos"]
                               for c in demo.containers.values()]).apply(check)


@pytest.fixture()
def dependencies(monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """Per resource name (dynamic resources and components), the names of the resources it
    explicitly waits for (depends_on)."""
    recorded: dict[str, set[str]] = {}

    def recording(original):  # type: ignore[no-untyped-def]
        def init(self, first, name, props=None, opts=None):  # type: ignore[no-untyped-def]
            recorded[name] = {dep._name for dep in (opts.depends_on if opts else None) or []}
            original(self, first, name, props, opts)
        return init

    for cls in (pulumi.dynamic.Resource, pulumi.ComponentResource):
        monkeypatch.setattr(cls, "__init__", recording(cls.__init__))
    return recorded


@pulumi.runtime.test
def test_each_resource_waits_only_for_the_hosts_it_uses(dependencies, program):
    # Overlays need only the init; a service, its network and its own node's join; the
    # macvlan swarm network, the init and the config networks; demos, their own host.
    # One slow join must not hold up anything on other hosts.
    assert dependencies["net-myoverlay"] == {"swarm-init-manager"}
    assert dependencies["net-secure_net"] == {"swarm-init-manager"}
    assert dependencies["net-mymacvlan"] == {"swarm-init-manager", "net-mymacvlan-config-manager",
                                             "net-mymacvlan-config-worker"}
    assert dependencies["net-mymacvlan-config-worker"] == set()
    assert dependencies["svc-web"] == {"net-myoverlay", "swarm-join-worker"}
    assert dependencies["svc-app"] == {"net-myoverlay", "swarm-init-manager"}
    assert dependencies["swarm-join-worker"] == {"swarm-init-manager"}
    assert dependencies["demo-manager"] == {"swarm-init-manager"}
    assert dependencies["demo-worker"] == {"swarm-join-worker"}
