"""Commands on lab hosts over SSH (paramiko): one Target shape, verified host keys, bounded
sessions per host, wall-clock deadlines, and retries only on known transient errors.

- target.py:  Target, how to reach one host (plain data the providers keep);
- errors.py:  RemoteError and TransientError, and redaction of swarm secrets;
- session.py: connections (one per host and process) and `run`;
- waiting.py: `retry` (transient errors only, bounded), `polls` (waiting on a condition) and
  `SharedReads` (one read shared by the pollers of the same thing).
"""

from modules.ssh.errors import RemoteError, TransientError, redact
from modules.ssh.session import Result, forget, run
from modules.ssh.target import Target
from modules.ssh.waiting import SharedReads, polls, retry

__all__ = ["RemoteError", "Result", "SharedReads", "Target", "TransientError", "forget", "polls", "redact",
           "retry", "run"]
