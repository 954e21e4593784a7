"""The CIS Docker Benchmark section 7 report the lab tests write: <lab>/cis-report.md."""

from __future__ import annotations

from tests.support.paths import lab_dir


def fresh_report() -> None:
    (lab_dir() / "cis-report.md").unlink(missing_ok=True)


def report(item: str, verdict: str, detail: str) -> None:
    path = lab_dir() / "cis-report.md"
    if not path.exists():
        path.write_text("# CIS Docker Benchmark, section 7, on the running lab\n\n"
                        "| item | verdict | detail |\n| --- | --- | --- |\n")
    with path.open("a") as out:
        out.write(f"| {item} | {verdict} | {detail} |\n")
