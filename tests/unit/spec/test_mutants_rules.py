"""One value at a time, exactly: how a bad value is shown, the bounds of each rule, and the
message each rule gives."""

from __future__ import annotations

import re
from typing import Any

import pytest

from modules.spec import rules
from modules.spec.rules import ConfigError


def _refusal(call: Any, *args: Any) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        call(*args)
    return caught.value


def test_a_config_error_carries_its_key_and_what_is_allowed() -> None:
    error = rules.err("a.b", "x", "y or z")
    assert (str(error), error.key, error.allowed) == (
        "swarmlab:a.b: 'x' is not valid; allowed: y or z", "a.b", "y or z")
    error = rules.refuse("a", "it is wrong", "what would do")
    assert (str(error), error.key, error.allowed) == ("swarmlab:a: it is wrong", "a",
                                                      "what would do")
    plain = ConfigError("message")
    assert (plain.key, plain.allowed) == ("", "")


def test_a_shown_value_is_bounded() -> None:
    assert rules.SHOWN_CHARS == 80
    assert rules.shown("a" * 78) == repr("a" * 78)          # 80 characters: as it is
    assert rules.shown("a" * 79) == "'" + "a" * 37 + "..." + "a" * 38 + "'"
    # Two strings within reprlib's bound each, longer than 80 together: cut to 77 and "...".
    assert rules.shown(["a" * 50, "b" * 50]) == "['" + "a" * 50 + "', '" + "b" * 21 + "..."
    assert len(rules.shown("a" * 1000)) == 80
    assert rules.shown(list(range(10))) == "[0, 1, 2, 3, 4, 5, ...]"
    assert rules.shown(tuple(range(10))) == "(0, 1, 2, 3, 4, 5, ...)"
    assert rules.shown({i: i for i in range(10)}) == "{0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, ...}"
    assert rules.shown([[[["deep"]]]]) == "[[[[...]]]]"
    assert rules.shown(10 ** 100) == "1" + "0" * 37 + "..." + "0" * 39
    assert rules.shown(10 ** 5000) == "a value too long to show"


def test_a_boolean_is_no_number_and_a_type_is_checked() -> None:
    assert str(_refusal(rules.expect, "k", True, int, "a number")) == (
        "swarmlab:k: True is not valid; allowed: a number")
    assert rules.expect("k", True, bool, "b") is True
    assert str(_refusal(rules.expect, "k", "1", int, "a number")) == (
        "swarmlab:k: '1' is not valid; allowed: a number")
    assert rules.expect("k", 3, int, "a number") == 3


@pytest.mark.parametrize(("value", "result"), [
    ("7", 7), ("-0", 0), ("999999999", None), (1, 1), (10, 10)])
def test_a_whole_number_may_come_as_text(value: Any, result: int | None) -> None:
    if result is None:
        assert str(_refusal(rules.integer, "k", value, 1, 10)) == (
            "swarmlab:k: 999999999 is not valid; allowed: a whole number from 1 to 10")
        return
    if result == 0:
        assert rules.integer("k", value, 0, 10) == 0
        return
    assert rules.integer("k", value, 1, 10) == result


@pytest.mark.parametrize("value", ["1234567890", "+5", "5 ", "0x5", 0, 11, 5.0, None])
def test_a_whole_number_out_of_bounds_or_of_another_form_is_refused(value: Any) -> None:
    assert str(_refusal(rules.integer, "k", value, 1, 10)).endswith(
        " is not valid; allowed: a whole number from 1 to 10")


@pytest.mark.parametrize(("value", "result"), [("true", True), ("false", False), (True, True),
                                               (False, False)])
def test_a_boolean_may_come_as_text(value: Any, result: bool) -> None:
    assert rules.boolean("k", value) is result


@pytest.mark.parametrize("value", ["True", "yes", 1, 0, None])
def test_other_booleans_are_refused(value: Any) -> None:
    assert str(_refusal(rules.boolean, "k", value)) == (
        f"swarmlab:k: {value!r} is not valid; allowed: true or false")


def test_an_object_has_its_required_keys_and_no_others() -> None:
    assert rules.keys("k", {"a": 1}, ("a",), ("b",)) == {"a": 1}
    error = _refusal(rules.keys, "k", {"a": 1, "c": 2}, ("a",), ("b",))
    assert (str(error), error.allowed) == (
        "swarmlab:k: unknown key 'c'; allowed keys: a, b", "an object with keys a, b (no others)")
    error = _refusal(rules.keys, "k", {"b": 1}, ("a", "d"), ("b",))
    assert (str(error), error.allowed) == (
        "swarmlab:k: missing key 'a'; required keys: a, d, b",
        "an object with keys a, d, b (required: a, d)")
    assert str(_refusal(rules.keys, "k", [], ("a",), ())) == (
        "swarmlab:k: [] is not valid; allowed: an object with keys a")


def test_a_label_is_bounded_printable_text() -> None:
    assert rules.label("k", "x" * 5, 5) == "xxxxx"
    allowed = "printable text of at most 5 characters (no control, format or bidi characters)"
    assert str(_refusal(rules.label, "k", "x" * 6, 5)) == (
        f"swarmlab:k: 'xxxxxx' is not valid; allowed: {allowed}")
    assert str(_refusal(rules.label, "k", "a\u202eb", 5)) == (
        f"swarmlab:k: 'a\\u202eb' is not valid; allowed: {allowed}")
    assert str(_refusal(rules.label, "k", 5, 5)) == f"swarmlab:k: 5 is not valid; allowed: {allowed}"


@pytest.mark.parametrize(("value", "ok"), [
    ("1.2.3.4", True), ("192.168.100.200", True), ("1.2.3", False), ("1.2.3.4 ", False),
    (" 1.2.3.4", False), ("01.2.3.4", False), ("1.2.3.256", False), ("1.2.3.4\n", False),
    ("1111.2.3.4", False), ("192.168.100.2000", False)])
def test_an_ipv4_address(value: str, ok: bool) -> None:
    if ok:
        assert str(rules.ipv4("k", value)) == value
        return
    assert str(_refusal(rules.ipv4, "k", value)) == (
        f"swarmlab:k: {value!r} is not valid; allowed: an IPv4 address such as 192.168.1.10")


@pytest.mark.parametrize(("value", "ok"), [
    ("10.0.0.0/8", True), ("192.168.100.0/24", True), ("10.0.0.0", False),
    ("10.0.0.0/123", False), ("10.0.0.1/8", False), ("10.0.0.0/33", False),
    ("1.2.3/8", False), ("10.0.0.0/8\n", False)])
def test_an_ipv4_network(value: str, ok: bool) -> None:
    if ok:
        assert str(rules.network("k", value)) == value
        return
    assert str(_refusal(rules.network, "k", value)) == (
        f"swarmlab:k: {value!r} is not valid; allowed: an IPv4 network in CIDR form such as "
        "192.168.1.0/24")


def test_an_image_reference_is_bounded() -> None:
    assert rules.MAX_IMAGE_REF == 255
    fits = "a" * 255
    assert rules.image("k", fits) == fits
    assert str(_refusal(rules.image, "k", "a" * 256)) == (
        f"swarmlab:k: {rules.shown('a' * 256)} is not valid; allowed: an image reference of at "
        "most 255 characters")
    assert str(_refusal(rules.image, "k", 5)) == (
        "swarmlab:k: 5 is not valid; allowed: an image reference such as nginx:1.27 or "
        "registry:5000/app:tag")


@pytest.mark.parametrize("ref", [
    "nginx", "nginx:1.27", "registry:5000/app:tag", "my-registry.example.com/a/b_c__d:v1.2-x",
    "a" + "@sha256:" + "0" * 64, "localhost/x.y", "Host/app"])
def test_image_references_docker_accepts(ref: str) -> None:
    assert rules.image("k", ref) == ref


@pytest.mark.parametrize("ref", [
    "Nginx", "a:", "a@sha256:" + "0" * 63, "registry:123456/a", "a/-b", "_a", "a:-tag",
    "a:" + "t" * 129, "a..b", "a-/b"])
def test_image_references_docker_refuses(ref: str) -> None:
    _refusal(rules.image, "k", ref)


def test_a_list_of_strings() -> None:
    assert rules.list_of_strings("k", ["a", "b"]) == ("a", "b")
    assert rules.list_of_strings("k", []) == ()
    assert str(_refusal(rules.list_of_strings, "k", ["a", 1])) == (
        "swarmlab:k: ['a', 1] is not valid; allowed: a list of strings")
    assert str(_refusal(rules.list_of_strings, "k", "a")) == (
        "swarmlab:k: 'a' is not valid; allowed: a list of strings")


@pytest.mark.parametrize(("pattern", "good", "bad"), [
    (rules.HOST_NAME, ["a", "a" * 63, "a-1"], ["a" * 64, "1a", "A", "a_b", ""]),
    (rules.OBJECT_NAME, ["a", "1", "A.b_c-d", "a" * 63], ["a" * 64, "-a", "_a", ".a", "a b"]),
    (rules.USER_NAME, ["root", "_a", "a" * 32, "a-b_1"], ["a" * 33, "1a", "-a", "A", "a.b"]),
    (rules.INTERFACE, ["eth1", "a" * 15, "1a", "br.10_x-y"], ["a" * 16, "-a", "_a", "a b"]),
    (rules.DNS_NAME, ["a", "a-b.c", "127.0.0.1", "a" * 63, ("a" * 63 + ".") * 3 + "a" * 61],
     ["a" * 64, "-a", "a-", "a..b", ".a", ("a" * 63 + ".") * 3 + "a" * 62, "a_b"]),
    (rules.PRINTABLE, ["", "a b ü", "x" * 4096], ["x" * 4097, "a\x00", "a\x1f", "a\x7f", "a\x9f"]),
])
def test_the_name_patterns(pattern: re.Pattern[str], good: list[str], bad: list[str]) -> None:
    assert [bool(pattern.fullmatch(v)) for v in good] == [True] * len(good)
    assert [bool(pattern.fullmatch(v)) for v in bad] == [False] * len(bad)
