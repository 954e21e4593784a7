"""The program's shape, with Pulumi mocks: no hosts, no root, no SSH."""

from __future__ import annotations

import ipaddress
from typing import Any

import pulumi
import pytest

from modules import outputs, program
from tests.support import mocks
from tests.support.stacks import local_spec


@pytest.fixture()
def recorded(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """Per resource name (dynamic resources and components): the options it was declared
    with, as {"depends_on": set of names, "secret_outputs": list}."""
    options: dict[str, dict[str, Any]] = {}

    def recording(original):  # type: ignore[no-untyped-def]
        def init(self, first, name, props=None, opts=None):  # type: ignore[no-untyped-def]
            options[name] = {
                "depends_on": {dep._name for dep in (opts.depends_on if opts else None) or []},
                "secret_outputs": list((opts.additional_secret_outputs if opts else None) or [])}
            original(self, first, name, props, opts)
        return init

    for cls in (pulumi.dynamic.Resource, pulumi.ComponentResource):
        monkeypatch.setattr(cls, "__init__", recording(cls.__init__))
    return options


@pytest.fixture()
def lab() -> tuple[mocks.RecordingMocks, program.Lab]:
    recorder = mocks.start()
    return recorder, program.build(local_spec())


def _inputs(recorder: mocks.RecordingMocks, prefix: str) -> dict[str, dict[str, Any]]:
    return {n: r["inputs"] for n, r in recorder.resources.items() if n.startswith(prefix)}


@pulumi.runtime.test
def test_secure_net_is_encrypted_and_myoverlay_is_not(lab):
    recorder, built = lab

    def check(_: Any) -> None:
        nets = {i["name"]: i for i in _inputs(recorder, "net-").values()}
        assert nets["secure_net"]["driver"] == "overlay"
        assert "encrypted" in nets["secure_net"]["options"]
        assert "encrypted" not in nets["myoverlay"]["options"]
        assert nets["myoverlay"]["attachable"] is True

    by_name = built.networks.by_name
    return pulumi.Output.all(by_name["secure_net"].network_id,
                             by_name["myoverlay"].network_id).apply(check)


@pulumi.runtime.test
def test_services_attach_to_networks_by_id_and_sit_on_different_nodes(lab):
    recorder, built = lab

    def check(_: Any) -> None:
        services = {i["name"]: i for i in _inputs(recorder, "svc-").values()}
        assert services["web"]["networks"] == ["net-myoverlay-id"]
        assert services["mymacvlan-web"]["networks"] == ["net-mymacvlan-id"]
        assert services["web"]["constraints"] != services["app"]["constraints"]
        assert all(s["endpoint_mode"] == "dnsrr" for s in services.values())

    return pulumi.Output.all(*[svc.service_id for svc in built.services.by_name.values()]
                             ).apply(check)


@pulumi.runtime.test
def test_macvlan_is_config_only_per_node_plus_one_swarm_network(lab):
    recorder, built = lab

    def check(_: Any) -> None:
        configs = [i for n, i in recorder.resources.items() if "mymacvlan-config" in n
                   for i in [i["inputs"]]]
        assert {c["target"]["name"] for c in configs} == {"manager", "worker"}
        assert all(c["config_only"] and c["options"] == {"parent": "eth1"} for c in configs)
        lan = ipaddress.IPv4Network("192.168.1.0/24")
        ranges = [ipaddress.IPv4Network(c["ip_range"]) for c in configs]
        assert all(r.subnet_of(lan) for r in ranges)
        assert not ranges[0].overlaps(ranges[1])
        swarm_net = recorder.resources["net-mymacvlan"]["inputs"]
        assert (swarm_net["driver"], swarm_net["scope"], swarm_net["config_from"]) == (
            "macvlan", "swarm", "mymacvlan-config")

    return built.networks.by_name["mymacvlan"].network_id.apply(check)


def test_the_join_tokens_are_secret_outputs_of_the_init(recorded):
    mocks.start()
    program.build(local_spec())
    assert set(recorded["swarm-init-manager"]["secret_outputs"]) == {
        "worker_token", "manager_token", "unlock_key"}


@pulumi.runtime.test
def test_the_join_token_reaches_the_join_as_a_secret(lab):
    recorder, built = lab

    async def secret() -> bool:
        await built.swarm.joins["worker"].node_id.future()
        return await built.swarm.worker_token.is_secret()

    def check(is_secret: bool) -> None:
        join = recorder.resources["swarm-join-worker"]["inputs"]
        assert is_secret
        assert join["role"] == "worker"
        assert join["manager_addr"] == "192.168.1.10"
        assert join["advertise_addr"] == "192.168.1.11"

    return pulumi.Output.from_input(secret()).apply(check)


@pulumi.runtime.test
def test_single_host_demos_cover_bridge_host_none_and_custom_bridges(lab):
    recorder, built = lab

    def check(_: Any) -> None:
        containers = {(i["target"]["name"], i["name"]): i for n, i in
                      _inputs(recorder, "demo-").items() if "command" in i}
        for host in ("manager", "worker"):
            assert containers[(host, "web1")]["network"] == "bridge"
            assert containers[(host, "hostweb")]["network"] == "host"
            assert containers[(host, "isolated")]["network"] == "none"
            assert containers[(host, "db")]["network"] == f"demo-{host}-myappnet-id"
            assert containers[(host, "web")]["network"] == f"demo-{host}-myappnet-id"
            assert containers[(host, "app")]["network"] == f"demo-{host}-mynetwork-id"

    return pulumi.Output.all(*[c.container_id for demo in built.demos.values()
                               for c in demo.containers.values()]).apply(check)


@pulumi.runtime.test
def test_the_readiness_gate_proves_each_network_its_peers_and_the_demos(lab):
    recorder, built = lab

    def check(_: Any) -> None:
        gate = recorder.resources["ready-gate"]["inputs"]
        tried = [alts[0] for alts in gate["checks"]]
        pings = {(c["source"]["name"], c["target"], c["network"]) for c in tried
                 if c["kind"] == "ping"}
        assert ("app", "tasks.web", "myoverlay") in pings
        assert ("secure-net-app", "tasks.secure-net-web", "secure_net") in pings
        assert ("mymacvlan-app", "tasks.mymacvlan-web", "mymacvlan") in pings
        assert ("web1", "@web2", "bridge") in pings and ("web", "db", "myappnet") in pings
        encrypted = [c for c in tried if c["network"] == "secure_net" and c["kind"] == "ping"]
        assert encrypted and all(c["requires"] == "esp" for c in encrypted)
        # Gossip needs no ESP: every host of each overlay counts the others among its peers.
        peers = {(c["source"]["host"], c["target"], c["network"], c["requires"]) for c in tried
                 if c["kind"] == "peers"}
        assert peers == {(h, "192.168.1.10 192.168.1.11", net, "") for h in ("manager", "worker")
                         for net in ("myoverlay", "secure_net")}
        assert {c["target"] for c in tried if c["kind"] == "tasks"} == set(built.services.by_name)

    return built.readiness.gate.passed.apply(check)


def test_each_resource_waits_only_for_the_hosts_it_uses(recorded):
    # Overlays need only the init; a service, its network and its own node's join; the
    # macvlan swarm network, the init and the config networks; demos, their own host.
    # One slow join must not hold up anything on other hosts.
    mocks.start()
    program.build(local_spec())
    deps = {name: o["depends_on"] for name, o in recorded.items()}
    assert deps["net-myoverlay"] == {"swarm-init-manager"}
    assert deps["net-secure_net"] == {"swarm-init-manager"}
    assert deps["net-mymacvlan"] == {"swarm-init-manager", "net-mymacvlan-config-manager",
                                     "net-mymacvlan-config-worker"}
    assert deps["net-mymacvlan-config-worker"] == {"preflight"}
    assert deps["swarm-init-manager"] == {"preflight"}
    assert deps["svc-web"] == {"net-myoverlay", "swarm-join-worker"}
    assert deps["svc-app"] == {"net-myoverlay", "swarm-init-manager"}
    # On one node, one service after the other (their first tasks join the networks' gossip
    # one at a time; see SwarmServices).
    assert deps["svc-secure-net-web"] == {"net-secure_net", "swarm-join-worker", "svc-web"}
    assert deps["svc-mymacvlan-app"] == {"net-mymacvlan", "swarm-init-manager",
                                         "svc-secure-net-app"}
    assert deps["swarm-join-worker"] == {"swarm-init-manager"}
    assert deps["demo-manager"] == {"swarm-init-manager"}
    assert deps["demo-worker"] == {"swarm-join-worker"}
    assert deps["ready-gate"] == {*(f"svc-{s}" for s in ("web", "app", "secure-net-web",
                                                         "secure-net-app", "mymacvlan-web",
                                                         "mymacvlan-app")),
                                  "demo-manager", "demo-worker"}


@pulumi.runtime.test
def test_every_output_of_the_schema_is_exported_and_only_the_secrets_are_secret(lab, monkeypatch):
    _, built = lab
    exported: dict[str, Any] = {}
    monkeypatch.setattr(pulumi, "export", exported.__setitem__)
    outputs.export(program.values(built))
    assert list(exported) == [*outputs.LabOutputs.__annotations__, *outputs.SECRET_KEYS]

    async def resolved() -> dict[str, tuple[Any, bool]]:
        found = {}
        for key, value in exported.items():
            out = pulumi.Output.from_input(value)
            found[key] = (await out.future(), await out.is_secret())
        return found

    def check(found: dict[str, tuple[Any, bool]]) -> None:
        assert [k for k, (_, secret) in found.items() if secret] == list(outputs.SECRET_KEYS)
        values = {k: value for k, (value, _) in found.items()}
        assert values["workerJoinToken"] == values["managerJoinToken"] == mocks.MOCK_TOKEN
        assert mocks.MOCK_TOKEN not in str([values[k] for k in outputs.LabOutputs.__annotations__])
        networks = values["networks"]
        assert set(networks) == {"myoverlay", "secure_net", "mymacvlan"}
        assert all(set(n) == set(outputs.NetworkOut.__annotations__) for n in networks.values())
        assert {name: n["encrypted"] for name, n in networks.items()} == {
            "myoverlay": False, "secure_net": True, "mymacvlan": False}
        assert networks["mymacvlan"]["driver"] == "macvlan"
        nodes = values["nodes"]
        assert set(nodes) == {"manager", "worker"}
        assert all(set(n) == set(outputs.NodeOut.__annotations__) for n in nodes.values())
        assert set(values["ready"]) == set(outputs.ReadyOut.__annotations__)
        # The parsed form the tools read accepts what was exported.
        assert set(outputs.parse(values)) == set(outputs.LabOutputs.__annotations__)

    return pulumi.Output.from_input(resolved()).apply(check)


def test_no_stack_links_no_links_resources(recorded):
    mocks.start()
    built = program.build(local_spec())
    assert built.links is None
    assert not [n for n in recorded if n.startswith("links")]


@pulumi.runtime.test
def test_without_links_the_preflight_inputs_are_what_they_were(lab):
    recorder, built = lab

    def check(_: Any) -> None:
        # A lab built before the setting existed shows no change in its preflight.
        inputs = recorder.resources["preflight"]["inputs"]
        assert {k for k in inputs if not k.startswith("__")} == {
            "targets", "roles", "parent", "images"}

    return built.readiness.gate.passed.apply(check)


def test_each_linked_host_gets_its_netem_after_the_preflight_and_the_gate_waits_for_it(recorded):
    mocks.start()
    built = program.build(local_spec(links={"worker": {"delay": "100ms", "loss": "5%"}}))
    assert built.links is not None and list(built.links.by_host) == ["worker"]
    assert [n for n in recorded if n.startswith("links")] == ["links", "links-worker"]
    # Only the host has to be there: not the swarm, nor any service.
    assert recorded["links-worker"]["depends_on"] == {"preflight"}
    assert "links-worker" in recorded["ready-gate"]["depends_on"]


@pulumi.runtime.test
def test_a_links_resource_holds_the_host_its_interface_and_the_netem_options():
    recorder = mocks.start()
    spec = local_spec(links={"manager": {"rate": "10mbit"},
                             "worker": {"delay": "100ms", "jitter": "10ms", "loss": "5%"}})
    built = program.build(spec)
    assert built.links is not None

    def check(_: Any) -> None:
        found = {n: r["inputs"] for n, r in recorder.resources.items() if n.startswith("links-")}
        assert set(found) == {"links-manager", "links-worker"}
        worker = found["links-worker"]
        assert worker["target"]["name"] == "worker" and worker["iface"] == "eth1"
        assert worker["netem"] == ["delay", "100ms", "10ms", "loss", "5%"]
        assert worker["values"] == {"delay": "100ms", "jitter": "10ms", "loss": "5%"}
        assert found["links-manager"]["netem"] == ["rate", "10mbit"]
        # The preflight asks both for netem before either is touched.
        assert recorder.resources["preflight"]["inputs"]["netem"] == ["manager", "worker"]

    return pulumi.Output.all(*[link.applied for link in built.links.by_host.values()]
                             ).apply(check)
