"""YAML the project reads from a user (stack files, a `--checks` file), read safely: plain
data only (SafeLoader), no aliases or anchors (a few hundred bytes of nested aliases expand
to gigabytes: the "billion laughs"), bounded in size and depth. Every problem is one
ConfigError (a ValueError) naming the file, repository-relative, and the line; never a
traceback. What the project writes back for itself it writes without anchors, so it reads
back the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from modules.spec.rules import ConfigError

ROOT = Path(__file__).resolve().parents[2]
MAX_BYTES = 1 << 20
MAX_DEPTH = 32
ALIASES = "YAML aliases (*name) are not allowed, nor their anchors (&name)"
STACK_FILE = "a Pulumi stack file: a mapping with `config:` (and Pulumi's own keys)"
CONFIG = "a mapping of keys such as swarmlab:hosts to their values"


def name_of(path: Path) -> str:
    """A file as messages name it: relative to the repository when it is inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except (ValueError, OSError):
        return str(path)


class _Refused(yaml.MarkedYAMLError):
    pass


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases, and nesting deeper than MAX_DEPTH (the
    composer recurses: a deep enough file would end in RecursionError)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(problem=ALIASES, problem_mark=event.start_mark)
        if self.depth >= MAX_DEPTH:
            raise _Refused(problem=f"nested deeper than {MAX_DEPTH} levels",
                           problem_mark=event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        # safe_dump writes an object met twice as &id001 / *id001, which the loader refuses.
        return True


def _plain(problem: str | None) -> str:
    """PyYAML's description of a problem, as one short line of printable text."""
    text = " ".join((problem or "not valid YAML").split())
    text = text.encode("ascii", "backslashreplace").decode("ascii")
    return text if len(text) <= 100 else text[:97] + "..."


def _problem(error: yaml.MarkedYAMLError) -> str | None:
    # "but found another document" reads only after its context.
    if error.context and error.problem and error.problem.startswith("but "):
        return f"{error.context} {error.problem}"
    return error.problem


def _read(path: Path, name: str) -> str:
    if not path.exists():
        raise ConfigError(f"{name}: no such file")
    if not path.is_file():
        raise ConfigError(f"{name}: not a regular file (a YAML file is needed)")
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"{name}: cannot be read ({error.strerror})") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{name}: larger than {MAX_BYTES // 1024} KiB; a YAML file of "
                          "settings is far smaller")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{name}: not UTF-8 text (byte {error.start})") from None


def load(path: Path, name: str | None = None) -> Any:
    """The file's one YAML document as plain data (None when it is empty)."""
    name = name or name_of(path)
    text = _read(path, name)
    loader = None
    try:
        loader = _Loader(text)
        return loader.get_single_data()
    except yaml.reader.ReaderError as error:
        raise ConfigError(f"{name}: not valid YAML (a character YAML does not allow, at "
                          f"character {error.position})") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = error.problem if isinstance(error, _Refused) else \
            f"not valid YAML ({_plain(_problem(error))})"
        raise ConfigError(f"{name}{where}: {problem}") from None
    except (yaml.YAMLError, ValueError, RecursionError):
        # A number too long for Python (4300 digits), a timestamp out of range, ...
        raise ConfigError(f"{name}: not valid YAML (a value it cannot read)") from None
    finally:
        if loader is not None:
            loader.dispose()


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False)


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number",
            bool: "a boolean"}.get(type(value), f"a {type(value).__name__}")


def stack_document(path: Path, name: str | None = None, allowed: str = STACK_FILE
                   ) -> dict[str, Any]:
    """A Pulumi stack (or project) file's top-level mapping ({} when the file is empty)."""
    name = name or name_of(path)
    document = load(path, name)
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(f"{name}: {_kind(document)} is not valid; allowed: {allowed}")
    return document


def stack_config(path: Path, name: str | None = None) -> dict[str, Any]:
    """A Pulumi stack file's `config:` mapping ({} when it sets none)."""
    name = name or name_of(path)
    config = stack_document(path, name).get("config")
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise ConfigError(f"{name}: config: {_kind(config)} is not valid; allowed: {CONFIG}")
    for key in config:
        if not isinstance(key, str):
            raise ConfigError(f"{name}: config: a key that is {_kind(key)} is not valid; "
                              f"allowed: {CONFIG}")
    return dict(config)
