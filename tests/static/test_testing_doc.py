"""The bad-input figures the README and docs/testing.md quote are the tests' own count."""

from __future__ import annotations

from tests.support import badinput
from tests.support.paths import ROOT


def test_docs_testing_holds_the_bad_input_table_as_counted_from_the_tests():
    assert badinput.table() in (ROOT / "docs" / "testing.md").read_text()


def test_the_readme_quotes_the_bad_input_count():
    count = len(badinput.corpus())
    assert count >= 160
    assert f"holds {count} bad inputs by surface" in (ROOT / "README.md").read_text()
