"""Many commands on a host in one SSH round trip, run side by side; the hosts of a lab all at
once. `make validate` reads what it proves this way: a few round trips per host, not one per
fact (each is tens of milliseconds, a `docker exec` about a tenth of a second)."""

from __future__ import annotations

import shlex
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Said:
    """What one command said: its exit status, standard output and error."""

    command: str
    rc: int
    stdout: str
    stderr: str

    def ok(self) -> str:
        """Its output, when it succeeded (testinfra's check_output)."""
        assert self.rc == 0, f"`{self.command}` exited {self.rc}: {self.stderr or self.stdout}"
        return self.stdout.strip()

    def answered(self, wanted: str) -> bool:
        """It succeeded and said `wanted` (a ping's " 0% packet loss", a page's "200 OK")."""
        return self.rc == 0 and wanted in self.stdout


def script(commands: Mapping[str, str], mark: str) -> str:
    """A shell script that runs each command in the background with its own output files,
    waits for all of them, then prints each one's status and outputs between `mark` lines."""
    lines = [f'{{ {_captured(i, command)}; }} &' for i, command in enumerate(commands.values())]
    return _framed([*lines, "wait"], len(commands), mark)


def in_turn_script(commands: Mapping[str, str], mark: str, cleanup: str) -> str:
    """A shell script that runs the commands one after another until one fails (those after
    it say status 255 and that they did not run), then `cleanup` whatever happened; printed as `script`."""
    lines = ["stop=0"]
    for i, command in enumerate(commands.values()):
        lines.append(f'if [ $stop = 0 ]; then {_captured(i, command)}; '
                     f'[ "$(cat "$d/{i}.rc")" = 0 ] || stop=1; '
                     f'else echo 255 >"$d/{i}.rc"; : >"$d/{i}.out"; '
                     f'echo "not run: an earlier step failed" >"$d/{i}.err"; fi')
    lines.append(f"( {cleanup}\n) </dev/null >/dev/null 2>&1")
    return _framed(lines, len(commands), mark)


def _captured(i: int, command: str) -> str:
    return f'( {command}\n) </dev/null >"$d/{i}.out" 2>"$d/{i}.err"; echo $? >"$d/{i}.rc"'


def _framed(body: list[str], count: int, mark: str) -> str:
    lines = ['d=$(mktemp -d)', 'trap \'rm -rf "$d"\' EXIT', *body]
    for i in range(count):
        lines.append(f'echo "{mark} $(cat "$d/{i}.rc") out"; cat "$d/{i}.out"; '
                     f'echo "{mark} err"; cat "$d/{i}.err"')
    lines.append(f'echo "{mark} end"')
    return "\n".join(lines)


def parse(commands: Mapping[str, str], mark: str, text: str) -> dict[str, Said]:
    parts = text.split(f"{mark} ")
    said: dict[str, Said] = {}
    blocks = parts[1:-1]
    assert len(blocks) == 2 * len(commands) and parts[-1].startswith("end"), text[-2000:]
    for (key, command), out, err in zip(commands.items(), blocks[0::2], blocks[1::2],
                                         strict=True):
        rc, stdout = out.split(" out\n", 1)
        said[key] = Said(command, int(rc), stdout, err.removeprefix("err\n"))
    return said


def at_once(host: Any, commands: Mapping[str, str]) -> dict[str, Said]:
    """Run `commands` (by key) side by side on a testinfra host, in one round trip."""
    if not commands:
        return {}
    mark = _mark()
    return _run(host, commands, mark, script(commands, mark))


def in_turn(host: Any, commands: Mapping[str, str], cleanup: str) -> dict[str, Said]:
    """Run `commands` (by key) one after another on a testinfra host, in one round trip,
    until one fails; then `cleanup`, whatever happened."""
    mark = _mark()
    return _run(host, commands, mark, in_turn_script(commands, mark, cleanup))


def _mark() -> str:
    return f"::gathered-{uuid.uuid4().hex}::"


def _run(host: Any, commands: Mapping[str, str], mark: str, text: str) -> dict[str, Said]:
    out = host.run(f"sh -c {shlex.quote(text)}")
    assert out.rc == 0, f"gathering on {host}: exit {out.rc}: {out.stderr}"
    return parse(commands, mark, out.stdout)


def side_by_side(calls: Mapping[str, Callable[[], T]]) -> dict[str, T]:
    """Each call (by host name) in a thread of its own; their results by the same names."""
    with ThreadPoolExecutor(max_workers=max(1, len(calls))) as pool:
        futures = {name: pool.submit(call) for name, call in calls.items()}
        return {name: future.result() for name, future in futures.items()}


def on_hosts(hosts: Mapping[str, Any],
             commands: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, Said]]:
    """`at_once` on every host named in `commands`, the hosts side by side."""
    return side_by_side({name: partial(at_once, hosts[name], cmds)
                         for name, cmds in commands.items()})
