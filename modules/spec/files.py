"""The settings that name files: the host list the hosts tool writes (`swarmlab:hostsFile`),
the lab key and known_hosts. Read and checked here, before any SSH connection, so a missing
or empty file is one clear message naming its key, not a failed connection later."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from modules.spec.model import LabSpec
from modules.spec.parse import PATH, parse_spec
from modules.spec.rules import ConfigError, err, text

# The hosts tool's list of a few dozen hosts is a few KiB.
MAX_HOST_LIST = 1 << 20


def _resolve(root: Path, path: str) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else root / candidate


def _nonempty(key: str, given: str, path: Path, hint: str) -> None:
    if path.exists() and not path.is_file():
        raise err(key, given, f"a regular file ({path} is not one; {hint})")
    if not path.is_file():
        raise err(key, given, f"a file that exists ({path} does not; {hint})")
    if path.stat().st_size == 0:
        raise err(key, given, f"a file that is not empty ({path} is; {hint})")


def read_host_list(root: Path, given: Any) -> Any:
    """The decoded JSON of the hosts file (checked afterwards like swarmlab:hosts). No
    message shows what the file holds: the key may point at any file."""
    if not isinstance(given, str):
        return None  # parse_spec names the bad value
    text("hostsFile", given, PATH, "a file path (not starting with '-')")
    path = _resolve(root, given)
    _nonempty("hostsFile", given, path, "the hosts tool writes it: run `make hosts`")
    if path.stat().st_size > MAX_HOST_LIST:
        raise err("hostsFile", given, f"a JSON list of hosts ({path} is larger than "
                                      f"{MAX_HOST_LIST // 1024} KiB)")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise err("hostsFile", given, f"a file this user can read ({path}: {error.strerror})"
                  ) from None
    try:
        return json.loads(data.decode("utf-8"))
    except json.JSONDecodeError as error:
        # Its own words and a position: never the text it could not read.
        raise err("hostsFile", given, f"a JSON list of hosts ({path}: {error.msg}: line "
                                      f"{error.lineno} column {error.colno} (char {error.pos}))"
                  ) from None
    except (ValueError, RecursionError):
        raise err("hostsFile", given, f"a JSON list of hosts ({path} is not UTF-8 JSON)") from None


def load(raw: dict[str, Any], root: Path) -> LabSpec:
    """parse_spec, with the files the settings name read and checked; paths made absolute
    (the dynamic-provider process need not share the program's working folder)."""
    spec = parse_spec(raw, read_host_list(root, raw.get("hostsFile")) if "hostsFile" in raw
                      else None)
    hint = "the hosts tool makes it: run `make hosts`, or point the key at yours"
    for key, given in (("sshKeyFile", spec.ssh.key_file),
                       ("sshKnownHostsFile", spec.ssh.known_hosts_file)):
        _nonempty(key, given, _resolve(root, given), hint)
    ssh = dataclasses.replace(spec.ssh, key_file=str(_resolve(root, spec.ssh.key_file)),
                              known_hosts_file=str(_resolve(root, spec.ssh.known_hosts_file)))
    return dataclasses.replace(spec, ssh=ssh)


__all__ = ["ConfigError", "load", "read_host_list"]
