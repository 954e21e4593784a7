"""Pulumi mocks: the program runs without an engine, hosts or SSH, and every resource it
declares is recorded with its inputs and the explicit dependencies it asked for."""

from __future__ import annotations

from typing import Any

import pulumi

MOCK_TOKEN = "SWMTKN-1-" + "mock" * 10


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        outputs = dict(args.inputs)
        rid = f"{args.name}-id"
        # What the dynamic providers would report back.
        outputs.update({"network_id": rid, "service_id": rid, "container_id": rid,
                        "cluster_id": "cluster-id", "node_id": f"{args.name}-node",
                        "worker_token": MOCK_TOKEN, "manager_token": MOCK_TOKEN,
                        "unlock_key": "", "tasks": [], "addresses": {"bridge": "172.17.0.3"},
                        "state": "ready", "passed": 1, "skipped": []})
        if "driver" in args.inputs:  # a network: its state as the provider reads it
            outputs.update({"actual_driver": args.inputs["driver"],
                            "actual_scope": args.inputs.get("scope") or "local",
                            "actual_subnet": args.inputs.get("subnet") or "",
                            "actual_gateway": args.inputs.get("gateway") or "",
                            "encrypted": "encrypted" in (args.inputs.get("options") or {})})
        self.resources[args.name] = {"type": args.typ, "inputs": dict(args.inputs)}
        return rid, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list]:
        return {}, []


def start(stack: str = "lab1", preview: bool = False) -> RecordingMocks:
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="swarmlab", stack=stack, preview=preview)
    return mocks
