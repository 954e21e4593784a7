"""One VM's dockerd stopped and started again (`make node-stop`/`node-start`, `make heal`):
systemd in the guest, over the management SSH a partition never cuts. The socket unit goes
too: a stopped docker.service with its socket listening would start again at the next
`docker` command."""

from __future__ import annotations

from hosts.paths import LabPaths
from hosts.report import StepError
from hosts.vm import inventory, remote

STOP = "systemctl stop docker.socket docker.service && echo stopped"
START = ("systemctl start docker.socket docker.service && "
         "docker version --format '{{.Server.Version}}'")


def _run(lab: LabPaths, name: str, command: str) -> str:
    record = next((r for r in inventory.read(lab) if r["name"] == name), None)
    if record is None:
        raise StepError("node", "no such VM in this lab", name)
    client = remote.connect(lab, int(record["ssh"]["port"]))
    try:
        code, out, err = remote.run(client, command, timeout=120.0)
    finally:
        client.close()
    if code != 0:
        raise StepError("node", (err or out).strip() or f"exit {code}", name)
    return out.strip()


def stop_docker(lab: LabPaths, name: str) -> str:
    _run(lab, name, STOP)
    return "docker.service and docker.socket stopped"


def start_docker(lab: LabPaths, name: str) -> str:
    return f"dockerd {_run(lab, name, START)} running"
