"""The dynamic-provider plugin process: pulumi's own `pulumi.dynamic` server, wider.

Why: the SDK's server handles every dynamic resource of an update with a gRPC thread pool
of 4 workers, so at most four Docker operations run at once however many hosts the lab has;
joins, per-node networks and demo containers queue behind each other. Every lab operation
is an SSH round trip that mostly waits, so more threads cost nothing and let the engine's
own parallelism through. SWARMLAB_PROVIDER_THREADS sets the width (default 32).
"""

from __future__ import annotations

import concurrent.futures
import os
import runpy
import sys
from pathlib import Path
from typing import Any

WIDTH = int(os.environ.get("SWARMLAB_PROVIDER_THREADS", "32"))
_Base = concurrent.futures.ThreadPoolExecutor


class _WiderPool(_Base):
    def __init__(self, max_workers: int | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(max(max_workers or 0, WIDTH), *args, **kwargs)


# The providers are pickled by reference to the project's modules: import them from its root.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
# pulumi.dynamic.__main__ builds its pool from concurrent.futures at import time.
concurrent.futures.ThreadPoolExecutor = _WiderPool  # type: ignore[misc]
runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
