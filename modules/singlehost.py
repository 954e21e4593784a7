"""The seed's single-host networks on one node: bridge, custom bridges, host, none."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from modules.config import HostSpec, LabSpec
from modules.providers import Container, Network
from modules.targets import target_for

HTTPD = ["httpd", "-f", "-p", "80", "-h", "/www"]
IDLE = ["sleep", "100000"]
HOST_PORT = 8080


@dataclass
class SingleHostDemosArgs:
    spec: LabSpec
    """The validated lab: the image and the hosts."""
    host: HostSpec
    """The node these demos run on (through that node's own daemon)."""


class SingleHostDemos(pulumi.ComponentResource):
    """On one node, the seed's single-host lesson:

    - `web1` and `web2` on the default `bridge`: they reach each other by IP, not by name
      (the default bridge has no embedded DNS);
    - `docker network create mynetwork` with `app` on it;
    - `docker network create myappnet` with `db` and `web`: `web` pings `db` by name;
    - `hostweb` with `--network host`: it serves on the host's own address, port 8080;
    - `isolated` with `--network none`: only a loopback interface.
    """

    def __init__(self, name: str, args: SingleHostDemosArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("swarmlab:singlehost:SingleHostDemos", name, None, opts)
        spec, host = args.spec, args.host
        target = target_for(spec, host)
        child = pulumi.ResourceOptions(parent=self)
        self.networks: dict[str, Network] = {
            net: Network(f"{name}-{net}", target, net, driver="bridge", opts=child)
            for net in ("mynetwork", "myappnet")
        }

        def container(cname: str, network: pulumi.Input[str], command: list[str],
                      after: list[pulumi.Resource] | None = None) -> Container:
            return Container(f"{name}-{cname}", target, cname, spec.image, network, command,
                             opts=pulumi.ResourceOptions(parent=self, depends_on=after or []))

        self.containers: dict[str, Container] = {
            "web1": container("web1", "bridge", HTTPD),
            "web2": container("web2", "bridge", HTTPD),
            "app": container("app", self.networks["mynetwork"].network_id, IDLE,
                             [self.networks["mynetwork"]]),
            "db": container("db", self.networks["myappnet"].network_id, IDLE,
                            [self.networks["myappnet"]]),
            "web": container("web", self.networks["myappnet"].network_id, HTTPD,
                             [self.networks["myappnet"]]),
            "hostweb": container("hostweb", "host",
                                 ["httpd", "-f", "-p", f"{host.address}:{HOST_PORT}", "-h", "/www"]),
            "isolated": container("isolated", "none", IDLE),
        }
        self.addresses = {n: c.addresses for n, c in self.containers.items()}
        self.register_outputs({"addresses": self.addresses})
