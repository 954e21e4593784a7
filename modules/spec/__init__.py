"""The lab's specification: a stack's `swarmlab:*` settings, validated into one typed LabSpec.

Every mistake in a stack file is found here, before any SSH connection or change, and
reported with the key, the bad value and what is allowed. Stack files are untrusted input:
every value is checked against an allow-list.

- settings.py: every key, its default and what it allows (the one list of them);
- model.py:    the typed LabSpec the program builds from;
- rules.py:    the checks one value at a time (types, names, addresses, images);
- parse.py:    the sections, checked together (`parse_spec`: a dict in, a LabSpec out);
- declared.py: the checks a stack declares (swarmlab:validate);
- content.py:  what the lab runs by default (the seed's services and demo containers);
- files.py:    the files a stack names (hostsFile, the SSH key and known_hosts), read and checked;
- pulumi_config.py: the stack's settings, read through `pulumi.Config`;
- yamlfile.py: YAML read from a user (stack files, --checks), safely: no aliases, bounded.
"""

from modules.spec.model import (
    CheckSpec,
    HardeningSpec,
    HostSpec,
    LabSpec,
    MacvlanSpec,
    OverlaySpec,
    ServiceSpec,
    SshSpec,
)
from modules.spec.parse import parse_spec
from modules.spec.rules import ConfigError

__all__ = [
    "CheckSpec",
    "ConfigError",
    "HardeningSpec",
    "HostSpec",
    "LabSpec",
    "MacvlanSpec",
    "OverlaySpec",
    "ServiceSpec",
    "SshSpec",
    "parse_spec",
]
