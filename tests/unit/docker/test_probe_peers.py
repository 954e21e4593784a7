"""The gossip-peers probe, run by the real shell against a stand-in `docker` that prints the
Peers a dockerd would list."""

from __future__ import annotations

import os
import subprocess

import pytest

from modules.checks.model import Check, Source
from modules.docker import probe

MANAGER = Source("host", "manager", "manager")


def run(tmp_path, listed: str, target: str = "192.168.1.10 192.168.1.11",
        network: str = "myoverlay", status: int = 0) -> subprocess.CompletedProcess[str]:
    docker = tmp_path / "docker"
    docker.write_text(f'#!/bin/sh\necho "$@" > "{tmp_path}/args"\nprintf "%s" "{listed}"\n'
                      f"exit {status}\n")
    docker.chmod(0o755)
    check = Check("peers", MANAGER, target=target, network=network)
    return subprocess.run(["sh", "-c", probe.command(check)], capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"},
                          check=False)


def test_every_address_among_the_peers_passes(tmp_path):
    done = run(tmp_path, "192.168.1.11 192.168.1.10 ")
    assert done.returncode == 0, done.stdout
    assert (tmp_path / "args").read_text().split()[-2:] == ["--", "myoverlay"]


@pytest.mark.parametrize(("listed", "missing"), [
    ("192.168.1.10 ", " 192.168.1.11"),
    ("", " 192.168.1.10 192.168.1.11"),
    ("192.168.1.100 192.168.1.110 ", " 192.168.1.10 192.168.1.11"),  # a prefix is not a match
])
def test_a_missing_peer_fails_naming_it(tmp_path, listed, missing):
    done = run(tmp_path, listed)
    assert done.returncode != 0
    assert done.stdout.strip() == f"not (yet) gossip peers:{missing}"


def test_the_network_is_one_quoted_word(tmp_path):
    done = run(tmp_path, "192.168.1.10 192.168.1.11 ", network="my net; id")
    assert done.returncode == 0
    assert (tmp_path / "args").read_text().strip().endswith("-- my net; id")


def test_its_line_says_what_it_tried():
    check = Check("peers", MANAGER, target="192.168.1.10 192.168.1.11", network="myoverlay")
    assert check.tried() == "manager: gossip peers include 192.168.1.10 192.168.1.11 on myoverlay"


def test_dockers_own_error_is_what_it_says(tmp_path):
    done = run(tmp_path, "Error response from daemon: network myoverlay not found", status=1)
    assert done.returncode != 0
    assert done.stdout.strip() == "Error response from daemon: network myoverlay not found"
