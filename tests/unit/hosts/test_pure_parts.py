"""The hosts tool's pure parts: topology, image bytes, generated configs (no root)."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from hosts import image, sshfiles, topology
from hosts.onebox import mounts, sshd
from hosts.paths import LabPaths


def test_default_plan_is_manager_and_worker() -> None:
    hosts = topology.plan()
    assert [(h.name, h.address, h.role) for h in hosts] == [
        ("manager", "192.168.1.10", "manager"),
        ("worker", "192.168.1.11", "worker"),
    ]
    assert [h.veth for h in hosts] == ["swl-manager", "swl-worker"]


def test_three_and_three_number_managers_first() -> None:
    got = [(h.name, h.address) for h in topology.plan(3, 3)]
    assert got == [
        ("manager", "192.168.1.10"),
        ("manager2", "192.168.1.11"),
        ("manager3", "192.168.1.12"),
        ("worker", "192.168.1.13"),
        ("worker2", "192.168.1.14"),
        ("worker3", "192.168.1.15"),
    ]
    assert all(topology.HOST_NAME.match(h.name) for h in topology.plan(3, 3))


@pytest.mark.parametrize(("managers", "workers"), [(0, 1), (1, -1), (30, 30)])
def test_bad_counts_are_refused(managers: int, workers: int) -> None:
    with pytest.raises(ValueError, match=r"managers|workers|at most"):
        topology.plan(managers, workers)


def test_counts_come_from_env_unless_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWARMLAB_MANAGERS", "3")
    monkeypatch.setenv("SWARMLAB_WORKERS", "2")
    assert topology.counts_from_env() == (3, 2)
    assert topology.counts_from_env("1", None) == (1, 2)
    monkeypatch.setenv("SWARMLAB_WORKERS", "two")
    with pytest.raises(ValueError, match="SWARMLAB_WORKERS"):
        topology.counts_from_env()


def _fake_busybox(tmp_path: Path) -> Path:
    path = tmp_path / "busybox"
    path.write_bytes(b"\x7fELF not really busybox")
    return path


def test_image_bytes_and_id_are_reproducible(tmp_path: Path) -> None:
    busybox = _fake_busybox(tmp_path)
    first = image.build(busybox, applets={"sh", "ping", "nc"})
    second = image.build(busybox, applets={"nc", "ping", "sh"})
    assert first.archive == second.archive
    assert first.image_id == second.image_id
    other = image.build(busybox, applets={"sh"})
    assert other.image_id != first.image_id


def test_image_archive_is_a_docker_save_archive(tmp_path: Path) -> None:
    built = image.build(_fake_busybox(tmp_path), applets={"sh", "ping", "nc", "httpd"})
    with tarfile.open(fileobj=io.BytesIO(built.archive)) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        assert manifest[0]["RepoTags"] == [image.IMAGE]
        config = json.loads(tar.extractfile(manifest[0]["Config"]).read())  # type: ignore[union-attr]
        layer = tar.extractfile(manifest[0]["Layers"][0]).read()  # type: ignore[union-attr]
    assert built.image_id == "sha256:" + manifest[0]["Config"].removesuffix(".json")
    assert config["config"]["Cmd"] == ["sh"]
    assert config["config"]["StopSignal"] == "SIGKILL"
    with tarfile.open(fileobj=io.BytesIO(layer)) as rootfs:
        names = set(rootfs.getnames())
        assert rootfs.getmember("bin/ping").linkname == "busybox"
    assert {"bin/busybox", "bin/sh", "bin/nc", "bin/httpd", "etc/passwd", "www/index.html"} <= names


def test_sshd_config_is_locked_down(tmp_path: Path) -> None:
    lab = LabPaths(tmp_path)
    host = topology.plan()[1]
    text = sshd.render_config(host, lab.host(host.name), lab, "/engine/usr/bin:/usr/bin")
    lines = set(text.splitlines())
    assert "ListenAddress 192.168.1.11:22" in lines
    assert "PermitRootLogin prohibit-password" in lines
    assert "PasswordAuthentication no" in lines
    assert f"AuthorizedKeysFile {lab.public_key}" in lines
    assert (f"SetEnv DOCKER_HOST=unix://{lab.host('worker').docker_socket} SHLVL=1 "
            "PATH=/engine/usr/bin:/usr/bin" in lines)
    assert not any(line.startswith("AcceptEnv") for line in lines)


def test_client_files_name_every_host_by_name_and_address(tmp_path: Path) -> None:
    lab = LabPaths(tmp_path)
    hosts = topology.plan(1, 1)
    for h in hosts:
        hp = lab.host(h.name)
        hp.dir.mkdir(parents=True)
        hp.host_public_key.write_text(f"ssh-ed25519 AAAAkey{h.name} {h.name}\n")
    known = sshfiles.render_known_hosts(lab, hosts).splitlines()
    assert known == [
        "manager,192.168.1.10 ssh-ed25519 AAAAkeymanager",
        "worker,192.168.1.11 ssh-ed25519 AAAAkeyworker",
    ]
    config = sshfiles.render_ssh_config(lab, hosts)
    assert "Host worker 192.168.1.11\n    HostName 192.168.1.11\n    Port 22\n    User root" in config
    assert "StrictHostKeyChecking yes" in config and "BatchMode yes" in config
    # ssh's control sockets: in the lab's own 0700 directory, never a shared /tmp path.
    assert f"ControlPath {lab.ssh_control_dir}/%C" in config


def test_mountinfo_escapes_are_decoded() -> None:
    assert mounts._unescape(r"/a\040b\011c\134d") == "/a b\tc\\d"
