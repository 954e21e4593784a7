"""SSH to a VM with paramiko, host key checked against the lab's known_hosts.

RejectPolicy: a key that is not the one the hosts tool made for this VM
ends the connection; nothing is ever added to known_hosts from the wire.
"""

from __future__ import annotations

import logging

import paramiko

from hosts.paths import LabPaths
from hosts.vm import access
from hosts.vm.paths import VmLabPaths
from hosts.vm.ports import LOOPBACK

# paramiko logs a traceback for every failed handshake when nobody handles its
# log; the callers report failures themselves.
logging.getLogger("paramiko").addHandler(logging.NullHandler())


def connect(lab: LabPaths, port: int, timeout: float = 10.0) -> paramiko.SSHClient:
    """As the user the lab's VMs were made for (root, unless hosts/vm/access.py says)."""
    user = access.recorded(VmLabPaths(lab.root)).user
    client = paramiko.SSHClient()
    client.load_host_keys(str(lab.known_hosts))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(
            LOOPBACK,
            port=port,
            username=user,
            key_filename=str(lab.key),
            look_for_keys=False,
            allow_agent=False,
            timeout=timeout,
            banner_timeout=timeout,
            auth_timeout=timeout,
        )
    except BaseException:
        client.close()
        raise
    return client


def run(
    client: paramiko.SSHClient, command: str, stdin: bytes | None = None, timeout: float = 60.0
) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of one command; `stdin` is sent, then closed."""
    chan_in, chan_out, chan_err = client.exec_command(command, timeout=timeout)
    if stdin is not None:
        chan_in.channel.sendall(stdin)
    chan_in.channel.shutdown_write()
    out = chan_out.read().decode(errors="replace")
    err = chan_err.read().decode(errors="replace")
    return chan_out.channel.recv_exit_status(), out, err
