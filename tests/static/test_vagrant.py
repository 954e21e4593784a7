"""The Vagrantfile: `vagrant validate` accepts it, and it declares what the lab needs.

No VM is started and nothing leaves the machine: each run works on a copy of
the Vagrantfile (and the provisioning script it names) in a temporary folder, with
its own VAGRANT_HOME and no update checks. Those runs need the `vagrant` binary
(Debian's package `vagrant`; `make deps` installs it where the distribution has
it, Ubuntu 24.04 no longer does): skipped with that reason where it is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hosts.vm import recipe

ROOT = Path(__file__).resolve().parents[2]
VAGRANTFILE = ROOT / "Vagrantfile"
PROVISION = ROOT / "hosts" / "vm" / "provision.sh"
VAGRANT = shutil.which("vagrant")
# A syntactically valid key, so validation never makes the lab key pair.
TEST_PUBKEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBu4Vf1gB8nK5oYp0Nw3kq6cP8m2Zr0hXyqT8sJm4nQa test"

needs_vagrant = pytest.mark.skipif(
    VAGRANT is None, reason="the vagrant binary is not installed (Debian package: vagrant)"
)


def code_lines() -> str:
    """The Vagrantfile without its comments: what it declares, not what it says."""
    lines = VAGRANTFILE.read_text().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("#"))


@pytest.fixture(scope="module")
def vagrant_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vagrant-home")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(VAGRANTFILE, tmp_path / "Vagrantfile")
    (tmp_path / "hosts" / "vm").mkdir(parents=True)
    shutil.copy(PROVISION, tmp_path / "hosts" / "vm" / "provision.sh")
    return tmp_path


def vagrant(project: Path, home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("VAGRANT_", "SWARMLAB_"))}
    environ.update(
        VAGRANT_HOME=str(home),
        VAGRANT_DOTFILE_PATH=str(project / ".vagrant"),
        VAGRANT_CHECKPOINT_DISABLE="1",
        VAGRANT_BOX_UPDATE_CHECK_DISABLE="1",
        SWARMLAB_PUBKEY=TEST_PUBKEY,
    )
    environ.update(env)
    return subprocess.run([str(VAGRANT), *args], cwd=project, env=environ, capture_output=True,
                          text=True, timeout=300, check=False)


def test_declares_the_lab_addresses() -> None:
    code = code_lines()
    assert '"192.168.1.10"' in code
    assert '"192.168.1.11"' in code
    assert '"private_network"' in code


def test_declares_promiscuous_eth1() -> None:
    code = code_lines()
    assert re.search(r'"--nicpromisc2",\s*"allow-all"', code), "VirtualBox NIC 2 not allow-all"
    assert "ip link set eth1 promisc on" in PROVISION.read_text()
    # At every boot, so promiscuous mode survives reboots.
    assert re.search(r'provision "boot",.*args: \["boot"\], run: "always"', code)


def test_provisions_with_the_vm_backends_own_script() -> None:
    """One script for both: the vm backend builds its image with `packages` and boots with
    `boot`, so what Vagrant runs is exercised by every VM lab here."""
    code = code_lines()
    assert 'PROVISION = File.join("hosts", "vm", "provision.sh")' in code
    assert re.search(r'provision "packages", type: "shell", path: PROVISION, args: \["packages"\]',
                     code)
    assert recipe.PROVISION == PROVISION
    assert "docker.io" in PROVISION.read_text() and "esp4" in PROVISION.read_text()


def test_declares_box_key_and_providers() -> None:
    code = code_lines()
    assert 'config.vm.box = "debian/bookworm64"' in code
    assert ".lab" in code and "id_ed25519" in code and "SWARMLAB_PUBKEY" in code
    assert '"SWARMLAB_AUTHORIZED_KEYS" => public_key' in code
    assert 'ENV.fetch("SWARMLAB_WORKERS"' in code
    assert 'config.vm.provider "virtualbox"' in code
    assert 'config.vm.provider "libvirt"' in code


@needs_vagrant
def test_validate_ignoring_the_provider(project: Path, vagrant_home: Path) -> None:
    """The configuration common to every provider; needs no provider installed."""
    result = vagrant(project, vagrant_home, "validate", "--ignore-provider")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Vagrantfile validated successfully." in result.stdout
    assert re.findall(r"==> (\S+): Ignoring provider config", result.stdout) == [
        "manager", "worker"]


@needs_vagrant
def test_more_workers(project: Path, vagrant_home: Path) -> None:
    result = vagrant(project, vagrant_home, "validate", "--ignore-provider", SWARMLAB_WORKERS="3")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.findall(r"==> (\S+): Ignoring provider config", result.stdout) == [
        "manager", "worker", "worker2", "worker3"]


@needs_vagrant
@pytest.mark.parametrize("workers", ["0", "8", "two"])
def test_bad_worker_count_is_refused(project: Path, vagrant_home: Path, workers: str) -> None:
    result = vagrant(project, vagrant_home, "validate", "--ignore-provider",
                     SWARMLAB_WORKERS=workers)
    assert result.returncode != 0
    assert (f'SWARMLAB_WORKERS="{workers}" is not valid; allowed: a whole number from 1 to 7'
            in result.stderr)


@needs_vagrant
@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
def test_makes_the_lab_key_when_missing(project: Path, vagrant_home: Path) -> None:
    result = vagrant(project, vagrant_home, "validate", "--ignore-provider", SWARMLAB_PUBKEY="")
    assert result.returncode == 0, result.stdout + result.stderr
    public = (project / ".lab" / "id_ed25519.pub").read_text()
    assert public.startswith("ssh-ed25519 ")
    assert (project / ".lab" / "id_ed25519").stat().st_mode & 0o077 == 0
    # A second run keeps the pair it made.
    again = vagrant(project, vagrant_home, "validate", "--ignore-provider", SWARMLAB_PUBKEY="")
    assert again.returncode == 0
    assert (project / ".lab" / "id_ed25519.pub").read_text() == public


@needs_vagrant
def test_pubkey_from_a_file(project: Path, vagrant_home: Path) -> None:
    key_file = project / "given.pub"
    key_file.write_text(TEST_PUBKEY + "\n")
    result = vagrant(project, vagrant_home, "validate", "--ignore-provider",
                     SWARMLAB_PUBKEY=str(key_file))
    assert result.returncode == 0, result.stdout + result.stderr
    # The given key is used: no lab key pair is made (the VMs' host keys still are).
    assert not (project / ".lab" / "id_ed25519").exists()
    bad = vagrant(project, vagrant_home, "validate", "--ignore-provider",
                  SWARMLAB_PUBKEY=str(project / "missing.pub"))
    assert bad.returncode != 0
    assert "SWARMLAB_PUBKEY is neither an OpenSSH public key nor a readable file" in bad.stderr


@needs_vagrant
def test_known_hosts_come_from_host_keys_it_made(project: Path, vagrant_home: Path) -> None:
    """Never from whatever answers at the address (no ssh-keyscan): each VM's key pair is
    made here, its private half handed to the VM, its public half in known_hosts."""
    result = vagrant(project, vagrant_home, "validate", "--ignore-provider")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = (project / ".lab" / "vagrant_known_hosts").read_text().splitlines()
    assert [line.split()[0] for line in lines] == ["192.168.1.10", "192.168.1.11"]
    for name, line in zip(("manager", "worker"), lines, strict=True):
        key = project / ".lab" / "vagrant" / f"{name}_host_ed25519_key"
        assert key.stat().st_mode & 0o077 == 0
        public = (key.parent / f"{key.name}.pub").read_text().split()[:2]
        assert line.split()[1:] == public
