"""A minimal Pulumi language host for Python programs.

Why this exists: the Go module proxy these machines reach does not serve
github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3 at any
version (every request answers 403 "This module version is not
available"), so the upstream host cannot be built here. The engine only
needs a process that speaks the LanguageRuntime gRPC protocol; this one
does, using the protocol stubs the pulumi Python SDK ships, and runs the
program the same way the upstream host does: through the SDK's own
`pulumi-language-python-exec` script (taken from the pulumi sdk/v3 Go
module at tool-build time), so program semantics are the SDK's.

It implements what `pulumi preview/up/refresh/destroy` use; dependency
installation and code generation are out of scope (`make deps` installs
the virtualenv).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

# The exit code pulumi-language-python-exec uses after it printed an error
# the user can act on: the engine must not print a second, generic error.
USER_ACTIONABLE_EXIT = 32
VERSION = os.environ.get("SWARMLAB_PULUMI_VERSION", "0.0.0")


def _exec_script() -> str:
    found = shutil.which("pulumi-language-python-exec")
    if not found:
        raise RuntimeError(
            "pulumi-language-python-exec is not on PATH: run `make tools` (it installs it "
            "next to the pulumi CLI)"
        )
    return found


def _python_for(root: str, options: dict[str, Any]) -> str:
    """The interpreter for the program: the project's virtualenv when Pulumi.yaml names one."""
    venv = options.get("virtualenv")
    if venv:
        path = Path(venv) if os.path.isabs(venv) else Path(root) / venv
        candidate = path / "bin" / "python"
        if candidate.exists():
            return str(candidate)
        raise RuntimeError(
            f"runtime option virtualenv={venv!r} in Pulumi.yaml: {candidate} does not exist; "
            "run `make deps`"
        )
    return sys.executable


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    def __init__(self, engine_address: str) -> None:
        self.engine_address = engine_address
        self.root_directory = os.getcwd()

    def Handshake(self, request: Any, context: Any) -> Any:
        self.engine_address = request.engine_address or self.engine_address
        if request.root_directory:
            self.root_directory = request.root_directory
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=VERSION)

    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:
        # The lab's only plugin is the dynamic-provider host, found on PATH.
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:
        return language_pb2.GetRequiredPackagesResponse()

    def GetProgramDependencies(self, request: Any, context: Any) -> Any:
        return language_pb2.GetProgramDependenciesResponse()

    def About(self, request: Any, context: Any) -> Any:
        version = ".".join(str(p) for p in sys.version_info[:3])
        return language_pb2.AboutResponse(executable=sys.executable, version=version)

    def InstallDependencies(self, request: Any, context: Any) -> Any:
        # Dependencies come from `make deps`; nothing to stream.
        return iter(())

    def Run(self, request: Any, context: Any) -> Any:
        info = request.info
        root = info.root_directory or self.root_directory
        options = _struct_to_dict(info.options) if info.HasField("options") else {}
        try:
            python = _python_for(root, options)
            script = _exec_script()
        except RuntimeError as err:
            return language_pb2.RunResponse(error=str(err))
        program = info.entry_point or request.program or "."
        args = [
            python, "-u", script,
            "--monitor", request.monitor_address,
            "--engine", self.engine_address,
            "--project", request.project,
            "--stack", request.stack,
            "--pwd", request.pwd or root,
            "--root_directory", root,
            "--parallel", str(request.parallel),
            "--organization", request.organization or "organization",
        ]
        if request.dryRun:
            args += ["--dry_run", "true"]
        args += [program, *request.args]
        env = dict(os.environ)
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        # The child's output goes to ours, which the engine shows as diagnostics.
        proc = subprocess.run(args, cwd=request.pwd or root, env=env, check=False)
        if proc.returncode == 0:
            return language_pb2.RunResponse()
        if proc.returncode == USER_ACTIONABLE_EXIT:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(
            error=f"Program exited with non-zero exit code: {proc.returncode}"
        )

    def Cancel(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()


def _struct_to_dict(struct: Any) -> dict[str, Any]:
    from google.protobuf import json_format

    return dict(json_format.MessageToDict(struct))


def main(argv: list[str]) -> int:
    # Legacy launch passes the engine address as the first positional argument.
    positional = [a for a in argv if not a.startswith("-")]
    host = LanguageHost(positional[0] if positional else "")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    # The engine reads the port from the first line of our stdout.
    print(port, flush=True)
    # The engine interrupts its plugins when it is done: stop quietly, no traceback.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: server.stop(0))
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        server.stop(0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
