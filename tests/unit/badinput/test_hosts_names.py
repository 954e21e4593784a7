"""`python -m hosts` (make's hosts, lab, hosts-down, status, doctor): a lab name, counts or LAN
that is not one, and a lab record that is not this lab's, are refused in one line (exit 2)
that names the variable, the value and what is allowed, before anything is made or asked of
the machine, root or not."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hosts import cli
from hosts.onebox import up as onebox
from tests.support.badinput import Bad, ids
from tests.support.fakenet import shut_the_machine

NAME = "1-6 lowercase letters and digits starting with a letter, not swl"
COUNT = "digits only), at most 32 hosts in all"
LAN = "a private IPv4 network (in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) from /16 to /24"
ONE_LAB = "allowed: SWARMLAB_LAB and SWARMLAB_LAB_DIR of one lab"
RECORD = "is not a lab record; allowed: the net.json that `python -m hosts up` writes"


@dataclass(frozen=True)
class Run:
    """`python -m hosts ARGV` with these variables, in a lab directory that holds `net_json`
    (None: no record), beside a default lab recorded on `default_lab` (None: none), as root
    when `root` (the refusal must come before anything is made)."""

    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    net_json: object = None
    default_lab: str | None = None
    root: bool = False


def _record(name: str, subnet: str, tag: str | None = None, backend: str = "onebox") -> dict[str, str]:
    return {"lab": name, "tag": tag or name, "subnet": subnet, "backend": backend}


def lab(value: str, *argv: str) -> Run:
    return Run(argv or ("status",), {"SWARMLAB_LAB": value})


def up(*argv: str, **env: str) -> Run:
    return Run(("up", *argv), {"SWARMLAB_LAB": "blue", **env})


CASES = [
    # LAB (SWARMLAB_LAB): matched whole, never another lab's tag, never silently the default.
    Bad("make variables", "LAB in capitals", lab("Blue"), ("SWARMLAB_LAB 'Blue'", NAME)),
    Bad("make variables", "LAB climbs out of .lab/labs", lab("../x"), ("SWARMLAB_LAB '../x'", NAME)),
    Bad("make variables", "LAB a path after a valid name", lab("a/../../x", "down"),
        ("SWARMLAB_LAB 'a/../../x'", NAME)),
    Bad("make variables", "LAB starts with a digit", lab("1abc"), ("SWARMLAB_LAB '1abc'", NAME)),
    Bad("make variables", "LAB holds a space", lab("a b", "up"), ("SWARMLAB_LAB 'a b'", NAME)),
    Bad("make variables", "LAB longer than 6 (interface names hold 15)", lab("abcdefg", "doctor"),
        ("SWARMLAB_LAB 'abcdefg'", NAME)),
    Bad("make variables", "LAB is the default lab's tag", lab("swl", "down"),
        ("SWARMLAB_LAB 'swl'", NAME)),
    Bad("make variables", "LAB empty (not the default lab)", lab("", "down"),
        ("SWARMLAB_LAB ''", NAME)),
    Bad("make variables", "LAB only spaces", lab("   "), ("SWARMLAB_LAB '   '", NAME)),
    Bad("make variables", "LAB with a trailing newline", lab("abc\n", "down"),
        ("SWARMLAB_LAB 'abc\\n'", NAME)),
    Bad("make variables", "LAB with a trailing space", lab("blue "), ("SWARMLAB_LAB 'blue '", NAME)),
    Bad("make variables", "LAB holds a dash (tags hold none)", lab("ab-c", "up"),
        ("SWARMLAB_LAB 'ab-c'", NAME)),
    Bad("make variables", "LAB holds an underscore", lab("ab_c"), ("SWARMLAB_LAB 'ab_c'", NAME)),
    Bad("make variables", "LAB holds a non-ASCII letter", lab("bl\u00e9"),
        ("SWARMLAB_LAB 'bl\u00e9'", NAME)),
    Bad("make variables", "LAB in fullwidth letters", lab("\uff42\uff4c\uff55\uff45"),
        ("SWARMLAB_LAB '\uff42\uff4c\uff55\uff45'", NAME)),
    Bad("make variables", "LAB the default lab's name in capitals", lab("SwarmLab"),
        ("SWARMLAB_LAB 'SwarmLab'", NAME)),
    # MANAGERS / WORKERS (--managers/--workers, SWARMLAB_MANAGERS/SWARMLAB_WORKERS).
    Bad("make variables", "MANAGERS in Arabic-Indic digits", up("--managers", "\u0663"),
        ("--managers (MANAGERS) '\u0663'", "from 1 to 32 (" + COUNT)),
    Bad("make variables", "MANAGERS with a plus sign", up("--managers", "+3"),
        ("--managers (MANAGERS) '+3'", "from 1 to 32 (" + COUNT)),
    Bad("make variables", "MANAGERS padded with spaces", up("--managers", " 3 "),
        ("--managers (MANAGERS) ' 3 '", "from 1 to 32 (" + COUNT)),
    Bad("make variables", "MANAGERS with a digit separator", up("--managers", "3_0"),
        ("--managers (MANAGERS) '3_0'", "from 1 to 32 (" + COUNT)),
    Bad("make variables", "MANAGERS zero", up("--managers", "0"),
        ("--managers (MANAGERS) '0'", "from 1 to 32 (" + COUNT)),
    Bad("make variables", "MANAGERS above 32", up("--managers", "33"),
        ("--managers (MANAGERS) '33'", "from 1 to 32 (" + COUNT)),
    Bad("make variables", "MANAGERS empty", up("--managers", ""),
        ("--managers (MANAGERS) ''", "from 1 to 32 (" + COUNT)),
    Bad("make variables", "MANAGERS in fullwidth digits", up("--managers", "\uff13"),
        ("--managers (MANAGERS) '\uff13'", "from 1 to 32 (" + COUNT)),
    Bad("make variables", "MANAGERS in hexadecimal", up("--managers", "0x3"),
        ("--managers (MANAGERS) '0x3'", "from 1 to 32 (" + COUNT)),
    Bad("make variables", "WORKERS negative", up("--workers", "-1"),
        ("--workers (WORKERS) '-1'", "from 0 to 31 (" + COUNT)),
    Bad("make variables", "WORKERS leave no room for a manager", up("--workers", "32"),
        ("--workers (WORKERS) '32'", "from 0 to 31 (" + COUNT)),
    Bad("make variables", "WORKERS a word", up("--workers", "two"),
        ("--workers (WORKERS) 'two'", "from 0 to 31 (" + COUNT)),
    Bad("make variables", "WORKERS a fraction", up("--workers", "1.5"),
        ("--workers (WORKERS) '1.5'", "from 0 to 31 (" + COUNT)),
    Bad("make variables", "MANAGERS and WORKERS above 32 in all",
        up("--managers", "16", "--workers", "17"),
        ("16 managers and 17 workers are 33 hosts", "allowed: at most 32 in all")),
    Bad("make variables", "SWARMLAB_MANAGERS in the environment with a sign",
        up(SWARMLAB_MANAGERS="+1"), ("SWARMLAB_MANAGERS '+1'", "from 1 to 32 (" + COUNT)),
    Bad("make variables", "SWARMLAB_WORKERS in the environment empty",
        up(SWARMLAB_WORKERS=""), ("SWARMLAB_WORKERS ''", "from 0 to 31 (" + COUNT)),
    # The LAN (--subnet, the stack's lanSubnet as make passes it; SWARMLAB_SUBNET).
    Bad("make variables", "lanSubnet a /8", up("--subnet", "10.0.0.0/8"),
        ("--subnet (lanSubnet) '10.0.0.0/8'", LAN)),
    Bad("make variables", "lanSubnet a /15, one wider than allowed", up("--subnet", "172.16.0.0/15"),
        ("--subnet (lanSubnet) '172.16.0.0/15'", LAN)),
    Bad("make variables", "lanSubnet a /25, one narrower than allowed",
        up("--subnet", "192.168.1.0/25"), ("--subnet (lanSubnet) '192.168.1.0/25'", LAN)),
    Bad("make variables", "lanSubnet public", up("--subnet", "8.8.8.0/24"),
        ("--subnet (lanSubnet) '8.8.8.0/24'", LAN)),
    Bad("make variables", "lanSubnet carrier-grade NAT space", up("--subnet", "100.64.0.0/16"),
        ("--subnet (lanSubnet) '100.64.0.0/16'", LAN)),
    Bad("make variables", "lanSubnet just past 172.16/12", up("--subnet", "172.32.0.0/16"),
        ("--subnet (lanSubnet) '172.32.0.0/16'", LAN)),
    Bad("make variables", "lanSubnet with host bits set", up("--subnet", "192.168.1.5/24"),
        ("--subnet (lanSubnet) '192.168.1.5/24'", LAN)),
    Bad("make variables", "lanSubnet empty (not the default LAN)", up("--subnet", ""),
        ("--subnet (lanSubnet) ''", LAN)),
    Bad("make variables", "lanSubnet IPv6", up("--subnet", "fd00::/64"),
        ("--subnet (lanSubnet) 'fd00::/64'", LAN)),
    Bad("make variables", "lanSubnet with leading zeros", up("--subnet", "192.168.001.0/24"),
        ("--subnet (lanSubnet) '192.168.001.0/24'", LAN)),
    Bad("make variables", "SWARMLAB_SUBNET empty", Run(("down",), {"SWARMLAB_LAB": "blue",
                                                                  "SWARMLAB_SUBNET": ""}, root=True),
        ("SWARMLAB_SUBNET ''", LAN)),
    Bad("make variables", "SWARMLAB_SUBNET a single address", up(SWARMLAB_SUBNET="192.168.1.1"),
        ("SWARMLAB_SUBNET '192.168.1.1'", LAN)),
    # Another lab's LAN (finding 9: `make lab LAB=blue` without STACK=blue).
    Bad("make variables", "LAB=blue on the default lab's LAN",
        Run(("up", "--subnet", "192.168.1.0/24"), {"SWARMLAB_LAB": "blue"},
            default_lab="192.168.1.0/24", root=True),
        ("lab blue's LAN 192.168.1.0/24 overlaps 192.168.1.0/24, the LAN of lab swarmlab",
         "`make lab LAB=blue STACK=blue`")),
    Bad("make variables", "LAB=blue on a LAN holding the default lab's",
        Run(("up", "--subnet", "192.168.0.0/16"), {"SWARMLAB_LAB": "blue"},
            default_lab="192.168.1.0/24", root=True),
        ("lab blue's LAN 192.168.0.0/16 overlaps 192.168.1.0/24, the LAN of lab swarmlab",
         "a stack with its own lanSubnet")),
    # The lab directory's record.
    Bad("files", "net.json of another lab than SWARMLAB_LAB",
        Run(("down",), {"SWARMLAB_LAB": "blue"}, _record("red", "192.168.3.0/24"), root=True),
        ("SWARMLAB_LAB is 'blue', but", "holds lab 'red' (its net.json)", ONE_LAB)),
    Bad("files", "net.json of the default lab under a named lab",
        Run(("status",), {"SWARMLAB_LAB": "blue"}, _record("swarmlab", "192.168.1.0/24", "swl")),
        ("SWARMLAB_LAB is 'blue', but", "holds lab 'swarmlab'", ONE_LAB)),
    Bad("files", "net.json of a lab named like the default lab's tag",
        Run(("down",), {"SWARMLAB_LAB": "blue"}, _record("swl", "192.168.1.0/24"), root=True),
        ("net.json: lab name 'swl' is not valid", NAME)),
    Bad("files", "net.json with the default lab's tag for another lab",
        Run(("down",), {"SWARMLAB_LAB": "blue"}, _record("blue", "192.168.2.0/24", "swl"),
            root=True),
        ("records tag 'swl' for lab blue", "allowed: 'blue', the tag of lab blue")),
    Bad("files", "net.json with a public LAN",
        Run(("status",), {"SWARMLAB_LAB": "blue"}, _record("blue", "8.8.8.0/24")),
        ("net.json: subnet '8.8.8.0/24' is not valid", LAN)),
    Bad("files", "net.json that is not JSON",
        Run(("down",), {"SWARMLAB_LAB": "blue"}, "{not json", root=True), ("net.json", RECORD)),
    Bad("files", "net.json without a tag",
        Run(("status",), {"SWARMLAB_LAB": "blue"},
            {"lab": "blue", "subnet": "192.168.2.0/24", "backend": "onebox"}),
        ("net.json", RECORD)),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_a_bad_lab_input_is_refused_in_one_line(
        case: Bad, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    run = case.value
    assert isinstance(run, Run)
    shut_the_machine(monkeypatch, tmp_path)
    state = tmp_path / "checkout" / ".lab"
    lab_dir = state / "labs" / "blue"
    lab_dir.mkdir(parents=True)
    if run.net_json is not None:
        text = run.net_json if isinstance(run.net_json, str) else json.dumps(run.net_json)
        (lab_dir / "net.json").write_text(text)
    if run.default_lab is not None:
        (state / "net.json").write_text(json.dumps(_record("swarmlab", run.default_lab, "swl")))
    monkeypatch.setattr("os.geteuid", lambda: 0 if run.root else 1000)
    monkeypatch.setattr(onebox, "up", lambda *args: pytest.fail("hosts were made"))
    for key, value in {"SWARMLAB_LAB_DIR": str(lab_dir), **run.env}.items():
        monkeypatch.setenv(key, value)
    assert cli.main(list(run.argv)) == 2
    err = capsys.readouterr().err
    assert err.startswith("[hosts] ") and err.count("\n") == 1 and "Traceback" not in err
    for text in case.refusal:
        assert text in err
