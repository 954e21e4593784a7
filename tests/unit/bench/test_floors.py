"""bench.floors: the floors under `make bench`'s targets."""

from __future__ import annotations

import os

import pytest

from bench import floors


def fake_stat(root, pid, netns_file, utime, stime, cutime, cstime):
    d = root / str(pid)
    (d / "ns").mkdir(parents=True)
    os.link(netns_file, d / "ns" / "net")  # same inode: the process is in that namespace
    # A command name with a space and a parenthesis, as /proc allows: fields are counted
    # after its last ")".
    rest = ["S", "1", "1", "1", "0", "-1", "0", "0", "0", "0", "0",
            str(utime), str(stime), str(cutime), str(cstime), "20", "0"]
    (d / "stat").write_text(f"{pid} (docker (x)) " + " ".join(rest) + "\n")


def test_the_cpu_of_the_labs_namespaces_counts_reaped_children_and_no_other_lab(tmp_path):
    netns, proc = tmp_path / "netns", tmp_path / "proc"
    netns.mkdir()
    proc.mkdir()
    for name in ("bch-manager", "bch-worker", "bchx-manager"):
        (netns / name).write_text("")
    tick = os.sysconf("SC_CLK_TCK")
    fake_stat(proc, 10, netns / "bch-manager", tick, tick, 2 * tick, 0)
    fake_stat(proc, 20, netns / "bch-worker", 0, tick, 0, tick)
    fake_stat(proc, 30, netns / "bchx-manager", 50 * tick, 0, 0, 0)
    (proc / "self").mkdir()
    (proc / "31").mkdir()  # gone meanwhile: nothing to read
    assert floors.namespace_cpu("bch", proc, netns) == pytest.approx(6.0)


def test_cpu_of_counts_the_children_an_action_ran(tmp_path, monkeypatch):
    monkeypatch.setattr(floors, "namespace_cpu", lambda tag: 0.0)
    busy = "x = 0\nfor i in range(3_000_000):\n    x += i\n"
    value, used = floors.cpu_of(
        lambda: os.spawnlp(os.P_WAIT, "python3", "python3", "-c", busy), "bch")
    assert value == 0
    assert used.own > 0.05
    assert used.wall >= used.own * 0.5


def test_the_report_sets_each_target_beside_its_floor():
    floor = floors.PulumiFloor(34, before_first=[1.3, 1.4, 1.5], after_last=[0.2, 0.3, 0.4],
                               fresh=[1.9, 2.0, 2.1], noop=[2.0, 2.1, 2.2])
    cpus = [floors.CpuUse(5.0, 3.5, 3.7)] * 3
    text = floors.report(floor, raws=[8.0, 8.5, 9.0], ups=[14.0, 14.5, 15.0],
                         noops=[3.0, 3.2, 3.4], validates=cpus)
    row = {line.split(" | ")[0]: line.split(" | ") for line in text.splitlines()
           if line.startswith("| ")}
    # (8.5 + 1.4 + 0.3) / 8.5: the raw script's median plus Pulumi's fixed part.
    assert row["| `pulumi up` / raw CLI script"][2:4] == ["1.71x", "1.20x"]
    assert row["| no-op `pulumi up`"][2:4] == ["3.20 s", "2.10 s"]
    cores = os.cpu_count() or 1
    assert row["| `make validate`"][3] == f"{7.2 / cores:.2f} s"


def test_the_floor_program_declares_as_many_resources_as_asked():
    code = floors.PROGRAM.format(count=7)
    compile(code, "__main__.py", "exec")
    assert "range(7)" in code
