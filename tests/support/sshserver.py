"""A real SSH server in this process, on the loopback, for the unit tests of host-key
checking: paramiko's own server side, with a host key and a client key made for the test.
It accepts one client key, and answers every command with `ok` and exit status 0."""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from modules.ssh import Target


def new_key() -> tuple[paramiko.Ed25519Key, str]:
    """A fresh Ed25519 key, and its private key file's text (OpenSSH format)."""
    text = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption()).decode()
    return paramiko.Ed25519Key.from_private_key(io.StringIO(text)), text


class _Answering(paramiko.ServerInterface):
    def __init__(self, client_key: paramiko.PKey) -> None:
        self.client_key = client_key

    def get_allowed_auths(self, username: str) -> str:
        return "publickey"

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        return paramiko.AUTH_SUCCESSFUL if key == self.client_key else paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        threading.Thread(target=_answer, args=(channel,), daemon=True).start()
        return True


def _answer(channel: paramiko.Channel) -> None:
    # The client sends EOF once its exec request was granted: only then may the channel
    # close (closed before, the client's exec_command would fail).
    while channel.recv(1024):
        pass
    channel.sendall(b"ok\n")
    channel.send_exit_status(0)
    channel.shutdown_write()
    channel.close()


@dataclass
class Server:
    host_key: paramiko.Ed25519Key
    client_key_file: Path
    port: int
    transports: list[paramiko.Transport] = field(default_factory=list)

    def known_hosts_line(self, key: paramiko.PKey | None = None) -> str:
        """The known_hosts line for this server, with its own key or another one."""
        key = key or self.host_key
        return f"[127.0.0.1]:{self.port} {key.get_name()} {key.get_base64()}\n"

    def target(self, known_hosts: Path) -> Target:
        """The worker as the lab names it, reached through this server on the loopback."""
        return Target(name="worker", address="192.168.1.11", user="root",
                      key_file=str(self.client_key_file), known_hosts_file=str(known_hosts),
                      connect_timeout=10.0, command_timeout=10.0, ssh_host="127.0.0.1",
                      port=self.port)


@contextmanager
def serving(directory: Path) -> Iterator[Server]:
    """The server, listening until the block ends; the client's key file is in `directory`."""
    host_key, _ = new_key()
    client_key, client_text = new_key()
    key_file = directory / "id_ed25519"
    key_file.write_text(client_text)
    key_file.chmod(0o600)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)  # how soon the accepting thread sees the block end
    server = Server(host_key, key_file, listener.getsockname()[1])
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            sock.settimeout(None)
            transport = paramiko.Transport(sock)
            transport.add_server_key(host_key)
            server.transports.append(transport)
            try:
                transport.start_server(server=_Answering(client_key))
            except (paramiko.SSHException, EOFError, OSError):
                continue  # the client refused the host key and hung up

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        done.set()
        thread.join(timeout=10)
        listener.close()
        for transport in server.transports:
            transport.close()
