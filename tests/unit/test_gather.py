"""tests/support/gather.py runs for real against this machine's sh: commands side by side
or in turn, each one's status and outputs kept apart."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass

from tests.support import gather


@dataclass
class Ran:
    rc: int
    stdout: str
    stderr: str


class LocalHost:
    """What gather needs of a testinfra host, on this machine."""

    def run(self, command: str) -> Ran:
        proc = subprocess.run(command, shell=True, capture_output=True, text=True, check=False)
        return Ran(proc.returncode, proc.stdout, proc.stderr)


def test_each_command_keeps_its_status_and_outputs():
    said = gather.at_once(LocalHost(), {
        "both": "echo out; echo err >&2", "fails": "exit 3", "no newline": "printf x",
        "quotes": "echo \"it's $((1 + 1))\"", "reads nothing": "cat"})
    assert (said["both"].rc, said["both"].stdout, said["both"].stderr) == (0, "out\n", "err\n")
    assert said["fails"].rc == 3
    assert said["no newline"].stdout == "x"
    assert said["quotes"].stdout == "it's 2\n"
    assert said["reads nothing"].stdout == ""


def test_commands_run_side_by_side():
    start = time.monotonic()
    said = gather.at_once(LocalHost(), {str(i): "sleep 0.5" for i in range(6)})
    assert all(s.rc == 0 for s in said.values())
    assert time.monotonic() - start < 2.0  # 3 s one after another


def test_in_turn_stops_at_the_first_failure_and_always_cleans_up(tmp_path):
    mark = tmp_path / "cleaned"
    said = gather.in_turn(LocalHost(), {"a": f"echo a >{tmp_path}/order", "b": "exit 5",
                                        "c": f"echo c >>{tmp_path}/order"}, f"touch {mark}")
    assert [said[k].rc for k in "abc"] == [0, 5, 255]
    assert "not run" in said["c"].stderr
    assert (tmp_path / "order").read_text() == "a\n" and mark.exists()


def test_ok_names_the_command_and_what_it_said():
    said = gather.at_once(LocalHost(), {"x": "echo nope >&2; exit 2"})["x"]
    try:
        said.ok()
    except AssertionError as err:
        assert "`echo nope >&2; exit 2` exited 2: nope" in str(err)
    else:
        raise AssertionError("ok() accepted a failed command")


def test_answered_wants_success_and_the_words():
    said = gather.at_once(LocalHost(), {"ok": "echo '1 packets received, 0% packet loss'",
                                        "failed": "echo ' 0% packet loss'; exit 1",
                                        "silent": "true"})
    assert said["ok"].answered(" 0% packet loss")
    assert not said["failed"].answered(" 0% packet loss")
    assert not said["silent"].answered(" 0% packet loss")


def test_side_by_side_keeps_each_result_under_its_name():
    start = time.monotonic()
    got = gather.side_by_side({n: lambda n=n: (time.sleep(0.3), n)[1] for n in "abcd"})
    assert got == {n: n for n in "abcd"}
    assert time.monotonic() - start < 1.0
