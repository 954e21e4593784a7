"""A create whose name is taken by a network, service or container that is not the lab's
(any one field differs) is refused, naming that field and the cure; nothing is removed,
scaled or adopted."""

from __future__ import annotations

import dataclasses
import json

import pytest

from modules.docker.container import ContainerSettings
from modules.docker.network import NetworkSettings
from modules.docker.service import ServiceSettings
from modules.providers import container, network, service
from modules.providers.base import settings_inputs
from modules.ssh import RemoteError
from tests.support.fakes import TARGET, FakeHosts, answers
from tests.support.inspected import container_doc, network_doc, service_doc

WEB = ServiceSettings("web", "swarmlab/busybox:lab", ["httpd"], networks=["n1"],
                      constraints=["node.hostname==worker"])
WEB1 = ContainerSettings("web1", "swarmlab/busybox:lab", "bridge", ["httpd"])
MACVLAN = NetworkSettings("mymacvlan", driver="macvlan", scope="swarm",
                          config_from="mymacvlan-config", labels={})
TAKEN = {
    "service": (1, "", "Error response from daemon: rpc error: code = AlreadyExists desc = "
                       "name conflicts with an existing object: service web already exists"),
    "container": (125, "", 'docker: Error response from daemon: Conflict. The container name '
                           '"/web1" is already in use by container "c9".'),
    "network": (1, "", "Error response from daemon: network with name mymacvlan already exists"),
}
CASES = [
    (service.ServiceProvider, WEB, "service create", "service inspect",
     service_doc(dataclasses.replace(WEB, labels={})),
     "a service named 'web' already exists and is not the lab's: labels: has {}, the lab "
     "wants {'swarmlab': 'true'}. Remove it (`docker service rm web`)"),
    (service.ServiceProvider, WEB, "service create", "service inspect",
     service_doc(dataclasses.replace(WEB, networks=["n2"])),
     "a service named 'web' already exists and is not the lab's: networks: has ['n2'], the "
     "lab wants ['n1']. Remove it (`docker service rm web`)"),
    (container.ContainerProvider, WEB1, "run", "container inspect",
     container_doc(dataclasses.replace(WEB1, command=["sh"])),
     "a container named 'web1' already exists and is not the lab's: command: has ['sh'], the "
     "lab wants ['httpd']. Remove it (`docker rm -f web1`)"),
    (network.NetworkProvider, MACVLAN, "network create", "network inspect",
     network_doc(dataclasses.replace(MACVLAN, scope="local")),
     "a network named 'mymacvlan' already exists and is not the lab's: scope: has 'local', "
     "the lab wants 'swarm'. Remove it (`docker network rm mymacvlan`)"),
    (network.NetworkProvider, MACVLAN, "network create", "network inspect",
     network_doc(dataclasses.replace(MACVLAN, config_from="other-config")),
     "a network named 'mymacvlan' already exists and is not the lab's: config_from: has "
     "'other-config', the lab wants 'mymacvlan-config'. Remove it (`docker network rm "
     "mymacvlan`)"),
]


@pytest.mark.parametrize(("provider", "settings", "create", "inspect", "existing", "refusal"),
                         CASES, ids=[c[-1].split(": ")[1].split(":")[0] + "-" + c[1].name
                                     for c in CASES])
def test_a_namesake_that_differs_is_refused_never_adopted(monkeypatch, provider, settings, create,
                                                           inspect, existing, refusal):
    kind = provider.__name__.removesuffix("Provider").lower()
    hosts = FakeHosts(answers({f"docker {create}": TAKEN[kind],
                               f"docker {inspect}": (0, json.dumps(existing), "")},
                              default=(1, "", "unexpected"))).install(monkeypatch)
    with pytest.raises(RemoteError) as caught:
        provider().create({"target": TARGET.as_dict(), **settings_inputs(settings)})
    assert str(caught.value) == (f"worker (192.168.1.11): {refusal} or rename it, then run "
                                 "`pulumi up` again")
    made, looked = hosts.ran()  # and nothing else: no removal, no scaling
    assert made.startswith(f"docker {create} ") and looked.startswith(f"docker {inspect} ")
