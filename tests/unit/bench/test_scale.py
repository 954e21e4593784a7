"""bench.scale (`make bench-scale`) and the raw CLI script's macvlan ranges."""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys

import pytest

from bench import scale
from bench.lab import ROOT
from modules.spec.model import HostSpec
from modules.spec.parse import default_macvlan_ranges


def test_two_series_one_manager_by_nodes_and_managers_at_eight_nodes():
    by_nodes, by_managers = scale.points([2, 4, 8, 16, 32], [1, 3, 5])
    assert [(p.managers, p.workers) for p in by_nodes] == [(1, 1), (1, 3), (1, 7), (1, 15),
                                                          (1, 31)]
    assert [(p.managers, p.workers) for p in by_managers] == [(1, 7), (3, 5), (5, 3)]
    assert by_nodes[2] == by_managers[0]  # measured once


def test_the_table_has_each_point_once_with_its_ratio():
    series = scale.points([2, 8], [1, 3])
    found = {}
    for p, up in ((scale.Point(1, 1), 12.0), (scale.Point(1, 7), 16.0), (scale.Point(3, 5), 20.0)):
        found[p] = scale.Measured({"pulumi up": [up], "raw CLI script": [8.0],
                                   "make validate": [5.0], "pulumi destroy": [11.0]})
    rows = [line for line in scale.report(series, found, 1).splitlines()
            if line.startswith("| ") and line[2].isdigit()]
    assert [r.split(" | ")[:2] for r in rows] == [["| 2", "1"], ["| 8", "1"], ["| 8", "3"]]
    assert rows[2].split(" | ")[4] == "2.50x"


def test_the_picture_is_drawn(tmp_path):
    series = scale.points([2, 8], [1, 3])
    found = {p: scale.Measured({s: [float(p.nodes + i)] for i, s in enumerate(scale.STEPS)})
             for p in (*series[0], *series[1])}
    scale.plot(series, found, tmp_path / "scaling.png")
    assert (tmp_path / "scaling.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("text", ["2,x", "1", "33", ""])
def test_a_bad_count_is_refused_naming_the_option(text):
    with pytest.raises(SystemExit, match="--nodes takes whole numbers"):
        scale.counts(text, 2, 32, "--nodes")


@pytest.mark.parametrize("count", [2, 17, 32])
def test_the_raw_script_gives_each_host_the_programs_default_macvlan_range(tmp_path, count):
    lan = ipaddress.IPv4Network("192.168.80.0/24")
    hosts = [HostSpec(f"host{i}", str(lan.network_address + 10 + i),
                      "manager" if i == 0 else "worker", "root") for i in range(count)]
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps([{"name": h.name, "address": h.address, "role": h.role}
                                     for h in hosts]))
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "raw-ranges.py"), str(lan),
                          "192.168.80.1", str(inventory)], capture_output=True, text=True,
                         check=True).stdout.split()
    wanted = default_macvlan_ranges(tuple(hosts), lan, ipaddress.IPv4Address("192.168.80.1"))
    assert out == [wanted[h.name] for h in hosts]
