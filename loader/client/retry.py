"""One retry policy for every HTTP call the loader makes (API requests and the token endpoint).

Built on tenacity: an attempt raises `Transient` for an outcome worth another try (429, 5xx, a
connection reset, a timeout, a body cut off or not JSON), and the policy decides whether and when to
try again. The wait is the server's Retry-After when it sent one, else full-jitter exponential
backoff (0.25 s doubling, capped). One rule differs by request: a request that must not be replayed
(a refresh-token or authorization-code grant, which the server may rotate or spend once it has read
it) is retried only when it provably never left this machine (`sent=False`: no connection was made,
or a 429 refused it unread).

Why tenacity and not urllib3's `Retry` on the HTTP adapter: several retry reasons are only visible
above HTTP (a 200 whose body is cut off or not JSON, a token answer without a token), every try
must take a token from the shared rate limiter, and a 429 must hold back every worker thread. Those
belong in the attempt, which tenacity wraps; urllib3 would retry below all of them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Failures of the transport that another try may cure.
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (
    requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class Transient(Exception):
    """An outcome worth another try. `wait`: the server's Retry-After (seconds), if any. `sent`:
    whether the server may have read the request. `response`: the HTTP answer, if there was one."""

    def __init__(self, reason: str, *, wait: float | None = None, sent: bool = True,
                 response: requests.Response | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.sent = sent
        self.response = response


def never_sent(exc: BaseException) -> bool:
    """True when no byte of the request can have reached the server (the connection was never made)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.exceptions.ReadTimeout):
        from urllib3.exceptions import MaxRetryError, NewConnectionError

        cause = exc.args[0] if exc.args else None
        if isinstance(cause, MaxRetryError):
            cause = cause.reason
        return isinstance(cause, NewConnectionError)
    return False


def from_transport_error(exc: BaseException) -> Transient:
    return Transient(type(exc).__name__, sent=not never_sent(exc))


def run(attempt: Callable[[], T], *, max_attempts: int, max_backoff: float, replayable: bool = True,
        on_retry: Callable[[Transient, float], None] | None = None,
        sleep: Callable[[float], None] = time.sleep, what: str = "request",
        logger: logging.Logger = log) -> T:
    """Call `attempt` until it returns, raises something other than a retryable `Transient`, or
    `max_attempts` tries were made; then the last `Transient` propagates. `on_retry(exc, delay)`
    runs before each wait (counters, holding back other threads); each retry is logged at INFO on
    `logger` (the caller's, so logs say which client retried `what`)."""
    backoff = wait_random_exponential(multiplier=0.25, max=max_backoff)

    def retryable(exc: BaseException) -> bool:
        return isinstance(exc, Transient) and (replayable or not exc.sent)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, Transient) and exc.wait is not None:
            return exc.wait
        return max(0.05, backoff(state))

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        if isinstance(exc, Transient):
            logger.info("retrying %s in %.1fs after %s (attempt %d)", what, delay, exc.reason, state.attempt_number)
            if on_retry is not None:
                on_retry(exc, delay)

    policy = Retrying(retry=retry_if_exception(retryable), stop=stop_after_attempt(max_attempts), wait=wait,
                      before_sleep=before_sleep, sleep=sleep, reraise=True)
    return policy(attempt)


def retry_after(resp: requests.Response) -> float | None:
    """Retry-After as seconds (delta or HTTP date), capped at 5 minutes; None when absent or unreadable."""
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, min(float(value), 300.0))
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
            return max(0.0, min((when - datetime.now(UTC)).total_seconds(), 300.0))
        except (TypeError, ValueError):
            return None


__all__: list[Any] = ["RETRY_STATUSES", "TRANSPORT_ERRORS", "Transient", "from_transport_error", "never_sent",
                      "retry_after", "run"]
