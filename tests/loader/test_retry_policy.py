"""The one retry policy (loader/client/retry.py), on its own: what is retried, how long it waits,
and the no-replay rule. Sleeps are recorded instead of slept, so nothing here depends on time.
The end-to-end checks against the sandbox are in tests/reliability/test_api_faults.py and
test_sign_in_faults.py."""

from __future__ import annotations

import socket

import pytest
import requests

from loader.client import retry
from loader.client.retry import Transient


def _failing(outcomes: list[Exception | str]):  # type: ignore[no-untyped-def]
    calls = []

    def attempt() -> str:
        calls.append(1)
        outcome = outcomes[len(calls) - 1]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return attempt, calls


def test_transients_are_retried_with_retry_after_or_capped_backoff() -> None:
    slept: list[float] = []
    attempt, calls = _failing([Transient("HTTP 503"), Transient("HTTP 429", wait=7.0), Transient("reset"), "ok"])
    assert retry.run(attempt, max_attempts=5, max_backoff=2.0, sleep=slept.append) == "ok"
    assert len(calls) == 4
    assert slept[1] == 7.0  # the server's Retry-After wins
    assert all(0 < s <= 2.0 for s in (slept[0], slept[2]))


def test_the_last_transient_propagates_after_max_attempts() -> None:
    attempt, calls = _failing([Transient(f"HTTP 50{i}") for i in range(3)])
    with pytest.raises(Transient, match="HTTP 502"):
        retry.run(attempt, max_attempts=3, max_backoff=1.0, sleep=lambda _s: None)
    assert len(calls) == 3


def test_other_errors_are_not_retried() -> None:
    attempt, calls = _failing([ValueError("a bug"), "ok"])
    with pytest.raises(ValueError):
        retry.run(attempt, max_attempts=5, max_backoff=1.0, sleep=lambda _s: None)
    assert len(calls) == 1


def test_a_non_replayable_request_is_repeated_only_if_it_never_left() -> None:
    attempt, calls = _failing([Transient("HTTP 429", sent=False), Transient("reset"), "ok"])
    with pytest.raises(Transient, match="reset"):
        retry.run(attempt, max_attempts=5, max_backoff=1.0, replayable=False, sleep=lambda _s: None)
    assert len(calls) == 2


def test_only_a_connection_never_made_counts_as_never_sent() -> None:
    """Real requests errors: a refused connection (nothing listens on the port) versus a read timeout."""
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(requests.ConnectionError) as refused:
        requests.get(f"http://127.0.0.1:{port}/", timeout=2)
    assert retry.never_sent(refused.value)
    assert not retry.never_sent(requests.exceptions.ReadTimeout("read timed out"))
    assert not retry.never_sent(requests.exceptions.ChunkedEncodingError("cut off"))
