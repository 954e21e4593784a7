"""Shell for trying things from inside the lab: one probe per check, all of a host's probes
in one script that runs them at once and prints one `PROBE <index> <exit> <last line>` line
each. Every value is quoted; the tools are busybox's (the lab image and every lab host have
them): ping, nslookup, nc."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Protocol

# Exit codes: the probe's tool is missing in the source (docker exec: 126/127), the source
# itself is missing (no running task of the service on that host).
MISSING_TOOL = (126, 127)
# `timeout` ends a probe that gets no answer (a name Docker's embedded DNS does not know is
# never answered: a resolver waits 5 s a try): its exit codes, the time a probe gets beyond
# its own tool's wait (a `docker exec` takes seconds on a VM under emulation), and the grace
# before SIGKILL.
TIMED_OUT = (124, 137)
EXEC_ALLOWANCE = 8
GRACE = 1
# Probes at once per core. Each is a `docker exec`; on a 2-vCPU VM under emulation, 8 at once
# let some execs outlast EXEC_ALLOWANCE before their ping ran (the matrix's 30 pings: wrong
# cells in 3 runs of 3), 4 at once did not (5 runs of 5).
PER_CORE = 2
NO_SOURCE = 3
NO_KERNEL_FEATURE = 4

# Whether the host's kernel has ESP (IPsec): a throwaway SA between loopback addresses,
# added and deleted (without a policy it carries nothing), as `docker network create
# --opt encrypted` will need. Some kernels (this project's one-box machines) have none.
_XFRM_ID = "src 127.0.0.1 dst 127.0.0.2 proto esp spi 0x5357"
ESP_TRIAL = (f"ip xfrm state add {_XFRM_ID} reqid 21335 mode transport "
             "aead 'rfc4106(gcm(aes))' 0x" + "53" * 20 + f" 64 >/dev/null 2>&1 && "
             f"ip xfrm state delete {_XFRM_ID} >/dev/null 2>&1 && echo yes")

TCP_CONNECT = 'nc -w "$3" "$1" "$2" </dev/null'
HTTP_REQUEST = 'printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w "$3" "$1" "$2" | head -n 1 | ' \
               'grep -q "^HTTP/1\\.[01] [23]"'


class ProbeSource(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...


class Probe(Protocol):
    """What a probe needs of a check (modules.checks.model.Check has it)."""

    @property
    def kind(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def count(self) -> int: ...
    @property
    def timeout(self) -> int: ...
    @property
    def requires(self) -> str: ...
    @property
    def network(self) -> str: ...
    @property
    def source(self) -> ProbeSource: ...


def _q(*args: object) -> str:
    return " ".join(shlex.quote(str(a)) for a in args)


def address_of(container: str, network: str) -> str:
    """Shell that prints a container's address on a network (for a target `@<container>`)."""
    return _q("docker", "inspect", "--format",
              f'{{{{(index .NetworkSettings.Networks "{network}").IPAddress}}}}', "--", container)


def _target(probe: Probe) -> str:
    """The target, quoted; `@web2` is container web2's address on the check's network, looked
    up on the host when the probe runs (addresses are Docker's to choose)."""
    if probe.target.startswith("@"):
        return '"$t"'
    return shlex.quote(probe.target)


def tool_command(probe: Probe) -> str:
    """The command that tries it, run inside the source."""
    t = max(1, probe.timeout)
    target = _target(probe)
    if probe.kind == "ping":
        return f"{_q('ping', '-c', '1', '-W', t)} {target}"
    if probe.kind == "dns":
        return f"nslookup {target}"
    if probe.kind == "http":
        return f"{_q('sh', '-c', HTTP_REQUEST, 'probe')} {target} {_q(probe.port, t)}"
    if probe.kind == "tcp":
        return f"{_q('sh', '-c', TCP_CONNECT, 'probe')} {target} {_q(probe.port, t)}"
    raise ValueError(f"no in-container probe for {probe.kind}")


def host_command(probe: Probe) -> str:
    """The command for a probe that runs on the host itself."""
    if probe.kind == "udp":
        return f"ss -Hlun {shlex.quote(f'sport = :{probe.port}')} | grep -q ."
    if probe.kind == "swarm":
        return 'test "$(docker info --format "{{.Swarm.LocalNodeState}}")" = active'
    if probe.kind == "tasks":
        # $SERVICES: `docker service ls`, listed once for all the script's probes.
        wanted = f"{probe.target} {int(probe.count)}/{int(probe.count)}"
        return f'printf "%s\\n" "$SERVICES" | grep -qxF {shlex.quote(wanted)}'
    if probe.kind == "containers":
        names = probe.target.split()
        running = _q("docker", "inspect", "--format", "{{.State.Running}}", "--", *names)
        return f'test "$({running} 2>/dev/null | grep -c true)" -eq {len(names)}'
    if probe.kind == "peers":
        # The network's gossip members as this host's dockerd sees them (networkdb): a name
        # or a VIP of a task on another host resolves only once that host is among them.
        listed = _q("docker", "network", "inspect", "--verbose", "--format",
                    "{{range .Peers}}{{.IP}} {{end}}", "--", probe.network)
        return (f'p=$({listed} 2>&1) || {{ printf "%s\\n" "$p"; exit 1; }}; '
                'p=" $(printf "%s" "$p" | tr -s " \\n" "  ") "; m=""; '
                f'for a in {_q(*probe.target.split())}; do case "$p" in *" $a "*) ;; '
                '*) m="$m $a";; esac; done; '
                'if [ -n "$m" ]; then echo "not (yet) gossip peers:$m"; false; fi')
    # Busybox's applets where the host has busybox (the lab hosts do), else the host's own.
    return f'$(command -v busybox || true) {tool_command(probe)}'


def command(probe: Probe) -> str:
    """The whole probe, run in the host's shell."""
    steps = []
    if probe.target.startswith("@"):
        steps.append(f"t=$({address_of(probe.target[1:], probe.network)})")
    if probe.requires == "esp":
        steps.append('if [ "$ESP" != yes ]; then echo "kernel feature ESP (IPsec) missing on '
                     f'this host"; exit {NO_KERNEL_FEATURE}; fi')
    steps.append(_from_source(probe))
    return "; ".join(steps)


def limit(probe: Probe) -> int:
    """Seconds a probe may take before `timeout` ends it."""
    return max(1, probe.timeout) + EXEC_ALLOWANCE


def _from_source(probe: Probe) -> str:
    source = probe.source
    bounded = f"timeout -k {GRACE} {limit(probe)}"
    if probe.kind in ("udp", "swarm", "tasks", "containers", "peers"):
        return host_command(probe)
    if source.kind == "host":
        return f"{bounded} {host_command(probe)}"
    # Bounded inside the container too: ending the `docker` CLI leaves what it started there.
    inside = f"{bounded} {tool_command(probe)}"
    if source.kind == "container":
        return f"{bounded} docker exec {shlex.quote(source.name)} {inside}"
    # $TASKS: "<service> <container>" per running task here, listed once for the script.
    missing = shlex.quote(f"no running task of {source.name} on this host")
    pick = _q("awk", "-v", f"s={source.name}", "$1 == s { print $2; exit }")
    return (f'c=$(printf "%s\\n" "$TASKS" | {pick}); '
            f'if [ -z "$c" ]; then echo {missing}; exit {NO_SOURCE}; fi; '
            f'{bounded} docker exec "$c" {inside}')


def script(probes: Sequence[tuple[int, Probe]]) -> str:
    """Run the probes, as many at once as the host has cores times PER_CORE (a small VM
    under emulation gets a few at a time, a bigger host all of them); each prints
    `PROBE <index> <exit> <last output line>`."""
    lines = ['probe() { i=$1; shift; out=$(sh -c "$1" 2>&1 </dev/null); rc=$?; '
             'printf "PROBE %s %s %s\\n" "$i" "$rc" "$(printf %s "$out" | tail -n 1 | tr -d "\\r")"; }',
             f"at_once=$(( $(nproc 2>/dev/null || echo 1) * {PER_CORE} )); running=0",
             # A batch runs together; the next starts when it is done.
             'next() { running=$((running + 1)); if [ "$running" -ge "$at_once" ]; then wait; '
             'running=0; fi; }']
    if any(p.requires == "esp" for _, p in probes):
        lines.append(f"ESP=$({ESP_TRIAL}); export ESP")
    if any(p.source.kind == "service" for _, p in probes):
        lines.append("TASKS=$(docker ps --format '{{.Label \"com.docker.swarm.service.name\"}} "
                     "{{.ID}}'); export TASKS")
    if any(p.kind == "tasks" for _, p in probes):
        lines.append("SERVICES=$(docker service ls --format '{{.Name}} {{.Replicas}}'); "
                     "export SERVICES")
    lines += [f"probe {index} {shlex.quote(command(p))} & next" for index, p in probes]
    lines.append("wait")
    return "\n".join(lines)


def script_limit(probes: Sequence[tuple[int, Probe]]) -> int:
    """Seconds the whole script may take: its slowest probe, batch after batch on a host
    with a single core, and the listings before them."""
    batches = -(-len(probes) // PER_CORE)
    return max((limit(p) for _, p in probes), default=0) * batches + 20


def parse(output: str) -> dict[int, tuple[int, str]]:
    """Per probe index: (exit status, last line of its output)."""
    found: dict[int, tuple[int, str]] = {}
    for line in output.splitlines():
        parts = line.split(" ", 3)
        if len(parts) >= 3 and parts[0] == "PROBE" and parts[1].isdigit() and parts[2].isdigit():
            found[int(parts[1])] = (int(parts[2]), parts[3] if len(parts) > 3 else "")
    return found
