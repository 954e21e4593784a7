"""Mutation testing with mutmut 3: `python -m tools.mutate` (`make mutate`, docs/testing.md)."""
