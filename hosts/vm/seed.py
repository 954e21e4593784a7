"""What one VM learns at boot, as fw_cfg files: name, addresses and keys.

The image is the same for every VM and every lab and holds no secret; a
VM becomes `manager` with its own SSH host key only through these files,
which QEMU hands over as opt/swarmlab/<item> (provision.sh `boot` reads
them). The host key is made here with ssh-keygen, so known_hosts is
written from the key we made, never from what answers on the port.
"""

from __future__ import annotations

from hosts import keys
from hosts.paths import LabPaths
from hosts.topology import Host
from hosts.vm.access import ROOT_ON_22, Access
from hosts.vm.paths import VmPaths
from hosts.vm.qemu import MGMT_GUEST, MGMT_NET


def ensure_host_key(host: Host, vm: VmPaths) -> bool:
    """The VM's SSH host key pair, made once per VM directory."""
    return keys.ensure_pair(vm.host_key, vm.host_public_key, host.name)


def host_public_key(vm: VmPaths) -> str:
    return keys.public_key(vm.host_public_key)


def write_items(host: Host, vm: VmPaths, lab: LabPaths, login: Access = ROOT_ON_22) -> None:
    """One file per fw_cfg item, readable by root only (two of them are keys)."""
    mgmt_prefix = MGMT_NET.rsplit("/", 1)[1]
    items = {
        "hostname": host.name,
        "eth0_address": f"{MGMT_GUEST}/{mgmt_prefix}",
        "eth1_address": f"{host.address}/{host.net.prefixlen}",
        "authorized_keys": lab.public_key.read_text().strip(),
        "host_key": vm.host_key.read_text().strip(),
        **login.fw_cfg_items(),
    }
    vm.fw_cfg_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name, value in items.items():
        path = vm.fw_cfg(name)
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(value + "\n")
