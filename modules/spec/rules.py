"""Checks of one value at a time. Each raises ConfigError with the key, the bad value and
what is allowed; patterns are whole-string matches (no trailing newline slips through), and
nothing that starts with '-' passes, so no value can become a docker or ssh flag."""

from __future__ import annotations

import ipaddress
import re
import reprlib
import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    """A stack configuration error; the message names key, value and what is allowed.

    `key` and `allowed` say the same without the value, for values read from a file the
    stack names (swarmlab:hostsFile), whose content a message never shows."""

    def __init__(self, message: str, key: str = "", allowed: str = "") -> None:
        super().__init__(message)
        self.key = key
        self.allowed = allowed


HOST_NAME = re.compile(r"[a-z][a-z0-9-]{0,62}")
# Docker object names (networks, services): what dockerd accepts, without a leading '-'.
OBJECT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
USER_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
INTERFACE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,14}")
DNS_NAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")
PRINTABLE = re.compile(r"[^\x00-\x1f\x7f-\x9f]{0,4096}")
# What a terminal would act on instead of showing: controls (C0, C1), format characters
# (bidi overrides, zero-width ones), line and paragraph separators; and no character at all
# (surrogates, private use, unassigned).
UNSHOWN = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))
SHOWN_CHARS = 80
# Docker's reference grammar: [registry[:port]/]path[:tag][@digest]; every component
# starts with a letter or digit.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_REF = re.compile(
    rf"(?:[A-Za-z0-9]+(?:[.-][A-Za-z0-9]+)*(?::[0-9]{{1,5}})?/)?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?"
)
# Docker's own bound on a repository name; tag and digest fit beside it.
MAX_IMAGE_REF = 255

_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxtuple = 3, 6, 6, 6
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = SHOWN_CHARS


def shown(value: Any) -> str:
    """A bad value as a message shows it: its repr (which escapes every character a terminal
    would act on), bounded in length, items and depth, so a huge value (or one that holds the
    same list many times over) makes a short message."""
    try:
        text = _SHORT.repr(value)
    except ValueError:  # an int too long for Python to print
        return "a value too long to show"
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 3] + "..."


def err(key: str, value: Any, allowed: str) -> ConfigError:
    return ConfigError(f"swarmlab:{key}: {shown(value)} is not valid; allowed: {allowed}",
                       key, allowed)


def refuse(key: str, problem: str, allowed: str) -> ConfigError:
    """A refusal whose message is not "value is not valid": `problem` says what is wrong, and
    `allowed` (without any value) what would do."""
    return ConfigError(f"swarmlab:{key}: {problem}", key, allowed)


def expect(key: str, value: Any, kind: type | tuple[type, ...], allowed: str) -> Any:
    # bool is an int in Python; a boolean where a number belongs is still wrong.
    if isinstance(value, bool) and kind is not bool:
        raise err(key, value, allowed)
    if not isinstance(value, kind):
        raise err(key, value, allowed)
    return value


def text(key: str, value: Any, pattern: re.Pattern[str], allowed: str) -> str:
    value = expect(key, value, str, allowed)
    if not pattern.fullmatch(value):
        raise err(key, value, allowed)
    return str(value)


def integer(key: str, value: Any, low: int, high: int) -> int:
    allowed = f"a whole number from {low} to {high}"
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,9}", value):
        value = int(value)
    value = expect(key, value, int, allowed)
    if not low <= value <= high:
        raise err(key, value, allowed)
    return int(value)


def boolean(key: str, value: Any) -> bool:
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    return bool(expect(key, value, bool, "true or false"))


def keys(key: str, obj: Any, required: tuple[str, ...], optional: tuple[str, ...]) -> dict:
    allowed = ", ".join(required + optional)
    obj = expect(key, obj, dict, f"an object with keys {allowed}")
    for name in obj:
        if name not in required + optional:
            raise refuse(key, f"unknown key {shown(name)}; allowed keys: {allowed}",
                         f"an object with keys {allowed} (no others)")
    for name in required:
        if name not in obj:
            raise refuse(key, f"missing key {name!r}; required keys: {allowed}",
                         f"an object with keys {allowed} (required: {', '.join(required)})")
    return obj


def label(key: str, value: Any, limit: int) -> str:
    """Text shown on a terminal as it is (a check's name): printable characters only, so it
    cannot move the cursor, clear the screen or reorder what follows it."""
    allowed = (f"printable text of at most {limit} characters (no control, format or bidi "
               "characters)")
    value = expect(key, value, str, allowed)
    if len(value) > limit or any(unicodedata.category(c) in UNSHOWN for c in value):
        raise err(key, value, allowed)
    return str(value)


def _address(key: str, value: Any, pattern: str, parse: Callable[[str], T], allowed: str) -> T:
    """A string of the pattern's characters that `ipaddress` accepts as a whole."""
    value = expect(key, value, str, allowed)
    try:
        if not re.fullmatch(pattern, value):
            raise ValueError
        return parse(value)
    except ValueError:
        raise err(key, value, allowed) from None


def ipv4(key: str, value: Any) -> ipaddress.IPv4Address:
    return _address(key, value, r"[0-9.]{7,15}", ipaddress.IPv4Address,
                    "an IPv4 address such as 192.168.1.10")


def network(key: str, value: Any) -> ipaddress.IPv4Network:
    return _address(key, value, r"[0-9.]{7,15}/[0-9]{1,2}", ipaddress.IPv4Network,
                    "an IPv4 network in CIDR form such as 192.168.1.0/24")


def image(key: str, value: Any) -> str:
    if isinstance(value, str) and len(value) > MAX_IMAGE_REF:
        raise err(key, value, f"an image reference of at most {MAX_IMAGE_REF} characters")
    return text(key, value, IMAGE_REF,
                "an image reference such as nginx:1.27 or registry:5000/app:tag")


def list_of_strings(key: str, value: Any) -> tuple[str, ...]:
    allowed = "a list of strings"
    value = expect(key, value, list, allowed)
    if not all(isinstance(v, str) for v in value):
        raise err(key, value, allowed)
    return tuple(value)
