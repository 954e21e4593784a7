"""VMs made the way their owners run them (hosts/vm/access.py): the login asked for is
validated before anything starts, reaches the guest only as fw_cfg items, moves the SSH
forward to the guest's port, and is what every later login of the tool uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from hosts import topology
from hosts.paths import LabPaths
from hosts.report import StepError
from hosts.vm import access, qemu, seed, sshfiles
from hosts.vm.access import ROOT_ON_22, Access
from hosts.vm.paths import ImagePaths, VmLabPaths
from hosts.vm.up import preflight

OWNERS = {access.USER_VARIABLE: "labuser", access.PORT_VARIABLE: "2222"}


def test_nothing_asked_is_root_on_22() -> None:
    assert access.from_env({}) == ROOT_ON_22 == Access("root", 22)
    assert not ROOT_ON_22.owners and ROOT_ON_22.fw_cfg_items() == {}


def test_an_owners_login_is_a_user_and_a_port() -> None:
    login = access.from_env(OWNERS)
    assert login == Access("labuser", 2222) and login.owners
    assert login.fw_cfg_items() == {"login_user": "labuser", "ssh_port": "2222"}


@pytest.mark.parametrize(("variable", "value"), [
    (access.USER_VARIABLE, "Labuser"), (access.USER_VARIABLE, "-oProxyCommand=x"),
    (access.USER_VARIABLE, "a b"), (access.USER_VARIABLE, "1abc"),
    (access.USER_VARIABLE, "a" * 33), (access.USER_VARIABLE, "lab$(id)"),
    # Accounts and groups the image has: useradd would fail, or give a system account.
    (access.USER_VARIABLE, "docker"), (access.USER_VARIABLE, "daemon"),
    (access.USER_VARIABLE, "users"), (access.USER_VARIABLE, "nobody"),
    (access.PORT_VARIABLE, "2"), (access.PORT_VARIABLE, "1023"), (access.PORT_VARIABLE, "65536"),
    (access.PORT_VARIABLE, "٣٣٣٣"), (access.PORT_VARIABLE, "22a"), (access.PORT_VARIABLE, "-1"),
])
def test_a_bad_login_is_refused_naming_the_variable_and_what_it_allows(variable, value) -> None:
    with pytest.raises(ValueError, match=rf"^{variable}=.*(user's name|1024 to 65535)"):
        access.from_env({variable: value})


def _vm_argv(tmp_path: Path, login: Access) -> list[str]:
    host = topology.plan(1, 1)[0]
    vlab = VmLabPaths(tmp_path)
    return qemu.argv(host, vlab.vm(host.name), ImagePaths(tmp_path / "img"), vlab.lan, 2210,
                     "tcg", login)


def test_the_forward_goes_to_the_guests_port_and_the_items_say_the_login(tmp_path) -> None:
    default, owners = _vm_argv(tmp_path, ROOT_ON_22), _vm_argv(tmp_path, Access("labuser", 2222))
    assert any(a.endswith(f"hostfwd=tcp:127.0.0.1:2210-{qemu.MGMT_GUEST}:22") for a in default)
    assert any(a.endswith(f"hostfwd=tcp:127.0.0.1:2210-{qemu.MGMT_GUEST}:2222") for a in owners)
    items = [a for a in owners if a.startswith("name=opt/swarmlab/")]
    assert {i.split(",")[0] for i in items} >= {"name=opt/swarmlab/login_user",
                                              "name=opt/swarmlab/ssh_port"}
    assert not any("login_user" in a or "ssh_port" in a for a in default)
    # The user name travels in a file, never on QEMU's command line.
    assert not any("labuser" in a for a in owners)


def test_the_items_are_files_only_root_reads(tmp_path) -> None:
    lab, vlab = LabPaths(tmp_path), VmLabPaths(tmp_path)
    lab.public_key.parent.mkdir(parents=True, exist_ok=True)
    lab.public_key.write_text("ssh-ed25519 AAAAlab swarmlab\n")
    host = topology.plan(1, 1)[1]
    vm = vlab.vm(host.name)
    vm.dir.mkdir(parents=True)
    vm.host_key.write_text("KEY\n")
    seed.write_items(host, vm, lab, Access("labuser", 2222))
    assert vm.fw_cfg("login_user").read_text() == "labuser\n"
    assert vm.fw_cfg("ssh_port").read_text() == "2222\n"
    assert vm.fw_cfg("login_user").stat().st_mode & 0o077 == 0


def test_the_login_is_recorded_and_every_later_login_uses_it(tmp_path) -> None:
    lab, vlab = LabPaths(tmp_path), VmLabPaths(tmp_path)
    assert access.recorded(vlab) == ROOT_ON_22
    access.record(vlab, Access("labuser", 2222))
    assert access.recorded(vlab) == Access("labuser", 2222)
    host = topology.plan(1, 1)[0]
    config = sshfiles.render_ssh_config(lab, [sshfiles.Endpoint(host, 2210)], "labuser")
    assert "    Port 2210\n    User labuser\n" in config


def test_vms_made_for_one_login_are_not_reused_for_another(tmp_path, monkeypatch) -> None:
    vlab = VmLabPaths(tmp_path)
    vlab.vm("manager").dir.mkdir(parents=True)
    access.record(vlab, Access("labuser", 2222))
    monkeypatch.delenv(access.USER_VARIABLE, raising=False)
    monkeypatch.delenv(access.PORT_VARIABLE, raising=False)
    with pytest.raises(StepError, match="made for labuser on port 2222, not root on 22"):
        preflight(vlab, topology.plan(1, 1))


def test_a_bad_login_stops_up_before_anything_starts(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(access.PORT_VARIABLE, "80")
    with pytest.raises(StepError, match=f"{access.PORT_VARIABLE}='80'"):
        preflight(VmLabPaths(tmp_path), topology.plan(1, 1))
    assert not VmLabPaths(tmp_path).vms_dir.exists()


def test_a_login_without_root_runs_only_the_trials_it_can(monkeypatch) -> None:
    import importlib

    doctor = importlib.import_module("hosts.vm.doctor")
    as_root = doctor._trials("192.168.1.10", "192.168.1.254", root=True)
    as_user = doctor._trials("192.168.1.10", "192.168.1.254", root=False)
    assert "ip xfrm state add" in as_root and "ip link add" in as_root
    assert "ip xfrm" not in as_user and "ip link add" not in as_user
    assert "t ip_vs " in as_user and "t docker " in as_user


def test_the_onebox_backend_refuses_a_vm_login(tmp_path, monkeypatch, capsys) -> None:
    from hosts import cli

    monkeypatch.setenv(access.USER_VARIABLE, "labuser")
    monkeypatch.setattr(cli.os, "geteuid", lambda: 0)
    monkeypatch.setenv("SWARMLAB_LAB_DIR", str(tmp_path))
    assert cli.main(["up", "--backend", "onebox"]) == 1
    assert f"{access.USER_VARIABLE} is for the vm backend" in capsys.readouterr().err


def test_ssh_config_paths_are_quoted_and_percent_escaped() -> None:
    from hosts.sshfiles import host_block

    block = host_block("manager", "127.0.0.1", 2210, "labuser", "/a b/key%h", "/k", 5)
    assert '    IdentityFile "/a b/key%%h"\n' in block and "ControlMaster" not in block
    with pytest.raises(ValueError):
        host_block("m", "h", 22, "u", 'a"b', "/k", 5)
