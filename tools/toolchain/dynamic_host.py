"""The dynamic-provider plugin process: pulumi's own `pulumi.dynamic` server, with two
changes made before it starts (the SDK offers no setting for either, and its module runs its
server as soon as it is imported, so both are set on the modules it reads them from):

- a wider thread pool. The SDK's server handles every dynamic resource of an update with 4
  gRPC workers, so at most four Docker operations run at once however many hosts the lab
  has. Every lab operation is an SSH round trip that mostly waits, so more threads cost
  nothing and let the engine's own parallelism through. SWARMLAB_PROVIDER_THREADS sets the
  width (default 32).
- messages instead of tracebacks for the lab's own errors. The server reports a failed
  operation with `traceback.format_exc()`; a RemoteError already says which host, which
  command and what to do, and that is all `pulumi up` shows of it. Any other exception
  keeps its traceback (it is a bug).
"""

from __future__ import annotations

import concurrent.futures
import os
import runpy
import sys
import traceback
from pathlib import Path
from typing import Any

WIDTH = int(os.environ.get("SWARMLAB_PROVIDER_THREADS", "32"))
_Base = concurrent.futures.ThreadPoolExecutor
_format_exc = traceback.format_exc


class _WiderPool(_Base):
    def __init__(self, max_workers: int | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(max(max_workers or 0, WIDTH), *args, **kwargs)


def _lab_errors_as_messages(limit: int | None = None, chain: bool = True) -> str:
    from modules.ssh.errors import RemoteError

    error = sys.exc_info()[1]
    if isinstance(error, RemoteError):
        return str(error)
    return _format_exc(limit, chain)


# The providers are pickled by reference to the project's modules: import them from its root.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
concurrent.futures.ThreadPoolExecutor = _WiderPool  # type: ignore[misc]
traceback.format_exc = _lab_errors_as_messages
runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
