"""modules.ssh.waiting, errors and target in detail: retry's and polls' defaults, the secret
pattern, and how a Target is written and read back."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from modules.ssh import RemoteError, Target, TransientError, errors, polls, redact, retry, waiting
from tests.support.clock import replace_time_of


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses taken, on a clock that moves only when slept on."""
    return replace_time_of(monkeypatch, waiting).slept


def test_retry_by_default_tries_four_times_half_a_second_apart_on_transient_errors(clock):
    calls = []

    def always() -> None:
        calls.append(1)
        raise TransientError("reset")

    with pytest.raises(TransientError, match=r"^reset$"):
        retry(always)
    assert len(calls) == 4 and clock == [0.5, 1.0, 1.5]


def test_retry_returns_the_first_success_without_sleeping(clock):
    assert retry(lambda: 7) == 7
    assert clock == []


def test_retry_retries_what_it_is_told_is_transient_and_only_that(clock):
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 2:
            raise KeyError("x")
        return "ok"

    assert retry(flaky, transient=(KeyError,)) == "ok"
    assert clock == [0.5]
    with pytest.raises(TransientError):
        retry(lambda: (_ for _ in ()).throw(TransientError("t")), attempts=1,
              transient=(KeyError,))
    assert clock == [0.5]


def test_retry_with_no_attempts_is_a_bug(clock):
    with pytest.raises(AssertionError, match=r"^unreachable$"):
        retry(lambda: 1, attempts=0)


def test_one_attempt_is_not_retried(clock):
    with pytest.raises(TransientError):
        retry(lambda: (_ for _ in ()).throw(TransientError("t")), attempts=1)
    assert clock == []


def test_polls_by_default_double_from_a_tenth_to_half_a_second(clock):
    assert sum(1 for _ in polls(1.0)) == 5
    assert clock == [0.1, 0.2, 0.4, 0.5]


def test_polls_with_their_own_pauses(clock):
    assert sum(1 for _ in polls(3.0, first=1.0, longest=1.0)) == 4
    assert clock == [1.0, 1.0, 1.0]


def test_polls_pass_once_even_with_no_time(clock):
    assert sum(1 for _ in polls(0)) == 1
    assert clock == []


def test_polls_stop_exactly_at_the_timeout(clock):
    assert sum(1 for _ in polls(1.5, first=0.5, longest=0.5)) == 4
    assert clock == [0.5, 0.5, 0.5]


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [
    # Made up, in the shapes Docker uses: a token's two lowercase parts, a key's base64.
    "SWMTKN-1-" + "fake0token" * 5 + "-" + "notreal00" * 3,
    "SWMKEY-1-" + "Fake/Key+" * 5,
    "SWMKEY-1-a=b_c-d",
])
def test_every_swarm_secret_is_redacted_whole(secret):
    assert redact(f"<{secret}>") == "<[secret]>"
    assert redact(f"{secret} {secret}") == "[secret] [secret]"


@pytest.mark.parametrize("text", ["SWMTKN-2-abc", "swmtkn-1-abc", "SWMOTHER-1-abc", "SWMTKN-1-",
                                  "the token"])
def test_what_is_not_a_swarm_secret_stays(text):
    assert redact(text) == text


def test_the_errors_are_remote_errors():
    assert issubclass(TransientError, RemoteError) and issubclass(RemoteError, RuntimeError)
    assert errors.SECRET_PATTERN.pattern == r"SWM(?:TKN|KEY)-1-[0-9A-Za-z+/=_-]+"


# --- target ---------------------------------------------------------------------------------


def test_a_target_names_its_host_and_connects_where_it_is_told():
    plain = Target(name="worker", address="192.168.1.11", user="root", key_file="k",
                   known_hosts_file="kh")
    assert (plain.endpoint, plain.label) == ("192.168.1.11", "worker (192.168.1.11)")
    assert (plain.connect_timeout, plain.command_timeout, plain.ssh_host, plain.port) == (
        5.0, 120.0, None, 22)
    forwarded = Target(**{**plain.as_dict(), "ssh_host": "127.0.0.1", "port": 2201})
    assert (forwarded.endpoint, forwarded.label) == ("127.0.0.1", "worker (192.168.1.11)")


def test_a_target_as_a_providers_inputs_and_back():
    target = Target(name="w", address="10.0.0.2", user="u", key_file="k", known_hosts_file="kh",
                    connect_timeout=3.0, command_timeout=60.0, ssh_host="127.0.0.1", port=2201)
    data = target.as_dict()
    assert data == {"name": "w", "address": "10.0.0.2", "user": "u", "key_file": "k",
                    "known_hosts_file": "kh", "connect_timeout": 3.0, "command_timeout": 60.0,
                    "ssh_host": "127.0.0.1", "port": 2201}
    back = Target.from_dict({**data, "port": 2201.0, "extra": "ignored"})
    assert back == target and type(back.port) is int
    short = Target.from_dict({"name": "w", "address": "a", "user": "u", "key_file": "k",
                              "known_hosts_file": "kh"})
    assert short.port == 22 and short.ssh_host is None


def test_a_target_for_a_host_of_the_spec():
    spec = SimpleNamespace(ssh=SimpleNamespace(key_file="/keys/lab", known_hosts_file="/keys/kh",
                                               connect_timeout=4.0, command_timeout=90.0))
    host = SimpleNamespace(name="m1", address="192.168.1.10", user="admin", ssh_host="127.0.0.1",
                           ssh_port=2200)
    got = Target.for_host(spec, host)  # type: ignore[arg-type]
    assert got == Target(name="m1", address="192.168.1.10", user="admin", key_file="/keys/lab",
                         known_hosts_file="/keys/kh", connect_timeout=4.0, command_timeout=90.0,
                         ssh_host="127.0.0.1", port=2200)
