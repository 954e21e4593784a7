"""`make inspect` and `make diagram` on the running lab: the JSON document has its documented
shape and says what the hosts themselves say; the diagram is drawn while the lab is up (CI
keeps it), in SVG, PNG and Mermaid."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.support.env import lab_env
from tests.support.paths import PY, ROOT, lab_dir, lab_name

pytestmark = [pytest.mark.lab, pytest.mark.verbs]


@pytest.fixture(scope="module")
def doc(lab):
    """What `make -s inspect FORMAT=json` prints: the document and nothing else."""
    out = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT), "inspect",
                          "FORMAT=json", f"LAB={lab_name()}"], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)


def test_the_document_has_its_documented_shape(doc):
    assert doc["schema"] == "swarmlab.inspect/v1"
    assert set(doc) == {"schema", "lab", "lan", "hosts", "swarm", "nodes", "networks", "services",
                        "containers"}
    assert set(doc["nodes"][0]) == {"name", "id", "address", "role", "state", "availability",
                                    "leader", "engine_version"}
    assert set(doc["services"][0]) == {"name", "id", "image", "mode", "replicas", "endpoint_mode",
                                       "networks", "vips", "tasks"}
    assert set(doc["containers"][0]) == {"host", "name", "id", "image", "state", "service", "task",
                                         "addresses"}


def test_the_document_says_what_the_hosts_say(lab, doc):
    assert doc["lab"]["name"] == lab_name()
    assert [(n["name"], n["address"], n["role"]) for n in doc["nodes"]] == [
        (h["name"], h["address"], h["role"]) for h in lab.inventory]
    for service in doc["services"]:
        for task in service["tasks"]:
            host = lab.host(task["node"])
            ip = host.check_output(
                "docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "
                + task["container"])
            assert set(a for a in task["addresses"].values() if a) <= set(ip.split()), task
    for container in doc["containers"]:
        if container["task"] is None and container["host"] == "worker":
            assert lab.host("worker").check_output(
                f"docker inspect -f '{{{{.State.Status}}}}' {container['name']}") == container["state"]


def test_the_diagram_is_drawn_in_svg_png_and_mermaid(lab):
    out = subprocess.run([str(PY), "-m", "tools.lab", "--lab", lab_name(), "diagram"], cwd=ROOT,
                         env=lab_env(), capture_output=True, text=True, check=True).stdout.split()
    assert [p.rsplit(".", 1)[1] for p in out] == ["svg", "png", "mmd"]
    mermaid = (lab_dir() / "diagram.mmd").read_text()
    assert mermaid.startswith("flowchart LR")
    assert "secure_net" in mermaid and "web1" in mermaid
    assert (lab_dir() / "diagram.png").read_bytes()[:4] == b"\x89PNG"
