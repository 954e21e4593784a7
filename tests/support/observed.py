"""What the lab's tests read, read once per lab in two round trips per host (tests/support/
gather.py), the hosts side by side: each host's Docker objects, listening sockets and swarm
state, and the traffic the tests prove (pings, pages, a port reached). The tests then assert
on what was said. Nothing here changes the lab."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.support.gather import Said, on_hosts
from tests.support.lab import Lab
from tests.support.live import pair_of

SERVICE_LABEL = "com.docker.swarm.service.name"
HTTP_GET = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | {nc} -w 3 {name} {port}"
# testinfra's port check: nc where the host has it, else bash's /dev/tcp. Bounded at 10 s, not
# testinfra's 1 s: it runs beside the host's other reads, and on a VM under emulation bash
# alone took over 2 s to start there.
REACH = ("if command -v nc >/dev/null; then nc -w 10 -z {addr} {port}; "
         "else timeout 10 bash -c 'cat </dev/null >/dev/tcp/{addr}/{port}'; fi")
# The seed's cross-host pairs: a client service and the server it reaches, by name.
PAIRS = (("app", "web"), ("mymacvlan-app", "mymacvlan-web"))


def _facts(lab: Lab, name: str) -> dict[str, str]:
    """What every host is asked first: its objects, sockets and swarm state, and the
    single-host demos where it runs them."""
    facts = {
        "network inspect": "docker network inspect $(docker network ls -q)",
        "container inspect": "ids=$(docker ps -q); if [ -n \"$ids\" ]; then docker inspect "
                             "$ids; else echo '[]'; fi",
        "swarm": "docker info --format '{{json .Swarm}}'",
        "tcp": "ss -Hltn",
        "udp": "ss -Hlun",
    }
    role = next(h["role"] for h in lab.inventory if h["name"] == name)
    if role == "manager" or name in lab.outputs["singleHost"]:
        facts["networks"] = "docker network ls --format '{{.Name}} {{.Driver}} {{.Scope}}'"
    if role == "manager":
        facts["nodes"] = ("docker node ls --format "
                          "'{{.Hostname}} {{.Status}} {{.Availability}} {{.ManagerStatus}}'")
        facts["myoverlay peers"] = "docker network inspect --verbose myoverlay"
    else:
        facts["reach manager:2377"] = REACH.format(addr=lab.address("manager"), port=2377)
    if name in lab.outputs["singleHost"]:
        facts.update({
            "web1 -> web2 by address": "docker exec web1 ping -c 1 -W 2 $(docker inspect -f "
                                       "'{{.NetworkSettings.Networks.bridge.IPAddress}}' web2)",
            "web1 -> web2 by name": "docker exec web1 ping -c 1 -W 2 web2",
            "web -> db": "docker exec web ping -c 1 -W 2 db",
            "hostweb eth1": "docker exec hostweb ip -o -4 addr show eth1",
            "isolated links": "docker exec isolated ip -o link show",
        })
    for demo in lab.outputs["singleHost"]:
        if name == other_host(lab, demo):
            facts[f"page {demo}:8080"] = HTTP_GET.format(
                nc="busybox nc", name=lab.address(demo), port=8080)
    return facts


def other_host(lab: Lab, name: str) -> str:
    """The host that asks a demo host's host-network server for its page."""
    return next(h["name"] for h in lab.inventory if h["name"] != name)


@dataclass
class Seen:
    """Per host, what each command said."""

    said: dict[str, dict[str, Said]]
    _parsed: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)

    def out(self, host: str, key: str) -> str:
        return self.said[host][key].ok()

    def listed(self, host: str, key: str) -> list[dict[str, Any]]:
        """An inspect of everything a host listed a moment before: an object gone in between
        (a task replaced) is left out, as docker says, and fails nothing else."""
        if (host, key) not in self._parsed:
            said = self.said[host][key]
            gone = all("No such" in line for line in said.stderr.splitlines())
            text = said.stdout if said.rc != 0 and gone and said.stdout.strip() else said.ok()
            self._parsed[host, key] = list(json.loads(text))
        return self._parsed[host, key]

    def networks(self, host: str) -> dict[str, dict[str, Any]]:
        """`docker network inspect` of every network on the host, by name."""
        return {n["Name"]: n for n in self.listed(host, "network inspect")}

    def containers(self, host: str) -> dict[str, dict[str, Any]]:
        """`docker inspect` of every running container on the host, by name and by ID."""
        found = self.listed(host, "container inspect")
        return {**{c["Name"].lstrip("/"): c for c in found}, **{c["Id"][:12]: c for c in found}}

    def task(self, service: str) -> tuple[str, str]:
        """(host, container ID) of the first running task of a service."""
        for host in self.said:
            for found in self.listed(host, "container inspect"):
                if (found["Config"].get("Labels") or {}).get(SERVICE_LABEL) == service:
                    return host, found["Id"][:12]
        raise AssertionError(f"no running task of service {service} on any host")

    def pair(self, prefix: str) -> tuple[str, str, str]:
        """Where the seed's pair `<prefix>app` and `<prefix>web` run, as read."""
        return pair_of(self.task, prefix)

    def listens(self, host: str, proto: str, address: str, port: int) -> bool:
        """A socket of `proto` bound to `address` (or to every address) on `port`."""
        bound = {line.split()[3] for line in self.out(host, proto).splitlines()}
        return any(f"{a}:{port}" in bound for a in (address, "0.0.0.0", "*", "[::]"))


def _probes(seen: Seen) -> dict[str, dict[str, str]]:
    """What the seed's client tasks are asked: ping and fetch their server by name."""
    asked: dict[str, dict[str, str]] = {}
    for client, server in PAIRS:
        try:
            host, ctr = seen.task(client)
        except AssertionError:
            continue  # the test of the pair says which task is missing
        asked.setdefault(host, {}).update({
            f"{client} -> {server} ping": f"docker exec {ctr} ping -c 1 -W 2 {server}",
            f"{client} -> {server} page": f"docker exec {ctr} sh -c "
                                          f"\"{HTTP_GET.format(nc='nc', name=server, port=80)}\"",
        })
    return asked


def gather(lab: Lab) -> Seen:
    seen = Seen(on_hosts(lab.hosts, {h["name"]: _facts(lab, h["name"]) for h in lab.inventory}))
    for host, said in on_hosts(lab.hosts, _probes(seen)).items():
        seen.said[host].update(said)
    return seen
