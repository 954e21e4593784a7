"""The README's settings table is settings.py's (the one list of settings)."""

from __future__ import annotations

from pathlib import Path

from modules.spec.settings import markdown_table

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_lists_every_setting_as_settings_py_does() -> None:
    assert markdown_table() in (ROOT / "README.md").read_text()
