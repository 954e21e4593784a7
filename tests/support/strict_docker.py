"""A strict Docker for the provider tests: each modules.docker function a test names answers
as the test says and is recorded with its arguments (tests/unit/providers/conftest.py shuts
every other SSH command)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest


class Docker:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.calls: list[tuple[Any, ...]] = []

    def on(self, module: ModuleType, name: str, answer: Any = None) -> Docker:
        """`module.name` records its call and answers `answer` (called with the arguments when
        callable; raised when an exception; popped in order when a list of answers)."""
        short = f"{module.__name__.rsplit('.', 1)[1]}.{name}"
        assert hasattr(module, name), short

        def called(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((short, *args, *([kwargs] if kwargs else [])))
            got = answer.pop(0) if isinstance(answer, Seq) else answer
            if isinstance(got, BaseException):
                raise got
            return got(*args, **kwargs) if callable(got) else got

        self.monkeypatch.setattr(module, name, called)
        return self

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]


class Seq(list):
    """Answers given in turn, one per call."""
