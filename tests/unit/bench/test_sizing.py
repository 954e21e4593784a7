"""bench.sizing: a one-box host's memory, by the processes in its network namespace."""

from __future__ import annotations

import os

from bench import sizing


def fake_proc(root, pid, netns_file, comm, pss, rss):
    d = root / str(pid)
    (d / "ns").mkdir(parents=True)
    os.link(netns_file, d / "ns" / "net")  # same inode: the process is in that namespace
    (d / "comm").write_text(comm + "\n")
    (d / "smaps_rollup").write_text(f"Rss:    {rss} kB\nPss:    {pss} kB\n")
    (d / "status").write_text(f"Name:\t{comm}\nVmRSS:\t  {rss} kB\n")


def test_each_hosts_processes_are_summed_by_name_and_other_labs_left_out(tmp_path) -> None:
    netns, proc = tmp_path / "netns", tmp_path / "proc"
    netns.mkdir()
    proc.mkdir()
    for name in ("bch-manager", "bch-worker", "bchx-manager", "other"):
        (netns / name).write_text("")
    fake_proc(proc, 10, netns / "bch-manager", "dockerd", 40_960, 60_000)
    fake_proc(proc, 11, netns / "bch-manager", "containerd-shim", 5_120, 9_000)
    fake_proc(proc, 12, netns / "bch-manager", "containerd-shim", 5_120, 9_000)
    fake_proc(proc, 20, netns / "bch-worker", "dockerd", 30_720, 50_000)
    fake_proc(proc, 30, netns / "bchx-manager", "dockerd", 99_999, 99_999)
    (proc / "self").mkdir()
    (proc / "31").mkdir()  # gone meanwhile: nothing to read
    hosts = sizing.namespaces("bch", netns)
    assert sorted(hosts.values()) == ["manager", "worker"]
    usage = sizing.by_host(hosts, sizing.processes(proc))
    assert usage == {"manager": {"dockerd": 40_960, "containerd-shim": 10_240},
                     "worker": {"dockerd": 30_720}}


def test_the_report_gives_the_sizing_rule() -> None:
    usage = {"manager": {"dockerd": 40_960, "sshd": 2_048}, "worker": {"dockerd": 30_720}}
    text = sizing.report(usage, 24 * 1024 * 1024)
    assert text.splitlines()[0] == "2 hosts: 36 MiB each (median PSS; 30-42), 72 MiB in all"
    assert "| dockerd | 35.0 |" in text and "| sshd | 1.0 |" in text
    assert text.endswith("would hold about 682 such hosts (memory alone; their containers' "
                         "own processes come on top).")


def test_no_host_up_says_so() -> None:
    assert sizing.report({}, 1024) == "no one-box host of that lab is up"


def test_hosts_that_read_as_nothing_give_no_capacity() -> None:
    text = sizing.report({"manager": {"dockerd": 0}}, 1024)
    assert "would hold" not in text
