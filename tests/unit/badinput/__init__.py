"""Bad inputs by surface: each module declares CASES (tests/support/badinput.py)."""
