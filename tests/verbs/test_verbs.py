"""The lab tool's everyday verbs on the running lab, run as a user runs them (`make ...`):
declared checks and validate's exit codes, the reachability matrix, exec and capture."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.paths import ROOT, lab_dir, lab_name
from tools.lab import capture, labs
from tools.lab.inspect import lab_env as lab_settings

pytestmark = [pytest.mark.lab, pytest.mark.verbs]


def make(*args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """`make -s <args> LAB=<this lab> KEY=value...`: each value as one argument, as a shell
    passes a quoted word."""
    extra = [f"{k}={v}" for k, v in settings.items()]
    return subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT), *args,
                           f"LAB={lab_name()}", *extra], capture_output=True, text=True,
                          timeout=600, check=False)


def labtool(*args: str) -> subprocess.CompletedProcess[str]:
    """The lab tool's command itself (make turns every failure into its own exit code 2)."""
    from tests.support.env import lab_env
    from tests.support.paths import PY

    return subprocess.run([str(PY), "-m", "tools.lab", "--lab", lab_name(), *args], cwd=ROOT,
                          env=lab_env(), capture_output=True, text=True, timeout=600,
                          check=False)


def stack() -> str:
    return lab_settings(lab_dir())["LAB_STACK"]


def test_the_stacks_declared_checks_pass_and_say_what_they_tried(lab):
    proc = labtool("validate", "--stack", stack())
    assert proc.returncode in (0, 3), proc.stdout + proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line[:4] in ("PASS", "FAIL", "SKIP")]
    declared = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack()}.yaml").read_text())
    assert len(lines) == len(declared["config"].get("swarmlab:validate", []))
    assert not [line for line in lines if line.startswith("FAIL")], proc.stdout
    # Skipped only for a kernel feature, and only then does validate exit 3 (warnings).
    skipped = [line for line in lines if line.startswith("SKIP")]
    assert all("kernel feature" in line for line in skipped)
    assert proc.returncode == (3 if skipped else 0)


def test_a_check_changed_to_fail_fails_validate(lab, tmp_path):
    checks = tmp_path / "checks.yaml"
    checks.write_text(yaml.safe_dump([
        {"name": "names on the default bridge (wrongly expected)",
         "from": {"container": "web1", "host": "manager"}, "ping": "web2", "network": "bridge"},
        {"name": "a custom bridge resolves names", "from": {"container": "web", "host": "manager"},
         "ping": "db", "network": "myappnet"}]))
    proc = labtool("validate", "--stack", stack(), "--checks", str(checks))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert ("FAIL  [names on the default bridge (wrongly expected)] container web1 on manager: "
            "ping web2 on bridge -> refused: ping: bad address 'web2'") in proc.stdout
    assert "PASS  [a custom bridge resolves names]" in proc.stdout
    checks.write_text("[]\n")
    assert labtool("validate", "--stack", stack(), "--checks", str(checks)).returncode == 2
    checks.write_text(yaml.safe_dump([{"from": {"host": "worker"}, "ping": "1.1.1.1"}]))
    refused = labtool("validate", "--stack", stack(), "--checks", str(checks))
    assert refused.returncode == 1 and "swarmlab:validate[0].ping: '1.1.1.1' is not valid" in \
        refused.stderr


def test_the_matrix_shows_the_seeds_lessons(lab):
    proc = make("matrix")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (lab_dir() / "reachability.md").read_text()
    cells = [[c.strip() for c in line.strip("|").split("|")]
             for line in proc.stdout.splitlines() if line.startswith("| ")]
    rows = {row[0]: row[3:6] for row in cells}
    assert rows["bridge on manager"] == ["none", "all", "-"]       # address yes, name no
    assert rows["myappnet on manager"] == ["all", "all", "-"]      # both
    assert rows["none on manager"] == ["none", "none", "-"]        # nothing
    assert rows["myoverlay"] == ["all", "all", "all"]            # across hosts
    assert rows["mymacvlan"] == ["all", "all", "all"]


def test_exec_runs_the_command_as_typed_on_each_host_with_a_header(lab):
    proc = make("exec", NODE="all", CMD='echo "$(hostname)" \'$HOME\'')
    assert proc.returncode == 0, proc.stderr
    for h in lab.inventory:
        assert f"--- {h['name']} ({h['address']}) ---\n{h['name']} $HOME" in proc.stdout
    tasks = make("exec", SERVICE="web", CMD="hostname -i")
    assert tasks.returncode == 0 and "--- web.1 on " in tasks.stdout, tasks.stdout + tasks.stderr
    assert make("exec", NODE="router", CMD="true").returncode != 0


def test_capture_saves_a_pcap_and_sums_it_up(lab):
    proc = make("capture", NODE="worker", IFACE="eth1", DURATION="2", FILTER="udp or tcp")
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.strip()
    assert line.startswith("worker eth1 2s `udp or tcp`: ") and " packet(s)" in line, line
    saved = line.rsplit(" -> ", 1)[1]
    assert saved.startswith(str(lab_dir() / "captures"))
    assert capture.packets(Path(saved).read_bytes())[0] == capture.LINKTYPE_ETHERNET


def test_a_plain_make_up_prints_no_warnings_and_keeps_lab_state_private(lab):
    """The language host and the dynamic provider are installed as plugins where the engine
    finds them, so it raises no `warning: using ... from $PATH`; the lab's folder and its
    passphrase are for root only."""
    proc = make("up")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "warning:" not in (proc.stdout + proc.stderr).lower(), proc.stdout + proc.stderr
    assert "checks passed" in proc.stdout
    for folder in (labs.STATE_ROOT, lab_dir(), labs.STATE_ROOT / "state", labs.STACKS_DIR):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
    assert (lab_dir() / "passphrase").stat().st_mode & 0o777 == 0o600
