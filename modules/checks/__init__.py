"""Checks as data: what the lab promises (ping, name, HTTP, TCP, UDP, running tasks), tried
from inside the lab, each with the exact thing it tried in its result line.

- model.py:   Check and Result;
- builtin.py: the checks a lab promises by its spec (the readiness gate of `pulumi up`);
- run.py:     running checks: one SSH command per host, every probe of a host at once;
- declared.py: the checks a stack declares (swarmlab:validate) and validate's exit codes.
"""

from modules.checks.model import Check, Result, Source

__all__ = ["Check", "Result", "Source"]
