"""modules.docker.probe exactly: the shell of each kind of probe from each kind of source,
the script that runs them, its time bound, and how its output is read."""

from __future__ import annotations

import pytest

from modules.checks.model import Check, Source
from modules.docker import probe

SERVICE = Source("service", "app", "manager")
CONTAINER = Source("container", "web 1", "worker")
HOST = Source("host", "worker", "worker")

AWK = "awk -v s=app '$1 == s { print $2; exit }'"
FROM_SERVICE = (f'c=$(printf "%s\\n" "$TASKS" | {AWK}); if [ -z "$c" ]; then echo '
                "'no running task of app on this host'; exit 3; fi; ")
HTTP = ("sh -c 'printf \"GET / HTTP/1.0\\r\\n\\r\\n\" | nc -w \"$3\" \"$1\" \"$2\" | head -n 1 | "
        "grep -q \"^HTTP/1\\.[01] [23]\"' probe")
TCP = "sh -c 'nc -w \"$3\" \"$1\" \"$2\" </dev/null' probe"


def test_address_of():
    assert probe.address_of("web2", "my net") == (
        "docker inspect --format '{{(index .NetworkSettings.Networks \"my net\").IPAddress}}' "
        "-- web2")


@pytest.mark.parametrize(("check", "expected"), [
    (Check("ping", SERVICE, target="x", timeout=3), "ping -c 1 -W 3 x"),
    (Check("ping", SERVICE, target="x", timeout=0), "ping -c 1 -W 1 x"),
    (Check("ping", SERVICE, target="@web2"), 'ping -c 1 -W 2 "$t"'),
    (Check("dns", SERVICE, target="web"), "nslookup web"),
    (Check("http", SERVICE, target="web", port=8080, timeout=5), f"{HTTP} web 8080 5"),
    (Check("tcp", SERVICE, target="@db", port=5432, timeout=-1), f'{TCP} "$t" 5432 1'),
])
def test_tool_command(check, expected):
    assert probe.tool_command(check) == expected


def test_no_tool_for_a_host_kind():
    with pytest.raises(ValueError, match=r"^no in-container probe for udp$"):
        probe.tool_command(Check("udp", HOST, target="x", port=53))


@pytest.mark.parametrize(("check", "expected"), [
    (Check("udp", HOST, target="x", port=53), "ss -Hlun 'sport = :53' | grep -q ."),
    (Check("swarm", HOST), 'test "$(docker info --format "{{.Swarm.LocalNodeState}}")" = active'),
    (Check("tasks", HOST, target="web", count=2),
     'printf "%s\\n" "$SERVICES" | grep -qxF \'web 2/2\''),
    (Check("containers", HOST, target="a b"),
     'test "$(docker inspect --format \'{{.State.Running}}\' -- a b 2>/dev/null | grep -c true)" '
     '-eq 2'),
    (Check("dns", HOST, target="x"), "$(command -v busybox || true) nslookup x"),
])
def test_host_command(check, expected):
    assert probe.host_command(check) == expected


@pytest.mark.parametrize(("check", "expected"), [
    (Check("ping", SERVICE, target="@web2", network="net"),
     "t=$(docker inspect --format '{{(index .NetworkSettings.Networks \"net\").IPAddress}}' -- "
     f"web2); {FROM_SERVICE}timeout -k 1 10 docker exec \"$c\" timeout -k 1 10 "
     'ping -c 1 -W 2 "$t"'),
    (Check("tcp", CONTAINER, target="x", port=80, timeout=0, requires="esp"),
     'if [ "$ESP" != yes ]; then echo "kernel feature ESP (IPsec) missing on this host"; '
     "exit 4; fi; timeout -k 1 9 docker exec 'web 1' timeout -k 1 9 " f"{TCP} x 80 1"),
    (Check("http", HOST, target="x", port=8080, timeout=3),
     f"timeout -k 1 11 $(command -v busybox || true) {HTTP} x 8080 3"),
    (Check("udp", HOST, target="x", port=53), "ss -Hlun 'sport = :53' | grep -q ."),
    (Check("swarm", SERVICE), 'test "$(docker info --format "{{.Swarm.LocalNodeState}}")" = active'),
    (Check("tasks", CONTAINER, target="web"), 'printf "%s\\n" "$SERVICES" | grep -qxF \'web 1/1\''),
    (Check("containers", SERVICE, target="a"),
     'test "$(docker inspect --format \'{{.State.Running}}\' -- a 2>/dev/null | grep -c true)" '
     '-eq 1'),
    (Check("dns", SERVICE, target="web", requires="other"),
     f"{FROM_SERVICE}timeout -k 1 10 docker exec \"$c\" timeout -k 1 10 nslookup web"),
])
def test_command(check, expected):
    assert probe.command(check) == expected


def test_limit():
    assert probe.limit(Check("ping", HOST, timeout=5)) == 13
    assert probe.limit(Check("ping", HOST, timeout=0)) == 9


HEAD = [
    'probe() { i=$1; shift; out=$(sh -c "$1" 2>&1 </dev/null); rc=$?; printf "PROBE %s %s %s\\n" '
    '"$i" "$rc" "$(printf %s "$out" | tail -n 1 | tr -d "\\r")"; }',
    "at_once=$(( $(nproc 2>/dev/null || echo 1) * 2 )); running=0",
    'next() { running=$((running + 1)); if [ "$running" -ge "$at_once" ]; then wait; running=0; '
    "fi; }"]
ESP = ("ESP=$(ip xfrm state add src 127.0.0.1 dst 127.0.0.2 proto esp spi 0x5357 reqid 21335 "
       "mode transport aead 'rfc4106(gcm(aes))' 0x5353535353535353535353535353535353535353 64 "
       ">/dev/null 2>&1 && ip xfrm state delete src 127.0.0.1 dst 127.0.0.2 proto esp spi "
       "0x5357 >/dev/null 2>&1 && echo yes); export ESP")
TASKS = ("TASKS=$(docker ps --format '{{.Label \"com.docker.swarm.service.name\"}} {{.ID}}'); "
         "export TASKS")
SERVICES = "SERVICES=$(docker service ls --format '{{.Name}} {{.Replicas}}'); export SERVICES"


def test_a_script_of_one_host_probe():
    assert probe.script([(3, Check("ping", HOST, target="x"))]).split("\n") == [
        *HEAD, "probe 3 'timeout -k 1 10 $(command -v busybox || true) ping -c 1 -W 2 x' & next",
        "wait"]


def test_a_script_with_every_listing():
    lines = probe.script([(0, Check("ping", SERVICE, target="x", requires="esp")),
                          (1, Check("tasks", HOST, target="web"))]).split("\n")
    assert lines[:6] == [*HEAD, ESP, TASKS, SERVICES]
    assert lines[-2:] == ["probe 1 'printf \"%s\\n\" \"$SERVICES\" | grep -qxF '\"'\"'web 1/1'\"'\"'' "
                          "& next", "wait"]
    assert lines[6].startswith("probe 0 'if [ \"$ESP\" != yes ]")
    assert len(lines) == 9


def test_an_empty_script():
    assert probe.script([]) == "\n".join([*HEAD, "wait"])


@pytest.mark.parametrize(("timeouts", "expected"), [
    ([], 20), ([2], 30), ([2, 5], 33), ([2, 5, 1], 46), ([0, 0, 0, 0], 38)])
def test_script_limit(timeouts, expected):
    probes = [(i, Check("ping", HOST, target="x", timeout=t)) for i, t in enumerate(timeouts)]
    assert probe.script_limit(probes) == expected


def test_parse():
    out = ("noise\nPROBE 0 0 64 bytes from x\nPROBE 1 124\nPROBE x 1 y\nPROBE 2 a b\n"
           "probe 3 0 z\nPROBE 4 1 a  b c\nPROBE 5\nPROBE 0 1 again")
    assert probe.parse(out) == {0: (1, "again"), 1: (124, ""), 4: (1, "a  b c")}
    assert probe.parse("") == {}


def test_parse_keeps_the_lines_own_spacing():
    assert probe.parse("PROBE 2 0   indented") == {2: (0, "  indented")}
