"""What `docker ... inspect` reports of a network, service or container made with given
settings, as dockerd words it (the image pinned by digest, labels and options of its own,
lists in its own order): what the adoption tests compare with the lab's settings."""

from __future__ import annotations

from typing import Any

from modules.docker.container import ContainerSettings
from modules.docker.network import NetworkSettings
from modules.docker.service import ServiceSettings


def network_doc(s: NetworkSettings, ident: str = "n1") -> dict[str, Any]:
    return {"Id": ident, "Name": s.name, "Driver": s.driver, "Scope": s.scope or "local",
            "Attachable": s.attachable,
            "IPAM": {"Config": [{"Subnet": s.subnet or "", "Gateway": s.gateway or "",
                                 **({"IPRange": s.ip_range} if s.ip_range else {})}]},
            "Options": {**s.options, "com.docker.network.driver.overlay.vxlanid_list": "4097"},
            "ConfigOnly": s.config_only, "ConfigFrom": {"Network": s.config_from or ""},
            "Labels": {**s.labels, "com.example.other": "x"}}


def service_doc(s: ServiceSettings, ident: str = "s1") -> dict[str, Any]:
    return {"ID": ident,
            "Spec": {"Name": s.name, "Labels": {**s.labels, "com.docker.stack.namespace": "x"},
                     "EndpointSpec": {"Mode": s.endpoint_mode},
                     "Mode": {"Replicated": {"Replicas": s.replicas}},
                     "TaskTemplate": {"ContainerSpec": {"Image": f"{s.image}@sha256:ab",
                                                        "Args": s.command, "Init": s.init},
                                      "Networks": [{"Target": n} for n in reversed(s.networks)],
                                      "Placement": {"Constraints": s.constraints}}}}


def container_doc(s: ContainerSettings, network_name: str | None = None, ident: str = "c1",
                  running: bool = True) -> dict[str, Any]:
    """`network_name`: the name of the network the settings give by ID."""
    return {"Id": ident, "Name": f"/{s.name}", "State": {"Running": running},
            "Config": {"Image": s.image, "Cmd": s.command}, "HostConfig": {"Init": s.init},
            "NetworkSettings": {"Networks": {network_name or s.network: {
                "NetworkID": s.network, "IPAddress": "172.17.0.3"}}}}
