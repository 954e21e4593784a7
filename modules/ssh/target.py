"""How to reach one host: the one shape, in the program, the providers, the tools and the
tests. Plain data, so dynamic providers keep it in their inputs (as_dict/from_dict)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from modules.spec.model import HostSpec, LabSpec


@dataclass(frozen=True)
class Target:
    name: str
    address: str
    """The host's lab address (what messages name, and what the swarm uses)."""
    user: str
    key_file: str
    known_hosts_file: str
    connect_timeout: float = 5.0
    command_timeout: float = 120.0
    ssh_host: str | None = None
    """Where SSH connects when that is not the lab address (a VM's forwarded port)."""
    port: int = 22

    @property
    def endpoint(self) -> str:
        return self.ssh_host or self.address

    @property
    def label(self) -> str:
        """How messages name the host: `worker (192.168.1.11)`."""
        return f"{self.name} ({self.address})"

    @classmethod
    def for_host(cls, spec: LabSpec, host: HostSpec) -> Target:
        return cls(name=host.name, address=host.address, user=host.user,
                   key_file=spec.ssh.key_file, known_hosts_file=spec.ssh.known_hosts_file,
                   connect_timeout=spec.ssh.connect_timeout,
                   command_timeout=spec.ssh.command_timeout,
                   ssh_host=host.ssh_host, port=host.ssh_port)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Target:
        """From a provider's inputs, where Pulumi has made every number a float."""
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        if "port" in values:
            values["port"] = int(values["port"])
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
