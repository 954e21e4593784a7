"""Bad values of the Makefile's variables, each refused naming the variable, the value and
what is allowed.

Those make itself uses (LAB, STACK, BACKEND, ENGINE, DEBIAN, MANAGERS, WORKERS, RUNS: paths,
lab.env, the hosts tool's and the bench's options) stop make before any target runs: each such
case runs make on a copy of the Makefile (tests/support/make_sandbox.py) and sees no tool called.
Those the lab tool's verbs take (FORMAT, NODE, SERVICE, CMD, IFACE, DURATION, FILTER) reach it
as typed (tests/static/test_makefile.py) and are refused by its checks, called here directly.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.badinput import Bad, ids
from tests.support.make_sandbox import Sandbox
from tests.support.stacks import local_spec
from tools.lab import __main__ as lab_tool
from tools.lab import capture, execute, labs

LAB = "allowed: swarmlab (the default: leave LAB out), or 1 to 6 lowercase letters and digits " \
      "starting with a letter, not swl"
STACK = f"allowed: {', '.join(labs.stacks())} (a stacks/Pulumi.<stack>.yaml"
BACKEND = "allowed: onebox, vm, vagrant"
MANAGERS = "allowed: a whole number from 1 to 32"
WORKERS = "allowed: a whole number from 0 to 31"
RUNS = "allowed: a whole number from 1 to 20"
ENGINE = "allowed: system, 26, 28"
DEBIAN = "allowed: bookworm, trixie, forky"
FORMAT = "allowed: table, json"
NODES = "allowed: all, or one or more of manager, worker (comma-separated, each once)"
ONE_NODE = "is not a host of this lab (allowed: manager, worker)"
SERVICES = "allowed: web, app, "
CMD = "allowed: a shell command"
IFACE = "is not an interface name (letters, digits, `_.-`, at most 15, not starting with `-`; " \
        "or `any`)"
DURATION = "allowed: a whole number of seconds from 1 to 300"
FILTER = "only a pcap-filter expression (letters, digits, spaces and . _ : / ( ) ! & | < > = [ ] -"


def bad(where: str, variable: str, label: str, value: str, *refusal: str) -> Bad:
    """`where`: "make" (make refuses it) or the verb whose check refuses it."""
    return Bad("make variables", f"{variable} {label}", (where, variable, value), refusal)


def make(variable: str, label: str, value: str, allowed: str) -> Bad:
    shown = value.replace("\n", "\\n")
    return bad("make", variable, label, value, f"{variable}='{shown}' is not valid; ", allowed)


CASES = [
    make("LAB", "longer than 6 (interface names hold 15)", "abcdefg", LAB),
    make("LAB", "climbs out of .lab/labs", "../x", LAB),
    make("LAB", "in capitals", "Blue", LAB),
    make("LAB", "holds a space", "a b", LAB),
    make("LAB", "starts with a digit", "1abc", LAB),
    make("LAB", "empty (never the default lab)", "", LAB),
    make("LAB", "is the default lab's tag", "swl", LAB),
    make("LAB", "holds backquotes", "`id`", LAB),
    make("LAB", "holds make's $(shell)", "$(shell id)", LAB),
    make("LAB", "holds a semicolon", "a;id", LAB),
    make("LAB", "holds a newline", "a\nb", LAB),
    make("LAB", "holds a dash", "lab-1", LAB),
    make("LAB", "holds a non-ASCII letter", "bé", LAB),
    make("LAB", "holds make's pattern character", "a%", LAB),
    make("STACK", "names no committed stack", "nosuch", STACK),
    make("STACK", "is the example, not a stack", "hosts.example", STACK),
    make("STACK", "is a path", "../stacks/local", STACK),
    make("STACK", "in capitals", "Local", STACK),
    make("STACK", "names two stacks", "local vm", STACK),
    make("STACK", "empty", "", STACK),
    make("STACK", "holds a command", "local;id", STACK),
    make("BACKEND", "is a tool, not a backend", "qemu", BACKEND),
    make("BACKEND", "in capitals", "VM", BACKEND),
    make("BACKEND", "empty", "", BACKEND),
    make("BACKEND", "with a trailing space", "vm ", BACKEND),
    make("BACKEND", "holds a command", "onebox;id", BACKEND),
    make("MANAGERS", "zero (a swarm needs one)", "0", MANAGERS),
    make("MANAGERS", "more than the hosts a lab holds", "33", MANAGERS),
    make("MANAGERS", "in Arabic-Indic digits", "٣", MANAGERS),
    make("MANAGERS", "with a leading zero", "01", MANAGERS),
    make("MANAGERS", "negative", "-1", MANAGERS),
    make("MANAGERS", "a fraction", "1.5", MANAGERS),
    make("MANAGERS", "empty", "", MANAGERS),
    make("WORKERS", "as many as the hosts a lab holds", "32", WORKERS),
    make("WORKERS", "with a plus sign", "+1", WORKERS),
    make("WORKERS", "two numbers (another option after them)", "1 --managers 9", WORKERS),
    make("WORKERS", "holds make's $(shell)", "$(shell id)", WORKERS),
    make("ENGINE", "not a pinned engine", "27", ENGINE),
    make("ENGINE", "a full version", "28.5.2", ENGINE),
    make("ENGINE", "empty", "", ENGINE),
    make("ENGINE", "a tag, not a pin", "latest", ENGINE),
    make("ENGINE", "holds a command", "28;id", ENGINE),
    make("ENGINE", "in capitals", "SYSTEM", ENGINE),
    make("DEBIAN", "a suite the VMs are not built from", "sid", DEBIAN),
    make("DEBIAN", "a version number", "13", DEBIAN),
    make("DEBIAN", "capitalised", "Forky", DEBIAN),
    make("DEBIAN", "empty", "", DEBIAN),
    make("DEBIAN", "holds a path", "../forky", DEBIAN),
    make("RUNS", "zero", "0", RUNS),
    make("RUNS", "more than 20", "21", RUNS),
    make("RUNS", "holds a command", "3;id", RUNS),
    make("RUNS", "a word", "many", RUNS),
    bad("inspect", "FORMAT", "unknown", "yaml", "FORMAT='yaml' is not valid; ", FORMAT),
    bad("inspect", "FORMAT", "in capitals", "JSON", "FORMAT='JSON' is not valid; ", FORMAT),
    bad("inspect", "FORMAT", "followed by a command", "json || touch x",
        "FORMAT='json || touch x' is not valid; ", FORMAT),
    bad("inspect", "FORMAT", "empty", "", "FORMAT='' is not valid; ", FORMAT),
    bad("exec", "NODE", "not a host of the lab", "router", "NODE='router': ", NODES),
    bad("exec", "NODE", "a host twice", "manager,manager", "NODE='manager,manager': ", NODES),
    bad("exec", "NODE", "with an empty name after a comma", "manager,", "NODE='manager,': ", NODES),
    bad("exec", "NODE", "empty", "", "NODE='': ", NODES),
    bad("exec", "NODE", "all and a host", "all,manager", "NODE='all,manager': ", NODES),
    bad("exec", "NODE", "an ssh option", "-oProxyCommand=x", "NODE='-oProxyCommand=x': ", NODES),
    bad("exec", "NODE", "holds a command substitution", "worker,$(id)", "NODE='worker,$(id)': ",
        NODES),
    bad("capture", "NODE", "all (capture takes one host)", "all", "NODE='all' ", ONE_NODE),
    bad("capture", "NODE", "two hosts (capture takes one)", "manager,worker",
        "NODE='manager,worker' ", ONE_NODE),
    bad("exec", "SERVICE", "not the lab's", "nginx", "SERVICE='nginx': ", SERVICES),
    bad("exec", "SERVICE", "holds a command", "web;id", "SERVICE='web;id': ", SERVICES),
    bad("exec", "SERVICE", "in capitals", "WEB", "SERVICE='WEB': ", SERVICES),
    bad("exec", "SERVICE", "with a trailing space", "web ", "SERVICE='web ': ", SERVICES),
    bad("exec", "CMD", "empty", "", "CMD='' is empty; ", CMD),
    bad("exec", "CMD", "only spaces and a newline", "  \n", "CMD='  \\n' is empty; ", CMD),
    bad("exec", "CMD", "starts with a dash (sh -c's option)", "-x ls",
        "CMD='-x ls' starts with -, which sh -c takes for an option; ", CMD),
    bad("exec", "CMD", "starts with a plus (sh -c's option)", "+e",
        "CMD='+e' starts with +, which sh -c takes for an option; ", CMD),
    bad("capture", "IFACE", "holds a command", "eth1;id", "IFACE='eth1;id' ", IFACE),
    bad("capture", "IFACE", "is a tcpdump option", "-w", "IFACE='-w' ", IFACE),
    bad("capture", "IFACE", "empty", "", "IFACE='' ", IFACE),
    bad("capture", "IFACE", "longer than 15", "eth1234567890123", "IFACE='eth1234567890123' ",
        IFACE),
    bad("capture", "IFACE", "holds a space", "eth 1", "IFACE='eth 1' ", IFACE),
    bad("capture", "DURATION", "in Arabic-Indic digits", "٣", "DURATION='٣' is not valid; ",
        DURATION),
    bad("capture", "DURATION", "in full-width digits", "\uff13", "DURATION='\uff13' is not valid; ",
        DURATION),
    bad("capture", "DURATION", "zero", "0", "DURATION='0' is not valid; ", DURATION),
    bad("capture", "DURATION", "more than 300", "301", "DURATION='301' is not valid; ", DURATION),
    bad("capture", "DURATION", "with a unit", "5s", "DURATION='5s' is not valid; ", DURATION),
    bad("capture", "DURATION", "negative", "-5", "DURATION='-5' is not valid; ", DURATION),
    bad("capture", "DURATION", "empty", "", "DURATION='' is not valid; ", DURATION),
    bad("capture", "DURATION", "with a leading space", " 3", "DURATION=' 3' is not valid; ",
        DURATION),
    bad("capture", "DURATION", "with an underscore", "3_0", "DURATION='3_0' is not valid; ",
        DURATION),
    bad("capture", "FILTER", "is a tcpdump option", "-w /tmp/x", "FILTER='-w /tmp/x': ", FILTER),
    bad("capture", "FILTER", "holds a second command", "port 1; reboot",
        "FILTER='port 1; reboot': ", FILTER),
    bad("capture", "FILTER", "holds a command substitution", "$(id)", "FILTER='$(id)': ", FILTER),
    bad("capture", "FILTER", "holds backquotes", "`id`", "FILTER='`id`': ", FILTER),
    bad("capture", "FILTER", "holds quotes", "host 'a'", "FILTER=\"host 'a'\": ", FILTER),
    bad("capture", "FILTER", "holds a newline", "udp\nid", "FILTER='udp\\nid': ", FILTER),
    bad("capture", "FILTER", "longer than 200", "udp " * 51, "FILTER='udp udp ", FILTER),
]


HOSTS = ["manager", "worker"]
VERB_CHECKS: dict[tuple[str, str], Callable[[str], object]] = {
    ("inspect", "FORMAT"): lab_tool.check_format,
    ("exec", "NODE"): lambda value: execute.choose_nodes(local_spec(), value),
    ("capture", "NODE"): lambda value: capture.request(value, "eth1", 5, "", HOSTS),
    ("exec", "SERVICE"): lambda value: execute.check_service(local_spec(), value),
    ("exec", "CMD"): execute.check_command,
    ("capture", "IFACE"): lambda value: capture.request("worker", value, 5, "", HOSTS),
    ("capture", "DURATION"): capture.parse_seconds,
    ("capture", "FILTER"): lambda value: capture.request("worker", "eth1", 5, value, HOSTS),
}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    return Sandbox.make_in(Path(tmp_path_factory.mktemp("make")))


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_a_bad_make_variable_is_refused_naming_it(case: Bad, request: pytest.FixtureRequest) -> None:
    where, variable, value = case.value  # type: ignore[misc]
    if where == "make":
        sandbox: Sandbox = request.getfixturevalue("sandbox")
        sandbox.forget_calls()
        proc = sandbox.make("status", **{variable: value})
        assert proc.returncode == 2
        refusal = proc.stderr
        assert sandbox.calls() == [], "a target ran"
    else:
        with pytest.raises(ValueError) as refused:
            VERB_CHECKS[where, variable](value)
        refusal = str(refused.value)
    for text in case.refusal:
        assert text in refusal
    assert "Traceback" not in refusal
